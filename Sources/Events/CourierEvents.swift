public import Core
public import Foundation

// Couriers as the domains that follow them see them: dispatch publishes these, the live layer
// and the cluster bus consume them without importing dispatch.

/// A courier as dispatch sees them: online or not, and their last known fix.
public struct CourierState: Codable, Sendable, Equatable {
    public init(
        courierID: UUID, isOnline: Bool, location: GeoPoint?, positionAt: Date?, updatedAt: Date, vehicle: VehicleType = .bicycle,
        accuracy: Double? = nil, heading: Double? = nil, speed: Double? = nil
    ) {
        self.courierID = courierID
        self.isOnline = isOnline
        self.location = location
        self.positionAt = positionAt
        self.updatedAt = updatedAt
        self.vehicle = vehicle
        self.accuracy = accuracy
        self.heading = heading
        self.speed = speed
    }

    public let courierID: UUID
    public var isOnline: Bool
    public var location: GeoPoint?
    /// When the last fix was taken (UTC).
    public var positionAt: Date?
    public var updatedAt: Date
    public var vehicle: VehicleType = .bicycle
    /// Of the last fix, when the device said: metres of uncertainty, degrees clockwise from
    /// north, metres per second. Kept in memory only.
    public var accuracy: Double? = nil
    public var heading: Double? = nil
    public var speed: Double? = nil
}

/// A position fix as a courier's device reports it.
public struct PositionFix: Codable, Sendable, Equatable {
    public let location: GeoPoint
    public let recordedAt: Date?
    public let accuracy: Double?
    public let heading: Double?
    public let speed: Double?

    public init(location: GeoPoint, recordedAt: Date?, accuracy: Double? = nil, heading: Double? = nil, speed: Double? = nil) {
        self.location = location
        self.recordedAt = recordedAt
        self.accuracy = accuracy
        self.heading = heading
        self.speed = speed
    }

    /// Refuses values no device reports, naming the field under `prefix`.
    public func validate(prefix: String = "") throws {
        if let accuracy, !(accuracy.isFinite && (0...100_000).contains(accuracy)) {
            throw ValidationError(field: prefix + "accuracy", reason: "metres, between 0 and 100000")
        }
        if let heading, !(heading.isFinite && (0..<360).contains(heading)) {
            throw ValidationError(field: prefix + "heading", reason: "degrees clockwise from north, 0 to less than 360")
        }
        if let speed, !(speed.isFinite && (0...100).contains(speed)) {
            throw ValidationError(field: prefix + "speed", reason: "metres per second, between 0 and 100")
        }
    }
}

/// What changes in dispatch as it happens, for those who follow it (`DispatchService.changes`):
/// the live connections, the proximity watcher, the cluster bus.
public enum DispatchChange: Sendable {
    /// A courier's state changed: a fix taken, or going on- or offline. `local`: reported to this
    /// instance; false: learned from another instance (which has told the others already).
    case courier(CourierState, local: Bool)
    /// Offers made by this instance's dispatch round, each as its courier sees it.
    case offers([OfferMade])
}

/// An offer made to a courier, for whoever tells the courier: the offer as its courier sees it,
/// encoded once by dispatch (the live layer forwards it as it is).
public struct OfferMade: Codable, Sendable, Equatable {
    public let courierID: UUID
    public let offerID: UUID
    /// The offer, as JSON.
    public let offer: String

    public init(courierID: UUID, offerID: UUID, offer: String) {
        self.courierID = courierID
        self.offerID = offerID
        self.offer = offer
    }
}

/// A notification for one user's live connections, as their activity feed keeps it (encoded
/// once by Notifications; the live layer forwards it as it is).
public struct UserNotice: Codable, Sendable, Equatable {
    public let userID: UUID
    /// The activity item, as JSON.
    public let notification: String

    public init(userID: UUID, notification: String) {
        self.userID = userID
        self.notification = notification
    }
}
