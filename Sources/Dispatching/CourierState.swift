public import Core
public import Events
public import Foundation
import Synchronization

/// An online courier as operators see them.
public struct OnlineCourier: Codable, Sendable, Equatable {
    public let courierID: UUID
    public let location: GeoPoint?
    public let positionAt: Date?
    /// Seconds since the last fix; absent without one.
    public let ageSeconds: Int?
    public let isStale: Bool
    /// Orders they carry or are assigned and not yet delivered.
    public let activeOrders: Int
}

public struct OnlineCourierList: Codable, Sendable {
    public let couriers: [OnlineCourier]
}

/// Dispatch's view of orders. Supplied by Ordering through the app assembly.
public protocol DispatchOrderPort: Sendable {
    func ordersAwaitingCourier(limit: Int) async throws -> [OrderAwaitingCourier]
    /// Every order a courier has taken and not yet delivered.
    func activeDeliveries() async throws -> [ActiveDelivery]
    /// False when the order no longer needs a courier, already has one, or this courier handed it back.
    func assign(orderID: UUID, courierID: UUID, reason: String) async throws -> Bool
    func route(orderID: UUID) async throws -> OrderRoute?
}

public enum DispatchError: DomainError, Equatable {
    /// The offer was answered, expired or withdrawn already.
    case offerClosed(status: DispatchOffer.Status)
    /// Accepted, but every order in it went elsewhere or ended meanwhile.
    case offerWithdrawn

    public var problem: ProblemDescription {
        switch self {
        case .offerClosed(let status):
            ProblemDescription(
                kind: .conflict, type: "offer-closed", title: "Offer closed",
                detail: "this offer is \(status.rawValue) and can no longer be answered",
                state: status.rawValue)
        case .offerWithdrawn:
            ProblemDescription(
                kind: .conflict, type: "offer-withdrawn", title: "Offer withdrawn",
                detail: "every order in this offer was taken by another courier or ended before the answer", state: "withdrawn")
        }
    }
}
