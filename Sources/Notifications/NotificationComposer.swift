import Core
import Events
public import Foundation

/// One notification to write: who, what kind, about what, and the facts its template reads.
public struct NotificationDraft: Sendable, Equatable {
    public let recipientID: UUID
    public let kind: NotificationKind
    public let orderID: UUID?
    /// The other object it is about, when not an order: an offer, a webhook endpoint.
    public let subjectID: UUID?
    public let facts: [String: String]

    public var title: String { NotificationTemplates.render(NotificationTemplates.template(kind).title, facts) }
    public var body: String { NotificationTemplates.render(NotificationTemplates.template(kind).body, facts) }
}

/// Turns a domain event into the notifications it causes: who hears what. Pure apart from the
/// directory reads; it writes nothing.
struct NotificationComposer: Sendable {
    let directory: any RecipientDirectory

    /// Every event type that notifies someone.
    static let eventTypes: Set<EventType> = Set(
        [OrderStatus.confirmed, .accepted, .pickedUp, .delivered, .rejected, .cancelled, .expired].map(EventType.order)
            + [
                .orderCourierAssigned, .orderNeedsAttention, .orderAcceptReminder, .orderCourierNearby, .orderCourierArriving, .offerCreated,
                .offerExpired, .offerWithdrawn, .payment(.voided), .paymentRefundIssued, .sloAlert,
            ])

    /// `HH:MM` in UTC, cut from the API's own date form (`2026-11-21T18:30:00.000Z`).
    static func time(_ date: Date) -> String {
        String(TiffinJSON.format(date).dropFirst(11).prefix(5))
    }

    private func facts(_ order: OrderFacts) -> [String: String] {
        [
            "restaurant": order.restaurantName, "total": order.total.description, "items": "\(order.itemCount)",
            "address": order.deliveryAddress, "eta": "\(order.etaMinutes)", "order": order.orderID.uuidString,
            "deadline": order.acceptDeadline.map(Self.time) ?? "the deadline",
        ]
    }

    func drafts(for event: DomainEvent) async throws -> [NotificationDraft] {
        switch event.type {
        case .orderCourierAssigned:
            let p = try event.decode(CourierAssignmentChanged.self)
            guard let order = try await directory.order(p.orderID) else { return [] }
            return [draft(order.customerID, .courierAssigned, order, facts(order))]
        case .orderNeedsAttention:
            let p = try event.decode(OrderNeedsAttention.self)
            guard let order = try await directory.order(p.orderID) else { return [] }
            var f = facts(order)
            f["status"] = p.status.rawValue
            f["attention"] = p.reason.rawValue.replacingOccurrences(of: "_", with: " ")
            f["since"] = Self.time(p.waitingSince)
            return try await directory.operators().map { draft($0, .operatorOrderNeedsAttention, order, f) }
        case .orderAcceptReminder:
            let p = try event.decode(AcceptReminderDue.self)
            guard let order = try await directory.order(p.orderID), let owner = try await directory.restaurantOwner(restaurantID: p.restaurantID)
            else { return [] }
            var f = facts(order)
            f["deadline"] = Self.time(p.acceptDeadline)
            return [draft(owner, .restaurantAcceptReminder, order, f)]
        case .orderCourierNearby, .orderCourierArriving:
            let p = try event.decode(CourierProximity.self)
            guard let order = try await directory.order(p.orderID) else { return [] }
            var f = facts(order)
            f["distance"] = "\(p.distanceMetres)"
            if p.milestone == .courierNearby { return [draft(order.customerID, .courierNearby, order, f)] }
            guard let owner = try await directory.restaurantOwner(restaurantID: p.restaurantID) else { return [] }
            return [draft(owner, .restaurantCourierArriving, order, f)]
        case .offerCreated, .offerExpired, .offerWithdrawn:
            let p = try event.decode(OfferChanged.self)
            let f = ["orders": "\(p.orderIDs.count)", "expires": Self.time(p.expiresAt), "reason": p.reason ?? "no reason given"]
            let kind: NotificationKind = event.type == .offerCreated ? .courierOffer : .courierOfferWithdrawn
            return [NotificationDraft(recipientID: p.courierID, kind: kind, orderID: p.orderIDs.first, subjectID: p.offerID, facts: f)]
        case .payment(.voided):
            let p = try event.decode(PaymentStatusChanged.self)
            guard let order = try await directory.order(p.orderID) else { return [] }
            var f = facts(order)
            f["amount"] = p.amount.description
            return [draft(p.customerID, .paymentReleased, order, f, subject: p.paymentID)]
        case .paymentRefundIssued:
            let p = try event.decode(RefundIssued.self)
            guard let order = try await directory.order(p.orderID) else { return [] }
            var f = facts(order)
            f["amount"] = p.amount.description
            f["refunded"] = p.refundedTotal.description
            f["reason"] = p.reason
            return [draft(p.customerID, .refundIssued, order, f, subject: p.refundID)]
        case .sloAlert:
            let p = try event.decode(SLOAlertChanged.self)
            let cause =
                p.mainCause.map { cause in
                    "Most of the last hour's bad events: \(cause) (\(Int(((p.mainCauseShare ?? 0) * 100).rounded())) %); its failure mode is in docs/operations.md."
                } ?? "No bad events in the last hour."
            let f = [
                "journey": p.journey, "level": p.to, "from": p.from, "detail": p.detail, "cause": cause, "city": p.city,
                "what": p.to == "ok" ? "resolved" : p.to,
            ]
            return try await directory.operators().map {
                NotificationDraft(recipientID: $0, kind: .operatorSLOAlert, orderID: nil, subjectID: nil, facts: f)
            }
        default:
            return try await statusDrafts(event)
        }
    }

