import Core
import Events
import Foundation
import Logging
import Storage
import Synchronization
import Testing
import TiffinTestSupport
import SQLKit

@testable import Payments

/// Reconciliation's view of orders, answered from a table the test sets.
struct StubLiveness: OrderLivenessPort {
    let answers: [UUID: OrderLiveness]
    func liveness(of orderIDs: [UUID]) async throws -> [UUID: OrderLiveness] { answers.filter { orderIDs.contains($0.key) } }
}

/// A provider whose refunds fail while `down` (the answer lost, the refund left pending).
final class RefundOutage: ForwardingPaymentProvider, Sendable {
    let base: any PaymentProvider
    private let isDown = Mutex(false)
    init(_ base: any PaymentProvider) { self.base = base }
    func set(down: Bool) { isDown.withLock { $0 = down } }
    func refund(reference: String, amount: Money, idempotencyKey: String) async throws -> String {
        if isDown.withLock({ $0 }) { throw PaymentProviderError.unavailable("down") }
        return try await base.refund(reference: reference, amount: amount, idempotencyKey: idempotencyKey)
    }
}

/// Ordering that cannot answer (not yet assembled, or its database down).
struct SilentLiveness: OrderLivenessPort {
    struct Unanswered: Error {}
    func liveness(of orderIDs: [UUID]) async throws -> [UUID: OrderLiveness] { throw Unanswered() }
}

@Suite("Payments: state machine, sandbox provider, service")
struct PaymentsTests {
    static let migrations = Outbox.migrations + PaymentService.migrations + SandboxPaymentProvider.migrations
    static let logger = Logger(label: "test")

    static let allPairs: [(PaymentStatus?, PaymentStatus)] = ([nil] + PaymentStatus.allCases).flatMap { from in
        PaymentStatus.allCases.map { (from, $0) }
    }

    /// The legal moves, written out independently of the table in the code.
    static let legal: Set<String> = [
        "start>authorized", "start>declined", "start>failed", "failed>voided", "authorized>captured", "authorized>voided",
        "captured>partially_refunded", "captured>refunded", "partially_refunded>partially_refunded", "partially_refunded>refunded",
    ]

    @Test(arguments: allPairs)
    func everyPairOfPaymentStatesIsLegalOnlyIfListed(from: PaymentStatus?, to: PaymentStatus) {
        #expect(PaymentStateMachine.allows(from: from, to: to) == Self.legal.contains("\(from?.rawValue ?? "start")>\(to.rawValue)"))
    }

    @Test func theDiagramIsDrawnFromTheTable() {
        for t in PaymentStateMachine.transitions {
            #expect(PaymentStateMachine.mermaid.contains("\(t.from?.rawValue ?? "[*]") --> \(t.to.rawValue)"))
        }
    }

    static let cards: [(String, String)] = [
        ("4242 4242 4242 4242", "approved"), ("4000000000000002", "card_declined"), ("4000000000009995", "insufficient_funds"),
        ("4000000000000119", "processing_error"), ("5555555555554444", "approved"), ("4000000000000036", "unavailable"),
    ]

