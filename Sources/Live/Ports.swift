public import Core
public import Events
public import Foundation

// What the live layer needs of the domains, declared here and wired by the assembly (TiffinApp).
// Live imports no domain: it sees accounts, couriers and orders only through these.

/// Who a live connection's credentials stand for (Accounts).
public protocol LiveSignIns: Sendable {
    /// The sign-in a ticket was issued for, spending the ticket; nil when it is unknown, spent,
    /// expired, or its token was logged out.
    func redeemTicket(_ ticket: String) async throws -> Session?
    /// The sign-in a bearer token stands for; nil when unknown or expired.
    func session(forToken token: String) async throws -> Session?
    /// Sign-ins ending before their time (logouts), as they end.
    var sessionEnds: Feed<SessionEnded> { get }
    /// A sign-in ended on another instance: stop honouring its token here.
    func forgetSession(_ id: String)
}

/// Couriers as dispatch knows them (Dispatching).
public protocol LiveCouriers: Sendable {
    /// Courier states and offers as they change.
    var changes: Feed<DispatchChange> { get }
    /// The courier's state now (offline with no position when unknown).
    func state(courierID: UUID) async -> CourierState
    /// A fix from the courier's own connection.
    func report(courierID: UUID, _ fix: PositionFix) async
    /// A courier's state as another instance saw it; dispatch's `changes` carry it on when newer.
    func receiveRemote(_ state: CourierState)
    /// The courier's pending offers, to send again when they connect.
    func pendingOffers(courierID: UUID) async throws -> [OfferMade]
}

/// Orders, as the live layer may read them (Ordering and Catalog).
public protocol LiveOrders: Sendable {
    /// The order as `viewer` sees it, read as it is now, when they may read it (its customer, its
    /// restaurant's staff, its courier, operators); throws the API's `NotFoundError` otherwise.
    func viewing(_ orderID: UUID, by viewer: Principal) async throws -> OrderViewing
    /// The restaurant `staffID` runs, if any.
    func restaurantID(runBy staffID: UUID) async throws -> UUID?
    /// The order's delivery as it is now: its courier and where the food goes, while it has a
    /// courier and is not delivered (nil otherwise, and for an order that does not exist).
    func activeDelivery(orderID: UUID) async throws -> ActiveDelivery?
    /// Every active delivery (at start, and to resynchronise).
    func activeDeliveries() async throws -> [ActiveDelivery]
    /// Records that the courier came close (once per order and milestone; repeats change nothing).
    func recordProximity(orderID: UUID, courierID: UUID, milestone: ProximityMilestone, distanceMetres: Int) async throws
}
