import Core
import Foundation
import Logging
import Storage

/// Authorise, capture, void — each idempotent per order.
///
/// Authorisation has a deadline (`authorizationTimeout`): checkout prefers a clear, fast failure
/// over a hang, so a provider that does not answer in time counts as unavailable and the
/// payment is marked failed (and voided later by the order's reaction, in case the provider did
/// hold money after all). Capture and void are called by outbox reactions, which retry on error.
public struct PaymentService: Sendable {
    public enum AuthorizationResult: Sendable, Equatable {
        case authorized(Payment)
        case declined(Payment, reason: String)
        case unavailable(Payment)
    }

    public let store: PaymentStore
    let provider: any PaymentProvider
    let clock: any WallClock
    let authorizationTimeout: Duration
    let logger: Logger

    public init(
        database: any Database, provider: any PaymentProvider, clock: any WallClock, authorizationTimeout: Duration = .seconds(5), logger: Logger
    ) {
        self.store = PaymentStore(database: database)
        self.provider = provider
        self.clock = clock
        self.authorizationTimeout = authorizationTimeout
        self.logger = logger
    }

    public func authorize(orderID: UUID, customerID: UUID, amount: Money, card: String) async throws -> AuthorizationResult {
        let now = clock.now()
        let draft = Payment(
            id: UUID(), orderID: orderID, customerID: customerID, amount: amount, status: .pending, cardLast4: PaymentCard.last4(card),
            provider: provider.name, providerReference: nil, failureReason: nil, createdAt: now, updatedAt: now)
        let (payment, created) = try await store.insertPending(draft)
        guard created else { return Self.result(of: payment) }

        var updated = payment
        let outcome = await authorizeWithDeadline(amount: amount, card: card, key: payment.id)
        updated.updatedAt = clock.now()
        switch outcome {
        case .success(.approved(let reference)):
            updated.status = .authorized
            updated.providerReference = reference
        case .success(.declined(let code)):
            updated.status = .declined
            updated.failureReason = code
        case .failure(let error):
            updated.status = .failed
            updated.failureReason = "provider unavailable: \(error)"
            logger.warning("payment provider unavailable", metadata: ["order.id": "\(orderID)", "error": "\(error)"])
        }
        guard try await store.transition(updated, from: .pending, reason: updated.failureReason) else {
            // Someone (a void reaction) moved it meanwhile; report what is stored.
            return Self.result(of: try await store.payment(orderID: orderID) ?? updated)
        }
        return Self.result(of: updated)
    }

    static func result(of payment: Payment) -> AuthorizationResult {
        switch payment.status {
        case .authorized, .captured: .authorized(payment)
        case .declined: .declined(payment, reason: payment.failureReason ?? "declined")
        case .pending, .failed, .voided: .unavailable(payment)
        }
    }

    private func authorizeWithDeadline(amount: Money, card: String, key: UUID) async -> Result<ProviderAuthorization, PaymentProviderError> {
        let provider = self.provider
        do {
            return .success(
                try await withDeadline(authorizationTimeout) {
                    try await provider.authorize(amount: amount, card: card, idempotencyKey: key)
                })
        } catch let error as PaymentProviderError {
            return .failure(error)
        } catch {
            return .failure(.unavailable(String(describing: error)))
        }
    }

    /// Captures the held amount. No-op when already captured or nothing is held.
    public func capture(orderID: UUID) async throws {
        guard let payment = try await store.payment(orderID: orderID) else { return }
        guard payment.status == .authorized, let reference = payment.providerReference else {
            if payment.status != .captured {
                logger.error(
                    "delivered order has no authorised payment", metadata: ["order.id": "\(orderID)", "payment.status": "\(payment.status.rawValue)"])
            }
            return
        }
        try await provider.capture(reference: reference, amount: payment.amount, idempotencyKey: payment.id)
        var updated = payment
        updated.status = .captured
        updated.updatedAt = clock.now()
        _ = try await store.transition(updated, from: .authorized, reason: "order delivered")
    }

    /// Releases a hold. No-op when nothing is held.
    public func void(orderID: UUID, reason: String) async throws {
        guard let payment = try await store.payment(orderID: orderID) else { return }
        switch payment.status {
        case .authorized:
            if let reference = payment.providerReference {
                try await provider.void(reference: reference, idempotencyKey: payment.id)
            }
        case .pending:
            break  // in doubt: nothing confirmed by the provider; mark voided so it cannot be captured
        case .declined, .failed, .captured, .voided:
            return
        }
        var updated = payment
        updated.status = .voided
        updated.updatedAt = clock.now()
        _ = try await store.transition(updated, from: payment.status, reason: reason)
    }

    public func payment(orderID: UUID) async throws -> Payment {
        guard let payment = try await store.payment(orderID: orderID) else {
            throw NotFoundError(entity: "payment for order", id: orderID.uuidString)
        }
        return payment
    }
}