    /// `order.<status>`: the customer, and for some the restaurant and the courier.
    private func statusDrafts(_ event: DomainEvent) async throws -> [NotificationDraft] {
        guard event.type.rawValue.hasPrefix("order.") else { return [] }
        let p = try event.decode(OrderStatusChanged.self)
        guard let order = try await directory.order(p.orderID) else { return [] }
        var f = facts(order)
        f["reason"] = p.reason ?? "no reason given"
        f["status"] = p.to.rawValue
        if p.to == .accepted { f["etaTime"] = Self.time(event.occurredAt.addingTimeInterval(Double(order.etaMinutes) * 60)) }
        var drafts: [NotificationDraft] = []
        let customerKind: NotificationKind? =
            switch p.to {
            case .confirmed: .orderConfirmed
            case .accepted: .orderAccepted
            case .pickedUp: .orderPickedUp
            case .delivered: .orderDelivered
            case .rejected: .orderRejected
            case .cancelled: .orderCancelled
            case .expired: .orderExpired
            default: nil
            }
        if let customerKind { drafts.append(draft(p.customerID, customerKind, order, f)) }
        // The restaurant hears of a new order, and of an ending it did not cause itself.
        let restaurantKind: NotificationKind? =
            switch p.to {
            case .confirmed: .restaurantNewOrder
            case .cancelled where p.actor != .restaurant, .expired: .restaurantOrderCancelled
            default: nil
            }
        if let restaurantKind, let owner = try await directory.restaurantOwner(restaurantID: p.restaurantID) {
            drafts.append(draft(owner, restaurantKind, order, f))
        }
        if p.to == .cancelled, let courierID = p.courierID ?? order.courierID {
            drafts.append(draft(courierID, .courierOrderCancelled, order, f))
        }
        return drafts
    }

    private func draft(
        _ recipient: UUID, _ kind: NotificationKind, _ order: OrderFacts, _ facts: [String: String], subject: UUID? = nil
    )
        -> NotificationDraft
    {
        NotificationDraft(recipientID: recipient, kind: kind, orderID: order.orderID, subjectID: subject, facts: facts)
    }
}
