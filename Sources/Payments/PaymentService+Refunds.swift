import Core
import Crypto
public import Events
import Foundation
import Logging

/// Refunds: each claimed once per actor and idempotency key, then driven at the provider.
extension PaymentService {
    public struct RefundResult: Sendable {
        public let refund: Refund
        public let replayed: Bool
    }

    /// Refunds part or all of a captured payment, once per actor and idempotency key: a retry
    /// replays the first outcome, another body with the same key is refused, a retry while the
    /// first is still with the provider gets 409. Never above what is left of the capture.
    public func refund(_ request: RefundRequest) async throws -> RefundResult {
        let hash = Self.fingerprint(request)
        if let existing = try await store.refund(actorID: request.actorID, idempotencyKey: request.idempotencyKey) {
            return try await replay(existing, hash: hash)
        }
        let now = clock.now()
        // Payment, currency and (without an amount) the amount are settled under the lock.
        let row = PaymentStore.RefundRow(
            id: UUID.timeOrdered(), paymentID: request.orderID, orderID: request.orderID, amountMinor: request.amount ?? 0, currency: "",
            reason: request.reason, actor: request.actor.rawValue, actorID: request.actorID, idempotencyKey: request.idempotencyKey,
            requestHash: hash, status: Refund.Status.pending.rawValue, providerReference: nil, failureReason: nil, createdAt: now, updatedAt: now)
        switch try await store.claimRefund(row, amount: request.amount, cap: request.cap) {
        case .existing(let existing):
            return try await replay(existing, hash: hash)
        case .claimed(let payment, let claimed):
            return RefundResult(refund: try await driveRefund(claimed.refund, reference: payment.providerReference), replayed: false)
        }
    }

    private func replay(_ existing: PaymentStore.RefundRow, hash: String) async throws -> RefundResult {
        guard existing.requestHash == hash else { throw PaymentError.idempotencyKeyReused }
        switch existing.refund.status {
        case .succeeded:
            return RefundResult(refund: existing.refund, replayed: true)
        case .failed:
            throw PaymentError.refundRefused(code: existing.failureReason ?? "refused")
        case .pending:
            // Still with the provider, or its answer was lost: drive it again once it is not fresh.
            guard clock.now().timeIntervalSince(existing.updatedAt) >= 10 else { throw PaymentError.refundPending }
            return RefundResult(refund: try await driveRefund(existing.refund, reference: nil), replayed: true)
        }
    }

    /// Asks the provider for a pending refund (idempotent by the refund's id) and records its answer.
    func driveRefund(_ refund: Refund, reference: String?) async throws -> Refund {
        try await store.touchRefund(refund.id, at: clock.now())
        var providerReferenceOfHold = reference
        if providerReferenceOfHold == nil { providerReferenceOfHold = try await store.payment(orderID: refund.orderID)?.providerReference }
        guard let reference = providerReferenceOfHold else { throw PaymentError.notCaptured(status: nil) }
        let providerReference: String
        do {
            providerReference = try await timed("refund") {
                try await provider.refund(reference: reference, amount: refund.amount, idempotencyKey: "refund-\(refund.id)")
            }
        } catch PaymentProviderError.refused(let code) {
            try await store.failRefund(refund.id, reason: code, at: clock.now())
            throw PaymentError.refundRefused(code: code)
        } catch {
            logger.warning("refund not confirmed by the provider", metadata: ["refund.id": "\(refund.id)", "error": "\(error)"])
            throw PaymentError.providerUnavailable
        }
        guard let (done, _) = try await store.completeRefund(refund.id, providerReference: providerReference, at: clock.now()) else {
            // Completed meanwhile by another attempt.
            return try await store.refunds(orderID: refund.orderID).first { $0.id == refund.id } ?? refund
        }
        logger.info("refund issued", metadata: ["order.id": "\(refund.orderID)", "refund.id": "\(refund.id)", "amount": "\(refund.amount)"])
        return done
    }

    static func fingerprint(_ request: RefundRequest) -> String {
        let text = "\(request.orderID)|\(request.amount.map(String.init) ?? "all")|\(request.reason)"
        return hexString(SHA256.hash(data: Data(text.utf8)))
    }
}
