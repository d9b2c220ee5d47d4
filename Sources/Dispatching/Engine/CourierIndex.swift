public import Core
public import Foundation

/// An in-memory spatial index of points keyed by id (online couriers), updated on every fix and
/// answering k-nearest and within-radius queries.
///
/// A grid of cells about `cellMetres` on a side: rows are bands of latitude, and each row's cells
/// are as wide in degrees of longitude as its latitude makes `cellMetres`, so a cell is roughly
/// square everywhere. Each cell keeps its points in flat arrays (ids, latitudes, longitudes); an id
/// maps to its cell and slot, so a move is O(1). A query looks at the cells under a square around
/// the point, growing it until it holds `k` points within its radius.
///
/// Distances are equirectangular (planar, scaled by the cosine of the mean latitude): within a
/// city they differ from great-circle distances by far less than a GPS fix's error, at a fraction
/// of the cost. A value type: each dispatch round builds one over the couriers it plans with.
/// Hand-written: no mirrored package has a spatial index.
public struct CourierIndex: Sendable {
    public struct Neighbour: Sendable, Equatable {
        public let id: UUID
        public let location: GeoPoint
        public let metres: Double
    }

    public static let metresPerDegree = GeoPoint.metresPerDegree
    let cellMetres: Double
    let cellDegrees: Double
    /// The farthest a query looks.
    public let maximumRadius: Double

    private struct Cell {
        var ids: [UUID] = []
        var lats: [Double] = []
        var lons: [Double] = []
    }

    private var cells: [Int64: Cell] = [:]
    private var slots: [UUID: (cell: Int64, slot: Int)] = [:]

    public init(cellMetres: Double = 400, maximumRadius: Double = 50_000) {
        self.cellMetres = cellMetres
        self.cellDegrees = cellMetres / Self.metresPerDegree
        self.maximumRadius = maximumRadius
    }

    public var count: Int { slots.count }

    /// Puts `id` at `location`, moving it if it was elsewhere.
    public mutating func update(_ id: UUID, at location: GeoPoint) {
        let key = Self.key(row: row(location.lat), column: column(location.lon, row: row(location.lat)))
        if let (old, slot) = slots[id] {
            if old == key {
                cells[key]!.lats[slot] = location.lat
                cells[key]!.lons[slot] = location.lon
                return
            }
            detach(id, from: old, slot: slot)
        }
        var cell = cells.removeValue(forKey: key) ?? Cell()
        cell.ids.append(id)
        cell.lats.append(location.lat)
        cell.lons.append(location.lon)
        slots[id] = (key, cell.ids.count - 1)
        cells[key] = cell
    }

    public mutating func remove(_ id: UUID) {
        guard let (key, slot) = slots[id] else { return }
        detach(id, from: key, slot: slot)
    }

    private mutating func detach(_ id: UUID, from key: Int64, slot: Int) {
        slots[id] = nil
        var cell = cells.removeValue(forKey: key)!
        let last = cell.ids.count - 1
        if slot != last {
            cell.ids[slot] = cell.ids[last]
            cell.lats[slot] = cell.lats[last]
            cell.lons[slot] = cell.lons[last]
            slots[cell.ids[slot]] = (key, slot)
        }
        cell.ids.removeLast()
        cell.lats.removeLast()
        cell.lons.removeLast()
        if !cell.ids.isEmpty { cells[key] = cell }
    }

    /// The `k` points nearest `point`, nearest first, within `maximumRadius`; those `excluding`
    /// matches are skipped.
    public func nearest(_ k: Int, to point: GeoPoint, excluding: (UUID) -> Bool = { _ in false }) -> [Neighbour] {
        guard k > 0, !slots.isEmpty else { return [] }
        var radius = cellMetres
        while true {
            var found = collect(around: point, radius: radius, excluding: excluding)
            if found.count >= k || radius >= maximumRadius {
                found.sort { $0.metres < $1.metres || ($0.metres == $1.metres && $0.id.uuidString < $1.id.uuidString) }
                return Array(found.prefix(k))
            }
            radius = min(radius * 2, maximumRadius)
        }
    }

