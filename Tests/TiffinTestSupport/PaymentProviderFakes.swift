public import Core
public import Foundation
public import Payments
import Synchronization

/// Wraps a provider and records every call it receives, so a test can prove the provider was
/// asked (to void, to capture, to refund) rather than only that a row changed.
public final class RecordingPaymentProvider: PaymentProvider, Sendable {
    public enum Call: Equatable, Sendable {
        case authorize(key: String, amount: Money)
        case lookup(key: String)
        case capture(reference: String, amount: Money)
        case void(reference: String)
        case refund(reference: String, amount: Money)
        case openAuthorizations
    }

    public let base: any PaymentProvider
    private let recorded = Mutex<[Call]>([])

    public init(_ base: any PaymentProvider) {
        self.base = base
    }

    public var name: String { base.name }
    public var calls: [Call] { recorded.withLock { $0 } }

    public func count(where predicate: (Call) -> Bool) -> Int { calls.filter(predicate).count }

    private func record(_ call: Call) { recorded.withLock { $0.append(call) } }

    public func authorize(amount: Money, card: String, idempotencyKey: String) async throws -> ProviderAuthorization {
        record(.authorize(key: idempotencyKey, amount: amount))
        return try await base.authorize(amount: amount, card: card, idempotencyKey: idempotencyKey)
    }

    public func authorization(idempotencyKey: String) async throws -> ProviderAuthorizationRecord? {
        record(.lookup(key: idempotencyKey))
        return try await base.authorization(idempotencyKey: idempotencyKey)
    }

    public func capture(reference: String, amount: Money, idempotencyKey: String) async throws {
        record(.capture(reference: reference, amount: amount))
        try await base.capture(reference: reference, amount: amount, idempotencyKey: idempotencyKey)
    }

    public func void(reference: String, idempotencyKey: String) async throws {
        record(.void(reference: reference))
        try await base.void(reference: reference, idempotencyKey: idempotencyKey)
    }

    public func refund(reference: String, amount: Money, idempotencyKey: String) async throws -> String {
        record(.refund(reference: reference, amount: amount))
        return try await base.refund(reference: reference, amount: amount, idempotencyKey: idempotencyKey)
    }

    public func openAuthorizations(createdBefore: Date, after: ProviderAuthorizationRecord?, limit: Int) async throws -> [ProviderAuthorizationRecord]
    {
        record(.openAuthorizations)
        return try await base.openAuthorizations(createdBefore: createdBefore, after: after, limit: limit)
    }
}

/// A provider whose authorisations wait at a gate until the test opens it: for what happens while
/// a payment call is in flight (a duplicate request, a cancellation). Everything else passes
/// through to `base` at once. The hold is made at the provider before the wait, as a real
/// provider that has received the request would have made it.
public final class GatedPaymentProvider: ForwardingPaymentProvider, Sendable {
    public let base: any PaymentProvider
    private let state = Mutex<(open: Bool, waiting: Int, waiters: [CheckedContinuation<Bool, Never>])>((false, 0, []))

    public init(_ base: any PaymentProvider) {
        self.base = base
    }


    /// How many authorisations are waiting at the gate now.
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Lets every waiting and future authorisation through.
    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    public func authorize(amount: Money, card: String, idempotencyKey: String) async throws -> ProviderAuthorization {
        let answer = try await base.authorize(amount: amount, card: card, idempotencyKey: idempotencyKey)
        let waited = await withCheckedContinuation { continuation in
            let passNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiting += 1
                state.waiters.append(continuation)
                return false
            }
            if passNow { continuation.resume(returning: false) }
        }
        if waited { state.withLock { $0.waiting -= 1 } }
        return answer
    }
}

/// A provider that passes every call to `base`: a fake adopts it and writes only the calls it
/// changes (a refund that fails, an authorisation that times out).
public protocol ForwardingPaymentProvider: PaymentProvider {
    var base: any PaymentProvider { get }
}

extension ForwardingPaymentProvider {
    public var name: String { base.name }

    public func authorize(amount: Money, card: String, idempotencyKey: String) async throws -> ProviderAuthorization {
        try await base.authorize(amount: amount, card: card, idempotencyKey: idempotencyKey)
    }

    public func authorization(idempotencyKey: String) async throws -> ProviderAuthorizationRecord? {
        try await base.authorization(idempotencyKey: idempotencyKey)
    }

    public func capture(reference: String, amount: Money, idempotencyKey: String) async throws {
        try await base.capture(reference: reference, amount: amount, idempotencyKey: idempotencyKey)
    }

    public func void(reference: String, idempotencyKey: String) async throws {
        try await base.void(reference: reference, idempotencyKey: idempotencyKey)
    }

    public func refund(reference: String, amount: Money, idempotencyKey: String) async throws -> String {
        try await base.refund(reference: reference, amount: amount, idempotencyKey: idempotencyKey)
    }

    public func openAuthorizations(createdBefore: Date, after: ProviderAuthorizationRecord?, limit: Int) async throws
        -> [ProviderAuthorizationRecord]
    {
        try await base.openAuthorizations(createdBefore: createdBefore, after: after, limit: limit)
    }
}
