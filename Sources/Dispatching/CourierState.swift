import Core
import Foundation

/// A courier as dispatch sees them: online or not, and their last known fix.
public struct CourierState: Codable, Sendable, Equatable {
    public let courierID: UUID
    public var isOnline: Bool
    public var location: GeoPoint?
    /// When the last fix was taken (UTC).
    public var positionAt: Date?
    public var updatedAt: Date
}

/// A position as shown to a customer: never an error for being old, but marked stale with its age.
public struct CourierPosition: Codable, Sendable, Equatable {
    public let courierID: UUID
    public let location: GeoPoint
    public let recordedAt: Date
    public let ageSeconds: Int
    public let isStale: Bool
}

/// An order waiting for a courier, as Ordering describes it.
public struct DispatchOrder: Sendable {
    public let id: UUID
    public let pickup: GeoPoint
    public let placedAt: Date
    public init(id: UUID, pickup: GeoPoint, placedAt: Date) {
        self.id = id
        self.pickup = pickup
        self.placedAt = placedAt
    }
}

/// What tracking needs to know about an order to decide who may see its courier.
public struct TrackingInfo: Sendable {
    public let customerID: UUID
    public let courierID: UUID?
    public let status: String
    /// True while the courier carries the food (picked up, not yet delivered).
    public let isCarrying: Bool
    public init(customerID: UUID, courierID: UUID?, status: String, isCarrying: Bool) {
        self.customerID = customerID
        self.courierID = courierID
        self.status = status
        self.isCarrying = isCarrying
    }
}

/// Dispatch's view of orders. Supplied by Ordering through the app assembly.
public protocol DispatchOrderPort: Sendable {
    func ordersAwaitingCourier(limit: Int) async throws -> [DispatchOrder]
    func busyCourierIDs() async throws -> Set<UUID>
    /// False when the order no longer needs a courier or already has one.
    func assign(orderID: UUID, courierID: UUID, reason: String) async throws -> Bool
    func trackingInfo(orderID: UUID) async throws -> TrackingInfo?
}

public enum DispatchError: DomainError, Equatable {
    case notCarrying(status: String)
    case noPositionYet

    public var problem: ProblemDescription {
        switch self {
        case .notCarrying(let status):
            ProblemDescription(
                kind: .conflict, type: "position-not-shared", title: "Courier position not shared",
                detail: "a courier's position is shared only while they carry the order; this order is \(status)", state: status)
        case .noPositionYet:
            ProblemDescription(kind: .notFound, type: "no-position", title: "No position yet", detail: "the courier has not reported a position yet")
        }
    }
}