    @Test(arguments: TestDatabaseKind.available)
    func theSandboxTestCardsBehaveAsDocumentedAndAKeyReplaysItsFirstAnswer(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let provider = SandboxPaymentProvider(database: db, clock: SystemWallClock(), slowDelay: .milliseconds(10))
            for (card, expected) in Self.cards {
                let key = "auth-\(UUID())"
                do {
                    switch try await provider.authorize(amount: Money(1_000, "EUR"), card: card, idempotencyKey: key) {
                    case .approved(let reference):
                        #expect(expected == "approved" && reference.hasPrefix("sbx_auth_"), "\(card)")
                        #expect(try await provider.authorization(idempotencyKey: key)?.state == .held)
                        // The same key (another card even) replays the first answer and holds nothing more.
                        #expect(
                            try await provider.authorize(amount: Money(1_000, "EUR"), card: "4000000000000002", idempotencyKey: key)
                                == .approved(reference: reference))
                    case .declined(let code):
                        #expect(code == expected, "\(card)")
                        #expect(try await provider.authorization(idempotencyKey: key)?.state == .declined)
                    }
                } catch PaymentProviderError.unavailable {
                    #expect(expected == "unavailable", "\(card)")
                    #expect(try await provider.authorization(idempotencyKey: key) == nil, "an unreachable provider holds nothing")
                }
                #expect(SandboxPaymentProvider.testCards.contains { $0.number == PaymentCard.normalize(card) } || card == "5555555555554444")
            }
            let stored = try await db.read { sql in try await sql.raw("SELECT card_last4 FROM sandbox_authorizations").all() }
            #expect(try stored.allSatisfy { try $0.decode(column: "card_last4", as: String.self).count == 4 }, "only the last four digits are kept")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func theSandboxRefusesWhatARealProviderRefuses(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let provider = SandboxPaymentProvider(database: db, clock: SystemWallClock())
            func hold(_ amount: Int64 = 1_000) async throws -> String {
                guard
                    case .approved(let reference) = try await provider.authorize(
                        amount: Money(amount, "EUR"), card: "4242424242424242", idempotencyKey: "a-\(UUID())")
                else { throw PaymentProviderError.unavailable("not approved") }
                return reference
            }
            func refused(_ code: String, _ body: () async throws -> Void) async {
                do {
                    try await body()
                    Issue.record("expected the provider to refuse with \(code)")
                } catch PaymentProviderError.refused(let got) {
                    #expect(got == code)
                } catch {
                    Issue.record("expected refused(\(code)), got \(error)")
                }
            }
            let captured = try await hold()
            await refused("amount_exceeds_authorization") {
                try await provider.capture(reference: captured, amount: Money(1_001, "EUR"), idempotencyKey: "c-0")
            }
            try await provider.capture(reference: captured, amount: Money(1_000, "EUR"), idempotencyKey: "c-1")
            try await provider.capture(reference: captured, amount: Money(1_000, "EUR"), idempotencyKey: "c-1")  // the same key replays
            await refused("already_captured") { try await provider.capture(reference: captured, amount: Money(1_000, "EUR"), idempotencyKey: "c-2") }
            await refused("already_captured") { try await provider.void(reference: captured, idempotencyKey: "v-1") }
            _ = try await provider.refund(reference: captured, amount: Money(600, "EUR"), idempotencyKey: "r-1")
            await refused("amount_exceeds_capture") {
                _ = try await provider.refund(reference: captured, amount: Money(401, "EUR"), idempotencyKey: "r-2")
            }
            _ = try await provider.refund(reference: captured, amount: Money(400, "EUR"), idempotencyKey: "r-3")
            await refused("idempotency_key_in_use") {
                _ = try await provider.refund(reference: captured, amount: Money(1, "EUR"), idempotencyKey: "r-1")
            }

