public import Core
public import Foundation

/// A fact that happened in a domain, recorded in the outbox in the same transaction as the
/// state change it describes, and delivered to consumers afterwards (at least once, so a
/// consumer must tolerate a duplicate: it carries the same `id`).
///
/// The envelope does not interpret its payload; `decode(_:)` reads it as the contract type its
/// `type` names (see `EventType`).
public struct DomainEvent: Sendable, Equatable {
    public let id: UUID
    public let type: EventType
    public let aggregateID: UUID
    public let occurredAt: Date
    /// The payload as JSON text in Tiffin's one JSON style (`TiffinJSON`).
    public let payload: Data

    public init(id: UUID = .timeOrdered(), type: EventType, aggregateID: UUID, occurredAt: Date, payload: Data) {
        self.id = id
        self.type = type
        self.aggregateID = aggregateID
        self.occurredAt = occurredAt
        self.payload = payload
    }

    public init(id: UUID = .timeOrdered(), type: EventType, aggregateID: UUID, occurredAt: Date, payload: some EventPayload) throws {
        self.init(id: id, type: type, aggregateID: aggregateID, occurredAt: occurredAt, payload: try TiffinJSON.encoder.encode(payload))
    }

    public func decode<T: EventPayload>(_ type: T.Type) throws -> T {
        try TiffinJSON.decoder.decode(T.self, from: payload)
    }
}

/// A payload type of the event contracts.
public protocol EventPayload: Codable, Sendable {}

/// An event's name, dotted (`order.accepted`). A struct rather than an enum so an event written
/// by a newer instance still decodes; every name Tiffin publishes is listed in `all`.
public struct EventType: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // MARK: Ordering — payload `OrderStatusChanged` unless noted

    /// The event recorded when an order enters `status`.
    public static func order(_ status: OrderStatus) -> EventType { EventType("order.\(status.rawValue)") }
    /// Payload `CourierAssignmentChanged`: a courier now carries the order.
    public static let orderCourierAssigned = EventType("order.courier_assigned")
    /// Payload `CourierAssignmentChanged`: the courier handed the order back before pickup.
    public static let orderCourierReleased = EventType("order.courier_released")
    /// Payload `OrderNeedsAttention`: the order waits too long for a courier, a pickup or a delivery.
    public static let orderNeedsAttention = EventType("order.needs_attention")

    /// Payload `AcceptReminderDue`: the restaurant has not answered and the order expires soon.
    public static let orderAcceptReminder = EventType("order.accept_reminder")
    /// Payload `CourierProximity`: the courier carrying the food is close to the delivery address.
    public static let orderCourierNearby = EventType("order.courier_nearby")
    /// Payload `CourierProximity`: the courier coming to collect is close to the restaurant.
    public static let orderCourierArriving = EventType("order.courier_arriving")
    public static func order(_ milestone: ProximityMilestone) -> EventType {
        switch milestone {
        case .courierNearby: orderCourierNearby
        case .courierArriving: orderCourierArriving
        }
    }

    // MARK: Dispatching — payload `OfferChanged`

    /// A job was offered to a courier.
    public static let offerCreated = EventType("offer.created")
    /// The courier did not answer in time; the orders go to the next round.
    public static let offerExpired = EventType("offer.expired")
    /// The offer was taken back: its orders ended or went elsewhere.
    public static let offerWithdrawn = EventType("offer.withdrawn")

    // MARK: Payments — payload `PaymentStatusChanged` unless noted

    public static func payment(_ status: PaymentStatus) -> EventType { EventType("payment.\(status.rawValue)") }
    /// Payload `RefundIssued`: one refund, full or partial (the payment's own status change is
    /// `payment.partially_refunded` or `payment.refunded`).
    public static let paymentRefundIssued = EventType("payment.refund_issued")

    // MARK: Operations

    /// Payload `SLOAlertChanged`: a journey's SLO alert moved (to a page, a ticket, or back to ok).
    public static let sloAlert = EventType("slo.alert")

    /// Every event type Tiffin publishes, with the payload type it carries.
    public static let all: [(type: EventType, payload: any EventPayload.Type)] =
        OrderStatus.allCases.map { (order($0), OrderStatusChanged.self) }
        + [
            (orderCourierAssigned, CourierAssignmentChanged.self), (orderCourierReleased, CourierAssignmentChanged.self),
            (orderNeedsAttention, OrderNeedsAttention.self), (orderAcceptReminder, AcceptReminderDue.self),
            (orderCourierNearby, CourierProximity.self), (orderCourierArriving, CourierProximity.self),
            (offerCreated, OfferChanged.self), (offerExpired, OfferChanged.self), (offerWithdrawn, OfferChanged.self),
        ]
        + PaymentStatus.allCases.map { (payment($0), PaymentStatusChanged.self) }
        + [(paymentRefundIssued, RefundIssued.self), (sloAlert, SLOAlertChanged.self)]
}
