public import Core
public import Foundation

/// Where an order's payment is. Part of the public contract; the legal moves are Payments'
/// `PaymentStateMachine`.
public enum PaymentStatus: String, Codable, Sendable, CaseIterable {
    /// The provider holds the amount on the card.
    case authorized
    /// The provider refused the card; nothing is held.
    case declined
    /// The provider did not answer in time or could not be reached. A hold may exist at the
    /// provider; reconciliation finds it by the authorisation's idempotency key and voids it.
    case failed
    /// The held amount was taken (the order was delivered).
    case captured
    /// Part of the captured amount was given back.
    case partiallyRefunded = "partially_refunded"
    /// All of the captured amount was given back.
    case refunded
    /// The hold was released; nothing was taken.
    case voided
}

/// Payload of every `payment.<status>` event.
public struct PaymentStatusChanged: EventPayload, Equatable {
    public let paymentID: UUID
    public let orderID: UUID
    public let customerID: UUID
    public let amount: Money
    public let from: PaymentStatus?
    public let to: PaymentStatus
    public let reason: String?

    public init(paymentID: UUID, orderID: UUID, customerID: UUID, amount: Money, from: PaymentStatus?, to: PaymentStatus, reason: String?) {
        self.paymentID = paymentID
        self.orderID = orderID
        self.customerID = customerID
        self.amount = amount
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// Payload of `payment.refund_issued`: one refund, full or partial.
public struct RefundIssued: EventPayload, Equatable {
    public let refundID: UUID
    public let paymentID: UUID
    public let orderID: UUID
    public let customerID: UUID
    public let amount: Money
    /// Everything refunded on this payment so far, this refund included.
    public let refundedTotal: Money
    public let reason: String
    /// `operator` or `restaurant`.
    public let actor: OrderActor

    public init(
        refundID: UUID, paymentID: UUID, orderID: UUID, customerID: UUID, amount: Money, refundedTotal: Money, reason: String, actor: OrderActor
    ) {
        self.refundID = refundID
        self.paymentID = paymentID
        self.orderID = orderID
        self.customerID = customerID
        self.amount = amount
        self.refundedTotal = refundedTotal
        self.reason = reason
        self.actor = actor
    }
}

/// A refund as Ordering asks Payments for it (the contract between the two, like the events).
public struct RefundRequest: Sendable {
    public let orderID: UUID
    /// Minor units; nil refunds everything still refundable (within `cap`).
    public let amount: Int64?
    public let reason: String
    public let actor: OrderActor
    public let actorID: UUID
    public let idempotencyKey: String
    /// The most every refund of this order together may come to once this one is made, by any
    /// actor (a restaurant's policy: the food subtotal); nil: what was captured. Payments checks it
    /// with the payment locked, so two concurrent refunds cannot both fit under it.
    public let cap: Int64?

    public init(orderID: UUID, amount: Int64?, reason: String, actor: OrderActor, actorID: UUID, idempotencyKey: String, cap: Int64?) {
        self.orderID = orderID
        self.amount = amount
        self.reason = reason
        self.actor = actor
        self.actorID = actorID
        self.idempotencyKey = idempotencyKey
        self.cap = cap
    }
}
