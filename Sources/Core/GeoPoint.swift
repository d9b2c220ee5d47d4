public import Foundation

/// A WGS84 position. Construction validates the ranges, so a `GeoPoint` is always on the globe.
public struct GeoPoint: Codable, Hashable, Sendable {
    public let lat: Double
    public let lon: Double

    /// Fails with a `ValidationError` naming `field` when latitude or longitude is out of range.
    public init(lat: Double, lon: Double, field: String = "location") throws {
        guard lat.isFinite, (-90.0...90.0).contains(lat) else {
            throw ValidationError(field: "\(field).lat", reason: "latitude must be between -90 and 90")
        }
        guard lon.isFinite, (-180.0...180.0).contains(lon) else {
            throw ValidationError(field: "\(field).lon", reason: "longitude must be between -180 and 180")
        }
        self.lat = lat
        self.lon = lon
    }

    /// For values already known to be valid (seed data, database rows).
    public init(uncheckedLat lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let lat = try container.decode(Double.self, forKey: .lat)
        let lon = try container.decode(Double.self, forKey: .lon)
        try self.init(
            lat: lat, lon: lon,
            field: decoder.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".").nonEmpty ?? "location")
    }

    private enum CodingKeys: String, CodingKey { case lat, lon }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    public func distance(to other: GeoPoint) -> Double {
        Self.haversine(lat1: lat, lon1: lon, lat2: other.lat, lon2: other.lon)
    }

    /// Great-circle distance in metres between two positions in degrees.
    @inlinable
    public static func haversine(lat1: Double, lon1: Double, lat2: Double, lon2: Double) -> Double {
        haversine(lat1: lat1, cosLat1: cos(lat1 * .pi / 180), lon1: lon1, lat2: lat2, cosLat2: cos(lat2 * .pi / 180), lon2: lon2)
    }

    /// The same, with the cosines of both latitudes already known (search loops keep them).
    @inlinable
    public static func haversine(lat1: Double, cosLat1: Double, lon1: Double, lat2: Double, cosLat2: Double, lon2: Double) -> Double {
        let radius = 6_371_008.8
        let sinLat = sin((lat2 - lat1) * .pi / 360)
        let sinLon = sin((lon2 - lon1) * .pi / 360)
        let a = sinLat * sinLat + cosLat1 * cosLat2 * sinLon * sinLon
        return 2 * radius * asin(min(1, sqrt(a)))
    }

    /// A latitude/longitude box that contains every point within `metres` of this one.
    public func boundingBox(metres: Double) -> (minLat: Double, maxLat: Double, minLon: Double, maxLon: Double) {
        let dLat = metres / 111_320.0
        let cosLat = max(0.01, cos(lat * .pi / 180))
        let dLon = metres / (111_320.0 * cosLat)
        return (max(-90, lat - dLat), min(90, lat + dLat), max(-180, lon - dLon), min(180, lon + dLon))
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
