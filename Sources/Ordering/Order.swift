import Core
import Foundation

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
    public var courierID: UUID?
    public let placedAt: Date
    public var updatedAt: Date
    /// When a confirmed order expires unless the restaurant answers.
    public var acceptDeadline: Date?
    /// Present on single-order reads: every status change, oldest first.
    public var history: [OrderStatusChange]?
}

public struct OrderStatusChange: Codable, Sendable, Equatable {
    public let from: OrderStatus?
    public let to: OrderStatus
    public let actor: OrderActor
    public let actorID: UUID?
    public let reason: String?
    public let at: Date
}

/// Payload of every `order.*` event in the outbox.
public struct OrderEventPayload: Codable, Sendable, Equatable {
    public let orderID: UUID
    public let customerID: UUID
    public let restaurantID: UUID
    public let courierID: UUID?
    public let paymentID: UUID?
    public let from: OrderStatus?
    public let to: OrderStatus
    public let total: Money
    public let reason: String?
}

extension OrderStatus {
    /// The outbox event type recorded when an order enters this status.
    public var eventType: String { "order.\(rawValue)" }
}
