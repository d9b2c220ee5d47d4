public import Core
public import Foundation

/// Where an order is in its life. Part of the public contract (API and events); the legal moves
/// between them are Ordering's `OrderStateMachine`.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case placed
    case confirmed
    case accepted
    case preparing
    case ready
    case pickedUp = "picked_up"
    case delivered
    case rejected
    case cancelled
    case expired
    case paymentFailed = "payment_failed"

    /// Orders still in progress: someone has something left to do.
    public static let active: [OrderStatus] = [.placed, .confirmed, .accepted, .preparing, .ready, .pickedUp]
    /// Accepted and not yet picked up: the kitchen has it; a courier may be assigned.
    public static let awaitingPickup: [OrderStatus] = [.accepted, .preparing, .ready]
    /// The statuses in which an order assigned a courier is theirs: on the way to collect it, or carrying it.
    public static let withCourier: [OrderStatus] = awaitingPickup + [.pickedUp]
}

/// An order accepted by its restaurant and still without a courier: what dispatch plans with. The
/// one shape of "an order awaiting a courier", read by Ordering and used by dispatch.
public struct OrderAwaitingCourier: Codable, Sendable, Equatable {
    public let orderID: UUID
    public let restaurantID: UUID
    public let pickup: GeoPoint
    public let dropoff: GeoPoint
    public let placedAt: Date
    public let status: OrderStatus
    /// When the food is expected to be ready: when it was marked ready; otherwise the time the
    /// restaurant gave on accepting, or acceptance plus its learned preparation time (its
    /// declared one until it has a history); never earlier than a minute from now for food not
    /// ready yet.
    public let expectedReadyAt: Date
    /// Couriers who handed this order back: never offered it again.
    public let excludedCouriers: Set<UUID>

    public init(
        orderID: UUID, restaurantID: UUID, pickup: GeoPoint, dropoff: GeoPoint, placedAt: Date, status: OrderStatus = .accepted,
        expectedReadyAt: Date, excludedCouriers: Set<UUID> = []
    ) {
        self.orderID = orderID
        self.restaurantID = restaurantID
        self.pickup = pickup
        self.dropoff = dropoff
        self.placedAt = placedAt
        self.status = status
        self.expectedReadyAt = expectedReadyAt
        self.excludedCouriers = excludedCouriers
    }
}

/// An order with its courier, not yet delivered: the courier is on the way to collect it
/// (`accepted` … `ready`) or carries it (`picked_up`). The one shape of "an active delivery",
/// read by Ordering and used by dispatch and the live layer alike.
public struct ActiveDelivery: Codable, Sendable, Equatable {
    public let orderID: UUID
    public let restaurantID: UUID
    public let courierID: UUID
    public let status: OrderStatus
    public let pickup: GeoPoint
    public let dropoff: GeoPoint

    public init(orderID: UUID, restaurantID: UUID, courierID: UUID, status: OrderStatus, pickup: GeoPoint, dropoff: GeoPoint) {
        self.orderID = orderID
        self.restaurantID = restaurantID
        self.courierID = courierID
        self.status = status
        self.pickup = pickup
        self.dropoff = dropoff
    }

    /// The food is with the courier.
    public var isPickedUp: Bool { status == .pickedUp }
}

/// Who caused a change to an order.
public enum OrderActor: String, Codable, Sendable, CaseIterable {
    case customer
    case restaurant
    case courier
    case `operator`
    case system
}

/// Payload of every `order.<status>` event.
public struct OrderStatusChanged: EventPayload, Equatable {
    public let orderID: UUID
    public let customerID: UUID
    public let restaurantID: UUID
    public let courierID: UUID?
    public let from: OrderStatus?
    public let to: OrderStatus
    public let actor: OrderActor
    public let total: Money
    public let reason: String?

    public init(
        orderID: UUID, customerID: UUID, restaurantID: UUID, courierID: UUID?, from: OrderStatus?, to: OrderStatus, actor: OrderActor,
        total: Money, reason: String?
    ) {
        self.orderID = orderID
        self.customerID = customerID
        self.restaurantID = restaurantID
        self.courierID = courierID
        self.from = from
        self.to = to
        self.actor = actor
        self.total = total
        self.reason = reason
    }
}

/// Payload of `order.courier_assigned` and `order.courier_released`.
public struct CourierAssignmentChanged: EventPayload, Equatable {
    public let orderID: UUID
    public let customerID: UUID
    public let restaurantID: UUID
    public let courierID: UUID
    /// The order's status at the time (assignment does not change it).
    public let status: OrderStatus
    /// Why: the matching rule's explanation, or the courier's reason for handing back.
    public let reason: String

    public init(orderID: UUID, customerID: UUID, restaurantID: UUID, courierID: UUID, status: OrderStatus, reason: String) {
        self.orderID = orderID
        self.customerID = customerID
        self.restaurantID = restaurantID
        self.courierID = courierID
        self.status = status
        self.reason = reason
    }
}

/// Why an order was flagged for operators.
public enum AttentionReason: String, Codable, Sendable, CaseIterable {
    /// Accepted or ready, and still no courier after the threshold.
    case waitingForCourier = "waiting_for_courier"
    /// A courier is assigned and the food is ready, but not picked up after the threshold.
    case waitingForPickup = "waiting_for_pickup"
    /// Picked up, and not delivered after the threshold.
    case waitingForDelivery = "waiting_for_delivery"
}

/// Payload of `order.needs_attention`.
public struct OrderNeedsAttention: EventPayload, Equatable {
    public let orderID: UUID
    public let restaurantID: UUID
    public let courierID: UUID?
    public let status: OrderStatus
    public let reason: AttentionReason
    /// Since when the order has been waiting.
    public let waitingSince: Date

    public init(orderID: UUID, restaurantID: UUID, courierID: UUID?, status: OrderStatus, reason: AttentionReason, waitingSince: Date) {
        self.orderID = orderID
        self.restaurantID = restaurantID
        self.courierID = courierID
        self.status = status
        self.reason = reason
        self.waitingSince = waitingSince
    }
}

/// Where an order goes from and to, whose it is and its courier, if any: what dispatch needs to
/// pay a delivery. The one shape, read by Ordering and used by dispatch.
public struct OrderRoute: Sendable, Equatable {
    public let customerID: UUID
    public let restaurantID: UUID
    public let courierID: UUID?
    public let status: OrderStatus
    public let pickup: GeoPoint
    public let dropoff: GeoPoint
    public let currency: String

    public init(
        customerID: UUID, restaurantID: UUID, courierID: UUID?, status: OrderStatus, pickup: GeoPoint, dropoff: GeoPoint, currency: String
    ) {
        self.customerID = customerID
        self.restaurantID = restaurantID
        self.courierID = courierID
        self.status = status
        self.pickup = pickup
        self.dropoff = dropoff
        self.currency = currency
    }
}
