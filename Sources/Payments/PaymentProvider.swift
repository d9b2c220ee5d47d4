public import Core
public import Foundation

/// What a provider said to an authorisation request.
public enum ProviderAuthorization: Sendable, Equatable {
    case approved(reference: String)
    case declined(code: String)
}

/// What a provider holds for one authorisation, found by its idempotency key.
public struct ProviderAuthorizationRecord: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case held, captured, voided, declined
    }

    public let reference: String
    public let idempotencyKey: String
    public let amount: Money
    public let state: State
    public let capturedAmount: Int64
    public let refundedAmount: Int64
    public let declineCode: String?
    public let createdAt: Date

    public init(
        reference: String, idempotencyKey: String, amount: Money, state: State, capturedAmount: Int64, refundedAmount: Int64,
        declineCode: String?, createdAt: Date
    ) {
        self.reference = reference
        self.idempotencyKey = idempotencyKey
        self.amount = amount
        self.state = state
        self.capturedAmount = capturedAmount
        self.refundedAmount = refundedAmount
        self.declineCode = declineCode
        self.createdAt = createdAt
    }
}

public enum PaymentProviderError: Error, Equatable {
    /// The provider could not be reached or failed; the same call (same key) may be retried.
    case unavailable(String)
    /// The provider refuses the operation (double capture, capture above the hold, refund above
    /// the capture, capture after void …); retrying will not change that.
    case refused(code: String)
}

/// A card payment provider: the interface of something outside the process. Every call carries an
/// idempotency key: the same key replays the first answer, so a retry never charges twice, and an
/// authorisation whose answer never arrived can be looked up by its key.
public protocol PaymentProvider: Sendable {
    var name: String { get }
    func authorize(amount: Money, card: String, idempotencyKey: String) async throws -> ProviderAuthorization
    /// The authorisation made with `idempotencyKey`, or nil when the provider never received it.
    func authorization(idempotencyKey: String) async throws -> ProviderAuthorizationRecord?
    func capture(reference: String, amount: Money, idempotencyKey: String) async throws
    func void(reference: String, idempotencyKey: String) async throws
    /// Returns the refund's reference at the provider.
    func refund(reference: String, amount: Money, idempotencyKey: String) async throws -> String
    /// Holds still open (neither captured nor voided) made before `createdBefore`, oldest first
    /// (by creation, then key), starting after `after` when given: pages through every open hold.
    func openAuthorizations(createdBefore: Date, after: ProviderAuthorizationRecord?, limit: Int) async throws -> [ProviderAuthorizationRecord]
}
