public import Foundation

/// How couriers get around, and how fast.
public enum VehicleType: String, Codable, Sendable, CaseIterable {
    case bicycle, scooter, car

    /// Average speed through a city, stops and lights included (metres per second).
    public var citySpeed: Double {
        switch self {
        case .bicycle: 15_000 / 3_600.0
        case .scooter: 22_000 / 3_600.0
        case .car: 20_000 / 3_600.0  // faster roads, slower parking
        }
    }
}

/// Travel times from straight-line distances: roads are longer than the crow flies by
/// `detourFactor`, and every stop (a pickup or a hand-over) costs `stopSeconds`.
public struct TravelModel: Sendable, Equatable {
    public var detourFactor = 1.35
    public var stopSeconds: TimeInterval = 90

    public init() {}

    public func seconds(_ from: GeoPoint, _ to: GeoPoint, by vehicle: VehicleType) -> TimeInterval {
        from.flatMetres(to: to) * detourFactor / vehicle.citySpeed
    }

    /// ETA of one order, from now: the courier reaches the restaurant (or the food gets ready,
    /// whichever is later), then rides to the customer.
    public func eta(
        courier: GeoPoint, restaurant: GeoPoint, customer: GeoPoint, preparationLeft: TimeInterval, by vehicle: VehicleType
    )
        -> TimeInterval
    {
        max(seconds(courier, restaurant, by: vehicle), max(0, preparationLeft)) + stopSeconds + seconds(restaurant, customer, by: vehicle)
    }
}

/// The customer's ETA as shown: an arrival instant that does not jump back and forth with every
/// fix and keeps counting down while the courier is quiet.
///
/// Held as an instant, not a duration, so with no new fix the remaining time falls by itself.
/// A new raw estimate moves it by a fraction (`weight`) of the difference, and by at most
/// `maximumStep` per update; a raw estimate in the past shows as "any moment" (`now + floor`).
public struct ETASmoother: Sendable, Equatable {
    public var weight = 0.35
    public var maximumStep: TimeInterval = 90
    public var floor: TimeInterval = 30
    public private(set) var arrival: Date?

    public init() {}

    /// Takes a raw arrival estimate made at `now`; returns the arrival to show.
    @discardableResult
    public mutating func update(raw: Date, now: Date) -> Date {
        let target = max(raw, now.addingTimeInterval(floor))
        guard let previous = arrival else {
            arrival = target
            return target
        }
        let change = (target.timeIntervalSince(previous) * weight).clamped(to: -maximumStep...maximumStep)
        let next = max(previous.addingTimeInterval(change), now.addingTimeInterval(floor))
        arrival = next
        return next
    }

    /// Seconds left at `now`, never below zero.
    public func secondsLeft(at now: Date) -> Int? {
        arrival.map { max(0, Int($0.timeIntervalSince(now).rounded())) }
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}

extension GeoPoint {
    /// Metres per degree of latitude (and of longitude at the equator).
    public static let metresPerDegree = 111_195.0

    /// Metres to `other` on a flat (equirectangular) projection scaled by this point's latitude:
    /// within a city it differs from the great-circle distance by far less than a GPS fix's
    /// error, at a fraction of the cost. What travel times and the courier index use.
    public func flatMetres(to other: GeoPoint) -> Double {
        let dLat = other.lat - lat
        let dLon = (other.lon - lon) * cos(lat * .pi / 180)
        return (dLat * dLat + dLon * dLon).squareRoot() * Self.metresPerDegree
    }
}
