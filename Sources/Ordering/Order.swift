public import Core
public import Events
public import Foundation

/// An order with its priced lines. Prices are copied from the quote at placement and never
/// recomputed: a later menu change does not touch an existing order.
public struct Order: Codable, Sendable, Equatable {
    public let id: UUID
    public let customerID: UUID
    public let restaurantID: UUID
    public let restaurantName: String
    public var status: OrderStatus
    public let lines: [QuoteLine]
    public let subtotal: Money
    public let deliveryFee: Money
    public let serviceFee: Money
    public let total: Money
    public let deliveryLocation: GeoPoint
    public let deliveryAddress: String
    public let pickupLocation: GeoPoint
    public let etaMinutes: Int
    public var paymentID: UUID?
    /// The courier's account id: shown to that courier and to operators only (`seen(by:)`).
    public var courierID: UUID?
    /// Whether a courier has the order now: what a customer and the restaurant see instead of
    /// the courier's account id. Set on every order the API returns.
    public var courierAssigned: Bool? = nil
    public let placedAt: Date
    public var updatedAt: Date
    /// When a confirmed order expires unless the restaurant answers.
    public var acceptDeadline: Date?
    /// When the restaurant expects the food to be ready: set on acceptance, from the preparation
    /// time it gave (its usual one when it gave none).
    public var readyBy: Date?
    /// Set while the order waits too long for a courier, a pickup or a delivery (for operators).
    public var attention: OrderAttention?
    /// Present on single-order reads: every status change, oldest first.
    public var history: [OrderStatusChange]?
    /// Present on single-order reads: money given back after delivery.
    public var refunds: [OrderRefund]?
}

public struct OrderAttention: Codable, Sendable, Equatable {
    public let reason: AttentionReason
    public let since: Date
}

public struct OrderStatusChange: Codable, Sendable, Equatable {
    public let from: OrderStatus?
    public let to: OrderStatus
    public let actor: OrderActor
    /// The account that made the change; shown to operators only.
    public var actorID: UUID?
    public let reason: String?
    public let at: Date
}

/// A refund as the order shows it.
public struct OrderRefund: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case pending, succeeded, failed }

    public let id: UUID
    public let amount: Money
    public let reason: String
    public let actor: OrderActor
    public let status: Status
    public let createdAt: Date

    public init(id: UUID, amount: Money, reason: String, actor: OrderActor, status: Status, createdAt: Date) {
        self.id = id
        self.amount = amount
        self.reason = reason
        self.actor = actor
        self.status = status
        self.createdAt = createdAt
    }
}

/// A page of orders for operators, newest first; `nextCursor` continues it.
public struct OrderPage: Codable, Sendable {
    public let orders: [Order]
    public let nextCursor: String?

    public init(orders: [Order], nextCursor: String?) {
        self.orders = orders
        self.nextCursor = nextCursor
    }

    public func seen(by viewer: Principal) -> OrderPage {
        OrderPage(orders: orders.map { $0.seen(by: viewer) }, nextCursor: nextCursor)
    }
}

/// What operators filter orders by. Every field narrows; none set lists every order.
public struct OrderFilter: Sendable {
    public var statuses: [OrderStatus]?
    public var restaurantID: UUID?
    public var courierID: UUID?
    public var customerID: UUID?
    public var placedFrom: Date?
    public var placedBefore: Date?
    public var needsAttention: Bool?
    public var limit: Int
    /// From `OrderPage.nextCursor`.
    public var cursor: String?

    public init(limit: Int = 50) {
        self.limit = limit
    }
}

/// A restaurant's orders of one local day (its time zone), for its staff: counts by outcome and
/// what the delivered ones sold.
public struct RestaurantDay: Codable, Sendable, Equatable {
    /// The day, `YYYY-MM-DD`, in `timeZone`.
    public let date: String
    public let timeZone: String
    /// Orders placed that day whose payment was authorised (not `placed` or `payment_failed`).
    public let orders: Int
    /// Still on their way: confirmed, accepted, preparing, ready or picked up.
    public let inProgress: Int
    public let delivered: Int
    /// Rejected, cancelled or expired.
    public let notFulfilled: Int
    /// The food sold in the delivered orders (their subtotals, before any refund; fees are not the restaurant's).
    public let revenue: Money

    public init(date: String, timeZone: String, orders: Int, inProgress: Int, delivered: Int, notFulfilled: Int, revenue: Money) {
        self.date = date
        self.timeZone = timeZone
        self.orders = orders
        self.inProgress = inProgress
        self.delivered = delivered
        self.notFulfilled = notFulfilled
        self.revenue = revenue
    }
}

extension Order {
    /// The order as `viewer` may read it. Another party's account id is for operators: a
    /// customer or the restaurant learns that a courier is assigned, not who (the courier's id
    /// is a stable handle on one person's working life across every order they carry, and
    /// nothing a customer or a kitchen does needs it); the courier sees their own. Who made each
    /// change is for operators too. The customer's id stays visible to the restaurant: it is
    /// the restaurant's own customer, and a pseudonymous id is how it knows a returning one
    /// without personal data.
    public func seen(by viewer: Principal) -> Order {
        var order = self
        order.courierAssigned = courierID != nil
        guard viewer.role != .operator else { return order }
        if viewer.role != .courier || viewer.userID != courierID { order.courierID = nil }
        order.history = history?.map { change in
            var change = change
            change.actorID = nil
            return change
        }
        return order
    }

    /// Its delivery while it has a courier and is not delivered; nil otherwise.
    public var activeDelivery: ActiveDelivery? {
        guard let courierID, OrderStatus.withCourier.contains(status) else { return nil }
        return ActiveDelivery(
            orderID: id, restaurantID: restaurantID, courierID: courierID, status: status, pickup: pickupLocation, dropoff: deliveryLocation)
    }
}
