public import Core
public import Events
public import Foundation

/// The payment state machine. A payment row is written when the provider first answers (or is
/// known not to have): authorised, declined, or failed (no answer — a hold may exist, and
/// reconciliation voids it when found). An authorisation is held until the order is delivered
/// (capture) or ends any other way (void). Captured money may be refunded, in parts.
public enum PaymentStateMachine {
    public struct Transition: Sendable, Equatable {
        /// nil: the payment's first state.
        public let from: PaymentStatus?
        public let to: PaymentStatus
        public let meaning: String
    }

    public static let transitions: [Transition] = [
        Transition(from: nil, to: .authorized, meaning: "provider approved the hold"),
        Transition(from: nil, to: .declined, meaning: "provider declined the card"),
        Transition(from: nil, to: .failed, meaning: "provider did not answer in time or was unreachable"),
        Transition(from: .failed, to: .voided, meaning: "reconciliation found a hold after all and released it"),
        Transition(from: .authorized, to: .captured, meaning: "order delivered"),
        Transition(from: .authorized, to: .voided, meaning: "order rejected, cancelled, expired or failed"),
        Transition(from: .captured, to: .partiallyRefunded, meaning: "part of the amount refunded"),
        Transition(from: .captured, to: .refunded, meaning: "the whole amount refunded"),
        Transition(from: .partiallyRefunded, to: .partiallyRefunded, meaning: "another partial refund"),
        Transition(from: .partiallyRefunded, to: .refunded, meaning: "the rest refunded"),
    ]

    public static func allows(from: PaymentStatus?, to: PaymentStatus) -> Bool {
        transitions.contains { $0.from == from && $0.to == to }
    }

    public static var mermaid: String {
        var lines = ["stateDiagram-v2"]
        for t in transitions { lines.append("    \(t.from?.rawValue ?? "[*]") --> \(t.to.rawValue): \(t.meaning)") }
        for s in PaymentStatus.allCases where !transitions.contains(where: { $0.from == s }) { lines.append("    \(s.rawValue) --> [*]") }
        return lines.joined(separator: "\n")
    }
}

/// One order's payment. Holds only the card's last four digits.
public struct Payment: Codable, Sendable, Equatable {
    public let id: UUID
    public let orderID: UUID
    public let customerID: UUID
    public let amount: Money
    public var status: PaymentStatus
    public let cardLast4: String
    public let provider: String
    public var providerReference: String?
    public var failureReason: String?
    /// Everything refunded so far.
    public var refundedAmount: Money
    public let createdAt: Date
    public var updatedAt: Date
    /// Present on single-payment reads: every refund, oldest first.
    public var refunds: [Refund]?
}

/// Money given back on a captured payment.
public struct Refund: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Asked of the provider, answer not recorded yet (retried until it is).
        case pending
        case succeeded
        /// The provider refused it; nothing was refunded.
        case failed
    }

    public let id: UUID
    public let paymentID: UUID
    public let orderID: UUID
    public let amount: Money
    public let reason: String
    /// `operator` or `restaurant`.
    public let actor: OrderActor
    public var status: Status
    public var failureReason: String?
    public let createdAt: Date
    public var updatedAt: Date
}

public enum PaymentError: DomainError, Equatable {
    case notCaptured(status: PaymentStatus?)
    case refundExceedsCaptured(refundable: Money)
    case refundAbovePolicy(maximum: Money)
    case refundRefused(code: String)
    case refundPending
    case idempotencyKeyReused
    case providerUnavailable

    public var problem: ProblemDescription {
        switch self {
        case .notCaptured(let status):
            ProblemDescription(
                kind: .conflict, type: "payment-not-captured", title: "Nothing to refund",
                detail: "only a captured payment can be refunded; this one is \(status?.rawValue ?? "absent")", state: status?.rawValue)
        case .refundExceedsCaptured(let refundable):
            ProblemDescription(
                kind: .unprocessable, type: "refund-exceeds-captured", title: "Refund too large",
                detail: "at most \(refundable) can still be refunded on this payment", field: "amount")
        case .refundAbovePolicy(let maximum):
            ProblemDescription(
                kind: .forbidden, type: "refund-above-policy", title: "Refund above the restaurant's allowance",
                detail: "a restaurant may refund at most \(maximum) more on this order; ask an operator for more", field: "amount")
        case .refundRefused(let code):
            ProblemDescription(
                kind: .conflict, type: "refund-refused", title: "Refund refused", detail: "the payment provider refused the refund: \(code)")
        case .refundPending:
            ProblemDescription(
                kind: .conflict, type: "request-in-progress", title: "Request in progress",
                detail: "a refund with this Idempotency-Key is still being processed", field: "Idempotency-Key", retryAfterSeconds: 2)
        case .idempotencyKeyReused:
            ProblemDescription(
                kind: .unprocessable, type: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "this Idempotency-Key was used for a different request body", field: "Idempotency-Key")
        case .providerUnavailable:
            ProblemDescription(
                kind: .unavailable, type: "payment-unavailable", title: "Payment provider unavailable",
                detail: "the payment provider did not answer; retry with the same Idempotency-Key", retryAfterSeconds: 5)
        }
    }
}
