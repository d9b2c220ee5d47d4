public import Core
import Events
public import Foundation
public import Logging
import Metrics
public import Storage
import Synchronization

/// What reconciliation needs to know about the orders behind open holds. Supplied by Ordering
/// through the app assembly.
public protocol OrderLivenessPort: Sendable {
    /// For each order id: whether the order still needs its hold (`live`), was delivered, ended
    /// otherwise, or does not exist. Unknown ids are absent from the answer.
    func liveness(of orderIDs: [UUID]) async throws -> [UUID: OrderLiveness]
}

public enum OrderLiveness: Sendable, Equatable {
    /// Still on its way: the hold must stay.
    case live
    /// Delivered: the hold should have been captured.
    case delivered
    /// Rejected, cancelled, expired or failed: the hold must go.
    case ended
}

/// Authorise, capture, void, refund and reconcile — each idempotent at the provider.
///
/// Every authorisation is made with the key `authorizationKey(orderID)`, so a hold whose answer
/// never arrived (a timeout, a crash, a cancelled request) can be looked up and voided.
/// Authorisation has a deadline: checkout prefers a clear, fast failure over a hang, so a
/// provider that does not answer in time leaves a `failed` payment, and any hold it made anyway is
/// found (by the order's void reaction within a second, or by `reconcile()`) and released.
/// Capture and void are called by outbox reactions, which retry on error.
public struct PaymentService: Sendable {
    let store: PaymentStore
    let provider: any PaymentProvider
    let orders: any OrderLivenessPort
    let clock: any WallClock
    let authorizationTimeout: Duration
    /// In front of the provider's authorisations (`makeBreaker`).
    let breaker: CircuitBreaker
    let logger: Logger
    /// Where the last pass stopped in the open holds: the next one goes on from there.
    private let holdCursor = HoldCursor()

    public init(
        database: any Database, provider: any PaymentProvider, orders: any OrderLivenessPort, clock: any WallClock,
        authorizationTimeout: Duration = .seconds(5), breaker: CircuitBreaker = PaymentService.makeBreaker(), logger: Logger
    ) {
        self.breaker = breaker
        self.store = PaymentStore(database: database)
        self.provider = provider
        self.orders = orders
        self.clock = clock
        self.authorizationTimeout = authorizationTimeout
        self.logger = logger
    }

    /// The schema of the tables this service owns.
    public static var migrations: [Migration] { PaymentStore.migrations }

    /// The breaker's one destination: the payment provider.
    public static let providerDestination = "payments"

    /// Open after 5 authorisations in a row got no answer (a timeout or an error), for 10 s at
    /// first and up to a minute; then one trial placement goes through. `observer` records its
    /// state (`tiffin_circuit_breaker_state{destination="payments"}` in /metrics).
    public static func makeBreaker(observer: @escaping @Sendable (String, CircuitBreaker.State?) -> Void = { _, _ in }) -> CircuitBreaker {
        CircuitBreaker(threshold: 5, openFor: 10, maximumOpenFor: 60, observer: observer)
    }

