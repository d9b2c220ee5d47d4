import Core
public import Foundation

/// Payload of `order.accept_reminder`: a confirmed order nobody at the restaurant has answered,
/// recorded once, a while before it expires.
public struct AcceptReminderDue: EventPayload, Equatable {
    public let orderID: UUID
    public let customerID: UUID
    public let restaurantID: UUID
    /// When the order expires unless accepted.
    public let acceptDeadline: Date

    public init(orderID: UUID, customerID: UUID, restaurantID: UUID, acceptDeadline: Date) {
        self.orderID = orderID
        self.customerID = customerID
        self.restaurantID = restaurantID
        self.acceptDeadline = acceptDeadline
    }
}

/// Where a courier came close to: the drop-off with the food, or the restaurant to collect it.
public enum ProximityMilestone: String, Codable, Sendable, CaseIterable {
    /// Carrying the food, within reach of the delivery address (`order.courier_nearby`).
    case courierNearby = "courier_nearby"
    /// On the way to collect, within reach of the restaurant (`order.courier_arriving`).
    case courierArriving = "courier_arriving"
}

/// Payload of `order.courier_nearby` and `order.courier_arriving`, recorded once per order.
public struct CourierProximity: EventPayload, Equatable {
    public let orderID: UUID
    public let customerID: UUID
    public let restaurantID: UUID
    public let courierID: UUID
    public let milestone: ProximityMilestone
    /// Straight-line distance when it was noticed.
    public let distanceMetres: Int

    public init(orderID: UUID, customerID: UUID, restaurantID: UUID, courierID: UUID, milestone: ProximityMilestone, distanceMetres: Int) {
        self.orderID = orderID
        self.customerID = customerID
        self.restaurantID = restaurantID
        self.courierID = courierID
        self.milestone = milestone
        self.distanceMetres = distanceMetres
    }
}

/// Payload of `offer.created`, `offer.expired` and `offer.withdrawn`: a job offered to one courier.
public struct OfferChanged: EventPayload, Equatable {
    public let offerID: UUID
    public let courierID: UUID
    public let orderIDs: [UUID]
    /// `pending`, `expired` or `withdrawn`.
    public let status: String
    public let expiresAt: Date
    public let reason: String?

    public init(offerID: UUID, courierID: UUID, orderIDs: [UUID], status: String, expiresAt: Date, reason: String?) {
        self.offerID = offerID
        self.courierID = courierID
        self.orderIDs = orderIDs
        self.status = status
        self.expiresAt = expiresAt
        self.reason = reason
    }
}