            let voided = try await hold()
            try await provider.void(reference: voided, idempotencyKey: "v-2")
            await refused("authorization_voided") {
                try await provider.capture(reference: voided, amount: Money(1_000, "EUR"), idempotencyKey: "c-3")
            }
            await refused("already_voided") { try await provider.void(reference: voided, idempotencyKey: "v-3") }
            await refused("not_captured") { _ = try await provider.refund(reference: voided, amount: Money(1, "EUR"), idempotencyKey: "r-4") }
            await refused("no_such_authorization") {
                try await provider.capture(reference: "sbx_auth_unknown", amount: Money(1, "EUR"), idempotencyKey: "c-4")
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aHoldWhoseAnswerCameTooLateIsFoundByItsKeyAndVoided(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let sandbox = SandboxPaymentProvider(database: db, clock: SystemWallClock(), slowDelay: .seconds(5))
            let provider = RecordingPaymentProvider(sandbox)
            let service = PaymentService(
                database: db, provider: provider, orders: StubLiveness(answers: [:]), clock: SystemWallClock(),
                authorizationTimeout: .milliseconds(100), logger: Self.logger)
            let order = UUID()
            // The slow card holds at once and answers "approved" after 5 s; only the deadline makes it fail.
            let payment = try await service.authorize(orderID: order, customerID: UUID(), amount: Money(2_500, "EUR"), card: "4000000000000077")
            #expect(payment.status == .failed)
            let key = PaymentService.authorizationKey(orderID: order)
            #expect(try await sandbox.authorization(idempotencyKey: key)?.state == .held, "the provider did hold the money")

            try await service.releaseHold(orderID: order, reason: "order payment_failed")
            #expect(try await sandbox.authorization(idempotencyKey: key)?.state == .voided, "the hold is released at the provider")
            #expect(provider.count { if case .void = $0 { true } else { false } } == 1)
            #expect(try await service.payment(orderID: order)?.status == .voided)
            try await service.releaseHold(orderID: order, reason: "again")  // a redelivered event changes nothing
            #expect(provider.count { if case .void = $0 { true } else { false } } == 1)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func captureAndVoidAskTheProviderOnceAndOnlyWhenThereIsAHold(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let sandbox = SandboxPaymentProvider(database: db, clock: SystemWallClock())
            let provider = RecordingPaymentProvider(sandbox)
            let service = PaymentService(
                database: db, provider: provider, orders: StubLiveness(answers: [:]), clock: SystemWallClock(), logger: Self.logger)
            let delivered = UUID()
            let first = try await service.authorize(orderID: delivered, customerID: UUID(), amount: Money(2_500, "EUR"), card: "4242424242424242")
            let replay = try await service.authorize(orderID: delivered, customerID: UUID(), amount: Money(2_500, "EUR"), card: "4242424242424242")
            #expect(first.status == .authorized && replay.id == first.id, "one payment per order")
            try await service.capture(orderID: delivered)
            try await service.capture(orderID: delivered)
            #expect(provider.count { if case .capture = $0 { true } else { false } } == 1)
            #expect(try await sandbox.authorization(idempotencyKey: PaymentService.authorizationKey(orderID: delivered))?.state == .captured)
            try await service.releaseHold(orderID: delivered, reason: "late cancel")
            #expect(try await service.payment(orderID: delivered)?.status == .captured, "a captured payment is not voided")
            #expect(provider.count { if case .void = $0 { true } else { false } } == 0)

            let declined = UUID()
            #expect(
                try await service.authorize(orderID: declined, customerID: UUID(), amount: Money(900, "EUR"), card: "4000000000000002").status
                    == .declined)
            try await service.releaseHold(orderID: declined, reason: "order payment_failed")
            #expect(provider.count { if case .void = $0 { true } else { false } } == 0, "nothing is held for a declined card")
            let events = try await db.read { sql in try await Outbox.events(aggregateID: delivered, on: sql) }
            #expect(events.map(\.type) == ["payment.authorized", "payment.captured"])
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func refundsArePartialOrFullIdempotentAndNeverAboveTheCapture(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let sandbox = SandboxPaymentProvider(database: db, clock: SystemWallClock())
            let provider = RecordingPaymentProvider(sandbox)
            let service = PaymentService(
                database: db, provider: provider, orders: StubLiveness(answers: [:]), clock: SystemWallClock(), logger: Self.logger)
            let order = UUID()
            let operatorID = UUID()
            _ = try await service.authorize(orderID: order, customerID: UUID(), amount: Money(3_000, "EUR"), card: "4242424242424242")
            func request(_ amount: Int64?, key: String, reason: String = "cold food", cap: Int64? = nil) -> RefundRequest {
                .init(orderID: order, amount: amount, reason: reason, actor: .operator, actorID: operatorID, idempotencyKey: key, cap: cap)
            }
            await #expect(throws: PaymentError.notCaptured(status: .authorized)) { try await service.refund(request(100, key: "early")) }
            try await service.capture(orderID: order)

            let partial = try await service.refund(request(1_000, key: "r1"))
            #expect(!partial.replayed && partial.refund.status == .succeeded && partial.refund.amount == Money(1_000, "EUR"))
            let replay = try await service.refund(request(1_000, key: "r1"))
            #expect(replay.replayed && replay.refund.id == partial.refund.id)
            await #expect(throws: PaymentError.idempotencyKeyReused) { try await service.refund(request(999, key: "r1")) }
            #expect(provider.count { if case .refund = $0 { true } else { false } } == 1, "a replay does not ask the provider again")

            await #expect(throws: PaymentError.refundExceedsCaptured(refundable: Money(2_000, "EUR"))) {
                try await service.refund(request(2_001, key: "r2"))
            }
            // A cap counts every refund already made: 1,000 made, so 500 more under a cap of 1,500.
            await #expect(throws: PaymentError.refundAbovePolicy(maximum: Money(500, "EUR"))) {
                try await service.refund(request(600, key: "r3", cap: 1_500))
            }
            let rest = try await service.refund(request(nil, key: "r4"))
            #expect(rest.refund.amount == Money(2_000, "EUR"), "no amount refunds what is left")
            let payment = try #require(try await service.payment(orderID: order))
            #expect(payment.status == .refunded && payment.refundedAmount == Money(3_000, "EUR"))
            let atProvider = try #require(try await sandbox.authorization(idempotencyKey: PaymentService.authorizationKey(orderID: order)))
            #expect(atProvider.refundedAmount == 3_000, "the provider gave back exactly what the payment says")
            #expect(try await service.refunds(orderID: order).map(\.reason) == ["cold food", "cold food"])
            let types = try await db.read { sql in try await Outbox.events(aggregateID: order, on: sql) }.map(\.type)
            #expect(types.filter { $0 == "payment.refund_issued" }.count == 2)
            #expect(types.contains("payment.partially_refunded") && types.contains("payment.refunded"))
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func reconciliationVoidsHoldsWhoseOrderEndedAndKeepsLiveOnes(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let sandbox = SandboxPaymentProvider(database: db, clock: clock)
            let ended = UUID()
            let live = UUID()
            let unknown = UUID()
            let service = PaymentService(
                database: db, provider: sandbox, orders: StubLiveness(answers: [ended: .ended, live: .live]), clock: clock, logger: Self.logger)
            _ = try await service.authorize(orderID: ended, customerID: UUID(), amount: Money(1_000, "EUR"), card: "4242424242424242")
            _ = try await service.authorize(orderID: live, customerID: UUID(), amount: Money(1_000, "EUR"), card: "4242424242424242")
            // A hold made under an order's key whose answer was never recorded (the process died).
            _ = try await sandbox.authorize(
                amount: Money(1_000, "EUR"), card: "4242424242424242", idempotencyKey: PaymentService.authorizationKey(orderID: unknown))
            #expect(try await service.reconcile().holdsVoided == 0, "young holds are left alone")
            clock.advance(by: 120)
            let report = try await service.reconcile()
            #expect(report.holdsVoided == 2)
            func state(_ order: UUID) async throws -> ProviderAuthorizationRecord.State? {
                try await sandbox.authorization(idempotencyKey: PaymentService.authorizationKey(orderID: order))?.state
            }
            #expect(try await state(ended) == .voided)
            #expect(try await state(unknown) == .voided)
            #expect(try await state(live) == .held)
            #expect(try await service.payment(orderID: ended)?.status == .voided)
        }
    }

    /// Many live orders' holds come first (oldest) and fill pages: passes page past them to the
    /// ended order's hold, each going on where the last stopped. And when Ordering cannot say
    /// which orders live, nothing is released.
    @Test(arguments: TestDatabaseKind.available)
    func reconciliationReachesPastLiveHoldsAndReleasesNothingOnAGuess(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let sandbox = SandboxPaymentProvider(database: db, clock: clock)
            let live = (0..<5).map { _ in UUID() }
            let ended = UUID()
            for order in live + [ended] {
                _ = try await sandbox.authorize(
                    amount: Money(1_000, "EUR"), card: "4242424242424242", idempotencyKey: PaymentService.authorizationKey(orderID: order))
                clock.advance(by: 1)
            }
            clock.advance(by: 120)
            func state(_ order: UUID) async throws -> ProviderAuthorizationRecord.State? {
                try await sandbox.authorization(idempotencyKey: PaymentService.authorizationKey(orderID: order))?.state
            }
            let blind = PaymentService(database: db, provider: sandbox, orders: SilentLiveness(), clock: clock, logger: Self.logger)
            await #expect(throws: SilentLiveness.Unanswered.self) { try await blind.reconcile(holdsPerPage: 2) }
            #expect(try await state(ended) == .held, "no order status, no release")

            var answers = Dictionary(uniqueKeysWithValues: live.map { ($0, OrderLiveness.live) })
            answers[ended] = .ended
            let service = PaymentService(
                database: db, provider: sandbox, orders: StubLiveness(answers: answers), clock: clock, logger: Self.logger)
            // One page a pass: each pass goes on where the last stopped, so the third reaches it.
            var voided: [Int] = []
            for _ in 0..<3 { voided.append(try await service.reconcile(holdsPerPage: 2, pagesPerPass: 1).holdsVoided) }
            #expect(voided == [0, 0, 1])
            #expect(try await state(ended) == .voided)
            for order in live { #expect(try await state(order) == .held) }
            // Past the newest, from the oldest again: the live holds are looked at once more.
            let again = try await service.reconcile(holdsPerPage: 2)
            #expect(again.holdsVoided == 0 && again.errors == 0)
        }
    }

    /// "Refund the rest" while another refund is pending refunds what is left beyond it (settled
    /// under the lock), instead of being refused for counting the pending one twice.
    @Test(arguments: TestDatabaseKind.available)
    func refundingTheRestWhileARefundIsPendingRefundsWhatIsLeft(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let provider = RefundOutage(SandboxPaymentProvider(database: db, clock: SystemWallClock()))
            let service = PaymentService(
                database: db, provider: provider, orders: StubLiveness(answers: [:]), clock: SystemWallClock(), logger: Self.logger)
            let order = UUID()
            let operatorID = UUID()
            _ = try await service.authorize(orderID: order, customerID: UUID(), amount: Money(3_000, "EUR"), card: "4242424242424242")
            try await service.capture(orderID: order)
            func request(_ amount: Int64?, key: String) -> RefundRequest {
                .init(orderID: order, amount: amount, reason: "cold", actor: .operator, actorID: operatorID, idempotencyKey: key, cap: nil)
            }
            provider.set(down: true)
            await #expect(throws: PaymentError.providerUnavailable) { try await service.refund(request(1_000, key: "first")) }
            provider.set(down: false)
            let rest = try await service.refund(request(nil, key: "rest"))
            #expect(rest.refund.amount == Money(2_000, "EUR"), "3,000 captured, 1,000 pending: 2,000 left")
        }
    }

    /// A capture the provider refuses (the hold is gone) is recorded on the payment and not
    /// retried for ever; the payment stays authorised for an operator to settle.
    @Test(arguments: TestDatabaseKind.available)
    func aRefusedCaptureIsRecordedNotRetriedForEver(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Self.migrations) { db in
            let sandbox = SandboxPaymentProvider(database: db, clock: SystemWallClock())
            let service = PaymentService(
                database: db, provider: sandbox, orders: StubLiveness(answers: [:]), clock: SystemWallClock(), logger: Self.logger)
            let order = UUID()
            _ = try await service.authorize(orderID: order, customerID: UUID(), amount: Money(1_500, "EUR"), card: "4242424242424242")
            let held = try #require(try await service.payment(orderID: order))
            try await sandbox.void(reference: try #require(held.providerReference), idempotencyKey: "gone")
            try await service.capture(orderID: order)
            let after = try #require(try await service.payment(orderID: order))
            #expect(after.status == .authorized && after.failureReason == "capture refused: authorization_voided")
        }
    }
}