    /// Seconds until checkout may try the provider again; nil while it may now. While the breaker
    /// is open, placement is refused before any order is written (503 naming the payment service).
    public func unavailableFor() -> Int? {
        let now = clock.now()
        guard case .refuse(let until) = breaker.allowWithoutTrial(Self.providerDestination, now: now) else { return nil }
        return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    /// The provider idempotency key of an order's authorisation.
    public static func authorizationKey(orderID: UUID) -> String { "auth-\(orderID.uuidString.lowercased())" }

    static func orderID(fromAuthorizationKey key: String) -> UUID? {
        key.hasPrefix("auth-") ? UUID(uuidString: String(key.dropFirst(5))) : nil
    }

    // MARK: Authorisation

    /// Asks the provider to hold `amount` and records the answer — authorised, declined, or failed
    /// when there was none in time. Throws only when the answer cannot be recorded.
    public func authorize(orderID: UUID, customerID: UUID, amount: Money, card: String) async throws -> Payment {
        let key = Self.authorizationKey(orderID: orderID)
        let provider = self.provider
        let started = ContinuousClock.now
        let outcome: Result<ProviderAuthorization, any Error>
        if case .refuse(let until) = breaker.allow(Self.providerDestination, now: clock.now()) {
            // The provider has not answered the last attempts: fail at once, asking it nothing.
            outcome = .failure(ProviderCircuitOpen(until: until))
        } else {
            do {
                outcome = .success(
                    try await withDeadline(authorizationTimeout) { try await provider.authorize(amount: amount, card: card, idempotencyKey: key) })
                breaker.recordSuccess(Self.providerDestination)
            } catch {
                breaker.recordFailure(Self.providerDestination, now: clock.now())
                outcome = .failure(error)
            }
        }
        let label: String
        let payment: Payment
        switch outcome {
        case .success(.approved(let reference)):
            label = "approved"
            payment = draft(orderID, customerID, amount, last4: PaymentCard.last4(card), status: .authorized, reference: reference, reason: nil)
        case .success(.declined(let code)):
            label = "declined"
            payment = draft(orderID, customerID, amount, last4: PaymentCard.last4(card), status: .declined, reference: nil, reason: code)
        case .failure(let error):
            label = error is DeadlineExceeded ? "timeout" : error is ProviderCircuitOpen ? "circuit_open" : "unavailable"
            logger.warning("payment provider unavailable", metadata: ["order.id": "\(orderID)", "error": "\(error)"])
            payment = draft(
                orderID, customerID, amount, last4: PaymentCard.last4(card), status: .failed, reference: nil,
                reason: "provider unavailable: \(error)")
        }
        Timer(label: "tiffin_payment_provider_seconds", dimensions: [("operation", "authorize"), ("outcome", label)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        return try await store.insert(payment)
    }

    /// An authorisation not attempted: the breaker is open.
    struct ProviderCircuitOpen: Error, CustomStringConvertible {
        let until: Date
        var description: String { "circuit open until \(until) after consecutive failures" }
    }

    /// Settles an authorisation whose answer was lost (the process died during placement): asks
    /// the provider what it holds under the order's key and records that — authorised, declined,
    /// or failed when it holds nothing. Returns the payment already recorded, if any.
    public func recover(orderID: UUID, customerID: UUID, amount: Money) async throws -> Payment {
        if let existing = try await store.payment(orderID: orderID) { return existing }
        let provider = self.provider
        let key = Self.authorizationKey(orderID: orderID)
        let record = try await withDeadline(authorizationTimeout) { try await provider.authorization(idempotencyKey: key) }
        let payment: Payment
        switch record?.state {
        case .held?, .captured?:
            payment = draft(orderID, customerID, amount, last4: "", status: .authorized, reference: record?.reference, reason: nil)
        case .declined?:
            payment = draft(orderID, customerID, amount, last4: "", status: .declined, reference: nil, reason: record?.declineCode ?? "declined")
        case .voided?, nil:
            payment = draft(
                orderID, customerID, amount, last4: "", status: .failed, reference: nil, reason: "placement interrupted; the provider holds nothing")
        }
        let recorded = try await store.insert(payment)
        if recorded.status == .failed { try await store.markReconciled(recorded.id, at: clock.now()) }
        return recorded
    }

    private func draft(
        _ orderID: UUID, _ customerID: UUID, _ amount: Money, last4: String, status: PaymentStatus, reference: String?, reason: String?
    ) -> Payment {
        let now = clock.now()
        return Payment(
            id: UUID.timeOrdered(), orderID: orderID, customerID: customerID, amount: amount, status: status, cardLast4: last4,
            provider: provider.name,
            providerReference: reference, failureReason: reason, refundedAmount: Money(0, amount.currency), createdAt: now, updatedAt: now,
            refunds: nil)
    }

    // MARK: Capture and void

    /// Captures the held amount. No-op when already captured or nothing is held.
    public func capture(orderID: UUID) async throws {
        guard let payment = try await store.payment(orderID: orderID) else { return }
        guard payment.status == .authorized, let reference = payment.providerReference else {
            if payment.status != .captured && payment.status != .refunded && payment.status != .partiallyRefunded {
                logger.error(
                    "delivered order has no authorised payment", metadata: ["order.id": "\(orderID)", "payment.status": "\(payment.status.rawValue)"])
            }
            return
        }
        do {
            try await timed("capture") {
                try await provider.capture(reference: reference, amount: payment.amount, idempotencyKey: "capture-\(payment.id)")
            }
        } catch PaymentProviderError.refused(code: "already_captured") {
            // Captured by an earlier attempt whose answer was lost: the provider's state wins.
        } catch PaymentProviderError.refused(let code) {
            // The provider will not capture (the hold was voided or expired): retrying cannot
            // change that. The payment stays authorised with the refusal recorded, and an
            // operator is told; the delivery event is not retried for ever.
            try await store.noteFailure(payment.id, reason: "capture refused: \(code)", at: clock.now())
            Counter(label: "tiffin_payment_capture_refused_total").increment()
            logger.critical(
                "the provider refused to capture a delivered order's payment: money to collect by hand",
                metadata: ["order.id": "\(orderID)", "payment.id": "\(payment.id)", "code": "\(code)"])
            return
        }
        var updated = payment
        updated.status = .captured
        updated.updatedAt = clock.now()
        _ = try await store.transition(updated, from: .authorized, reason: "order delivered")
    }

    /// Makes sure nothing stays held for the order: voids an authorisation, and for a payment
    /// whose answer never came, asks the provider by key and voids what it finds.
    public func releaseHold(orderID: UUID, reason: String) async throws {
        guard let payment = try await store.payment(orderID: orderID) else {
            // No answer was ever recorded: release whatever the provider holds under the key.
            if let record = try await provider.authorization(idempotencyKey: Self.authorizationKey(orderID: orderID)), record.state == .held {
                try await voidAtProvider(reference: record.reference, key: "void-\(orderID)")
            }
            return
        }
        switch payment.status {
        case .authorized:
            guard let reference = payment.providerReference else { return }
            try await voidAtProvider(reference: reference, key: "void-\(payment.id)")
            var updated = payment
            updated.status = .voided
            updated.updatedAt = clock.now()
            _ = try await store.transition(updated, from: .authorized, reason: reason)
        case .failed:
            try await reconcileFailure(payment)
        case .declined, .captured, .partiallyRefunded, .refunded, .voided:
            return
        }
    }

    private func voidAtProvider(reference: String, key: String) async throws {
        do {
            try await timed("void") { try await provider.void(reference: reference, idempotencyKey: key) }
        } catch PaymentProviderError.refused(code: "already_voided") {
            // Voided by an earlier attempt whose answer was lost.
        }
    }

    /// Looks up a failed payment's authorisation at the provider: voids a hold found after all,
    /// and marks the payment reconciled either way.
    private func reconcileFailure(_ payment: Payment) async throws {
        let key = Self.authorizationKey(orderID: payment.orderID)
        if let record = try await provider.authorization(idempotencyKey: key), record.state == .held {
            try await voidAtProvider(reference: record.reference, key: "void-\(payment.id)")
            var updated = payment
            updated.status = .voided
            updated.providerReference = record.reference
            updated.updatedAt = clock.now()
            _ = try await store.transition(updated, from: .failed, reason: "a hold made after the deadline was found and released")
            logger.notice(
                "released a hold whose answer had not arrived", metadata: ["order.id": "\(payment.orderID)", "payment.id": "\(payment.id)"])
        }
        try await store.markReconciled(payment.id, at: clock.now())
    }

    // MARK: Reconciliation

    /// Of `orderIDs` (orders that ended a while ago), those whose money is still in doubt: a
    /// hold neither captured nor released, a failed authorisation not yet checked at the
    /// provider, a refund without its answer. What the money invariant counts.
    public func moneyInDoubt(orderIDs: [UUID]) async throws -> Set<UUID> {
        Set(try await store.unsettled(orderIDs: orderIDs).filter { $0.value > 0 }.keys)
    }

    public struct ReconciliationReport: Sendable, Equatable {
        public var failuresChecked = 0
        public var holdsVoided = 0
        public var holdsCaptured = 0
        public var refundsRetried = 0
        /// Items that could not be settled this pass (logged); the next pass tries them again.
        public var errors = 0
    }

    /// Where reconciliation stopped in the open holds, oldest first.
    final class HoldCursor: Sendable {
        let last = Mutex<ProviderAuthorizationRecord?>(nil)
    }

    /// Finds money in doubt and settles it: failed payments not yet checked at the provider,
    /// holds the provider still has for orders that ended (or never existed), holds of delivered
    /// orders not captured, and refunds whose answer was lost. Safe to run on several instances
    /// at once: every provider call is idempotent. One item that fails is logged and counted and
    /// does not stop the others; a pass fails as a whole only when it cannot learn what to do.
    ///
    /// Open holds are read `holdsPerPage` at a time, at most `pagesPerPass` pages per pass, each
    /// pass going on where the last one stopped (and from the oldest again after the newest). So
    /// however many live orders' holds come first — 20,000 at a dinner peak — every hold is
    /// reached within a few passes, and no pass is a burst of work.
    @discardableResult
    public func reconcile(
        holdsOlderThan holdAge: TimeInterval = 60, holdsPerPage: Int = 200, pagesPerPass: Int = 5
    ) async throws
        -> ReconciliationReport
    {
        var report = ReconciliationReport()
        let now = clock.now()
        for payment in try await store.unreconciledFailures(before: now.addingTimeInterval(-5), limit: 100) {
            if await settling("failed payment", payment.orderID, &report, { try await reconcileFailure(payment) }) != nil {
                report.failuresChecked += 1
            }
        }
        var after = holdCursor.last.withLock { $0 }
        for _ in 0..<pagesPerPass {
            let holds = try await provider.openAuthorizations(
                createdBefore: now.addingTimeInterval(-holdAge), after: after, limit: holdsPerPage)
            let byOrder = Dictionary(
                holds.compactMap { hold in Self.orderID(fromAuthorizationKey: hold.idempotencyKey).map { ($0, hold) } },
                uniquingKeysWith: { a, _ in a })
            // Throws when Ordering cannot answer: a hold is never released on a guess.
            let liveness = byOrder.isEmpty ? [:] : try await orders.liveness(of: Array(byOrder.keys))
            for (orderID, hold) in byOrder {
                switch await settling(
                    "open hold", orderID, &report, { try await settleHold(orderID: orderID, hold: hold, liveness: liveness[orderID]) })
                {
                case .captured?: report.holdsCaptured += 1
                case .voided?: report.holdsVoided += 1
                case .kept?, nil: break
                }
            }
            // Only once the page is settled (a pass that throws above reads it again next time).
            after = holds.count < holdsPerPage ? nil : holds.last
            holdCursor.last.withLock { [after] in $0 = after }
            if after == nil { break }
        }
        for pending in try await store.stalePendingRefunds(before: now.addingTimeInterval(-30), limit: 50) {
            if await settling("pending refund", pending.orderID, &report, { try await driveRefund(pending.refund, reference: nil) }) != nil {
                report.refundsRetried += 1
            }
        }
        return report
    }

    /// A hold the provider still has, older than reconciliation's age: kept while its order is
    /// live, captured once delivered, released when the order ended or never existed.
    private enum HoldOutcome { case kept, captured, voided }

    private func settleHold(orderID: UUID, hold: ProviderAuthorizationRecord, liveness: OrderLiveness?) async throws -> HoldOutcome {
        switch liveness {
        case .live?:
            return .kept
        case .delivered?:
            try await capture(orderID: orderID)
            return .captured
        case .ended?, nil:
            if let payment = try await store.payment(orderID: orderID), payment.status == .authorized || payment.status == .failed {
                try await releaseHold(orderID: orderID, reason: "reconciliation: the order has ended")
            } else {
                try await voidAtProvider(reference: hold.reference, key: "void-\(orderID)")
            }
            logger.notice("reconciliation released a hold", metadata: ["order.id": "\(orderID)"])
            return .voided
        }
    }

    /// Runs one item of a pass; a failure is logged and counted, and answers nil.
    private func settling<T>(_ what: String, _ orderID: UUID, _ report: inout ReconciliationReport, _ body: () async throws -> T) async -> T? {
        do {
            return try await body()
        } catch {
            report.errors += 1
            logger.warning("reconciliation could not settle a \(what)", metadata: ["order.id": "\(orderID)", "error": "\(error)"])
            return nil
        }
    }

    // MARK: Reads

    /// The order's payment with its refunds, for its customer or an operator; not found for anyone else.
    public func payment(orderID: UUID, viewer: Principal) async throws -> Payment {
        guard var payment = try await store.payment(orderID: orderID), viewer.role == .operator || payment.customerID == viewer.userID else {
            throw NotFoundError(entity: "payment for order", id: orderID.uuidString)
        }
        payment.refunds = try await store.refunds(orderID: orderID)
        return payment
    }

    /// The order's payment, for other domains (no viewer check: the caller has done it).
    public func payment(orderID: UUID) async throws -> Payment? {
        try await store.payment(orderID: orderID)
    }

    /// Every refund of an order, oldest first.
    public func refunds(orderID: UUID) async throws -> [Refund] {
        try await store.refunds(orderID: orderID)
    }

    func timed<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        var outcome = "ok"
        defer {
            Timer(
                label: "tiffin_payment_provider_seconds", dimensions: [("operation", operation), ("outcome", outcome)], preferredDisplayUnit: .seconds
            )
            .recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        }
        do {
            return try await body()
        } catch {
            if case PaymentProviderError.refused = error { outcome = "refused" } else { outcome = "unavailable" }
            throw error
        }
    }
}
