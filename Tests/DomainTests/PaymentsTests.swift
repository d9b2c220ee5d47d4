import Core
import Foundation
import Payments
import Storage
import Testing
import TiffinTestSupport

@Suite("Payments: state machine, sandbox provider, service")
struct PaymentsTests {
    static let allPairs = PaymentStatus.allCases.flatMap { from in PaymentStatus.allCases.map { (from, $0) } }

    /// The legal moves, written out independently of the table in the code.
    static let legal: Set<String> = [
        "pending>authorized", "pending>declined", "pending>failed", "pending>voided", "authorized>captured", "authorized>voided",
    ]

    @Test(arguments: allPairs)
    func everyPairOfPaymentStatesIsLegalOnlyIfListed(from: PaymentStatus, to: PaymentStatus) {
        #expect(PaymentStateMachine.allows(from: from, to: to) == Self.legal.contains("\(from.rawValue)>\(to.rawValue)"))
    }

    @Test func theDiagramIsDrawnFromTheTable() {
        for t in PaymentStateMachine.transitions {
            #expect(PaymentStateMachine.mermaid.contains("\(t.from.rawValue) --> \(t.to.rawValue)"))
        }
    }

    @Test(arguments: [
        ("4242 4242 4242 4242", ProviderAuthorization?.some(.approved(reference: ""))),
        ("4000000000000002", .some(.declined(code: "card_declined"))),
        ("4000000000009995", .some(.declined(code: "insufficient_funds"))),
        ("4000000000000119", .some(.declined(code: "processing_error"))),
        ("5555555555554444", .some(.approved(reference: ""))),
        ("4000000000000036", nil),
    ])
    func theSandboxTestCardsBehaveAsDocumented(card: String, expected: ProviderAuthorization?) async throws {
        let provider = SandboxPaymentProvider(slowDelay: .milliseconds(10))
        do {
            let outcome = try await provider.authorize(amount: Money(1_000, "EUR"), card: card, idempotencyKey: UUID())
            switch (outcome, expected) {
            case (.approved(let reference), .some(.approved)): #expect(reference.hasPrefix("sbx_auth_"))
            case (.declined(let code), .some(.declined(let expectedCode))): #expect(code == expectedCode)
            default: Issue.record("\(card): got \(outcome), expected \(String(describing: expected))")
            }
        } catch let error as PaymentProviderError {
            #expect(expected == nil, "\(card): unexpected \(error)")
        }
        #expect(SandboxPaymentProvider.testCards.contains { $0.number == PaymentCard.normalize(card) } || card == "5555555555554444")
    }

    @Test(arguments: TestDatabaseKind.available)
    func authorisationIsIdempotentPerOrderAndASlowProviderFailsAtTheDeadline(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: [Outbox.migration] + PaymentStore.migrations) { db in
            let service = PaymentService(
                database: db, provider: SandboxPaymentProvider(slowDelay: .seconds(5)), clock: SystemWallClock(),
                authorizationTimeout: .milliseconds(100), logger: .init(label: "test"))
            let order = UUID()
            let first = try await service.authorize(orderID: order, customerID: UUID(), amount: Money(2_500, "EUR"), card: "4242424242424242")
            let again = try await service.authorize(orderID: order, customerID: UUID(), amount: Money(2_500, "EUR"), card: "4242424242424242")
            guard case .authorized(let payment) = first, case .authorized(let replay) = again else {
                Issue.record("expected two authorisations, got \(first) and \(again)")
                return
            }
            #expect(payment.id == replay.id)

            // The slow card answers "approved" after 5 s; only the 100 ms deadline can make it unavailable.
            let slowOrder = UUID()
            let slow = try await service.authorize(orderID: slowOrder, customerID: UUID(), amount: Money(2_500, "EUR"), card: "4000000000000077")
            guard case .unavailable(let failed) = slow else {
                Issue.record("expected unavailable, got \(slow)")
                return
            }
            #expect(failed.status == .failed)

            try await service.capture(orderID: order)
            try await service.capture(orderID: order)  // a redelivered event changes nothing
            #expect(try await service.payment(orderID: order).status == .captured)
            try await service.void(orderID: order, reason: "late cancel")
            #expect(try await service.payment(orderID: order).status == .captured, "a captured payment is not voided")
            let events = try await db.read { sql in try await Outbox.events(aggregateID: payment.id, on: sql) }
            #expect(events.map(\.type) == ["payment.authorized", "payment.captured"])
        }
    }
}