    /// Every point within `radius` metres of `point`, nearest first.
    public func within(_ radius: Double, of point: GeoPoint) -> [Neighbour] {
        collect(around: point, radius: min(radius, maximumRadius), excluding: { _ in false }).sorted { $0.metres < $1.metres }
    }

    /// The distance the index ranks by, in metres: equirectangular, with the longitude scaled by
    /// the cosine of `from`'s latitude (the query point), so a query needs no trigonometry per point.
    @inlinable
    public static func metres(from a: GeoPoint, to b: GeoPoint) -> Double {
        metres(from: a, cosLat: cos(a.lat * .pi / 180), toLat: b.lat, lon: b.lon)
    }

    @usableFromInline
    static func metres(from a: GeoPoint, cosLat: Double, toLat lat: Double, lon: Double) -> Double {
        let dLat = lat - a.lat
        let dLon = (lon - a.lon) * cosLat
        return (dLat * dLat + dLon * dLon).squareRoot() * metresPerDegree
    }

    private func collect(around point: GeoPoint, radius: Double, excluding: (UUID) -> Bool) -> [Neighbour] {
        var found: [Neighbour] = []
        let radiusDegrees = radius / Self.metresPerDegree
        let lowRow = row(max(-90, point.lat - radiusDegrees))
        let highRow = row(min(90, point.lat + radiusDegrees))
        // Longitude half-span of the square at its widest latitude (nearest a pole).
        let widest = min(89.9, max(abs(point.lat - radiusDegrees), abs(point.lat + radiusDegrees)))
        let lonSpan = min(180, radiusDegrees / max(cos(widest * .pi / 180), 0.001))
        let cosLat = cos(point.lat * .pi / 180)
        func scan(_ cell: Cell) {
            for i in cell.ids.indices {
                let metres = Self.metres(from: point, cosLat: cosLat, toLat: cell.lats[i], lon: cell.lons[i])
                guard metres <= radius, !excluding(cell.ids[i]) else { continue }
                found.append(Neighbour(id: cell.ids[i], location: GeoPoint(uncheckedLat: cell.lats[i], lon: cell.lons[i]), metres: metres))
            }
        }
        let rows = lowRow...highRow
        let columnsPerRow = column(point.lon + lonSpan, row: row(point.lat)) - column(point.lon - lonSpan, row: row(point.lat)) + 1
        if rows.count * columnsPerRow > cells.count {
            // Sparse: fewer occupied cells than cells under the square; look at each occupied one.
            for (key, cell) in cells {
                let r = Int(key >> 32)
                guard rows.contains(r) else { continue }
                let c = Int(Int32(truncatingIfNeeded: key))
                guard c >= column(point.lon - lonSpan, row: r), c <= column(point.lon + lonSpan, row: r) else { continue }
                scan(cell)
            }
            return found
        }
        for r in rows {
            for c in column(point.lon - lonSpan, row: r)...column(point.lon + lonSpan, row: r) {
                if let cell = cells[Self.key(row: r, column: c)] { scan(cell) }
            }
        }
        return found
    }

    func row(_ lat: Double) -> Int { Int((lat / cellDegrees).rounded(.down)) }

    /// Cells in a row are `cellMetres` wide at the row's mid latitude.
    func column(_ lon: Double, row: Int) -> Int {
        let mid = min(89.9, abs((Double(row) + 0.5) * cellDegrees))
        let width = cellDegrees / max(cos(mid * .pi / 180), 0.001)
        return Int((lon / width).rounded(.down))
    }

    static func key(row: Int, column: Int) -> Int64 { Int64(row) << 32 | Int64(UInt32(truncatingIfNeeded: column)) }
}
