import Core
import Foundation
import SQLKit
import Storage

/// Payments, one per order. Owns table `payments`. Status changes write a `payment.*` outbox
/// event in the same transaction.
public struct PaymentStore: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public static let migrations: [Migration] = [
        Migration(id: "payments-001-payments") { t in
            [
                """
                CREATE TABLE payments (
                    id \(t.uuid) PRIMARY KEY,
                    order_id \(t.uuid) NOT NULL UNIQUE,
                    customer_id \(t.uuid) NOT NULL,
                    amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL,
                    card_last4 TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    provider_reference TEXT,
                    failure_reason TEXT,
                    created_at \(t.timestamp) NOT NULL,
                    updated_at \(t.timestamp) NOT NULL
                )
                """
            ]
        }
    ]

    struct Row: Codable {
        let id: UUID
        let orderID: UUID
        let customerID: UUID
        let amountMinor: Int64
        let currency: String
        let status: String
        let cardLast4: String
        let provider: String
        let providerReference: String?
        let failureReason: String?
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, currency, status, provider
            case orderID = "order_id"
            case customerID = "customer_id"
            case amountMinor = "amount_minor"
            case cardLast4 = "card_last4"
            case providerReference = "provider_reference"
            case failureReason = "failure_reason"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        init(_ p: Payment) {
            id = p.id
            orderID = p.orderID
            customerID = p.customerID
            amountMinor = p.amount.amount
            currency = p.amount.currency
            status = p.status.rawValue
            cardLast4 = p.cardLast4
            provider = p.provider
            providerReference = p.providerReference
            failureReason = p.failureReason
            createdAt = p.createdAt
            updatedAt = p.updatedAt
        }

        var payment: Payment {
            Payment(
                id: id, orderID: orderID, customerID: customerID, amount: Money(amountMinor, currency),
                status: PaymentStatus(rawValue: status) ?? .pending,
                cardLast4: cardLast4, provider: provider, providerReference: providerReference, failureReason: failureReason,
                createdAt: createdAt, updatedAt: updatedAt)
        }
    }

    static let columns =
        "id, order_id, customer_id, amount_minor, currency, status, card_last4, provider, provider_reference, failure_reason, created_at, updated_at"

    /// Inserts a pending payment, or returns the one the order already has.
    func insertPending(_ payment: Payment) async throws -> (payment: Payment, created: Bool) {
        do {
            try await database.transaction { db in
                try await db.insert(into: "payments").model(Row(payment), keyEncodingStrategy: .useDefaultKeys, nilEncodingStrategy: .asNil).run()
            }
            return (payment, true)
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            guard let existing = try await self.payment(orderID: payment.orderID) else { throw error }
            return (existing, false)
        }
    }

    public func payment(orderID: UUID) async throws -> Payment? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM payments WHERE order_id = \(bind: orderID)").first(decoding: Row.self)?.payment
        }
    }

    /// Moves the payment from `expected` to `updated.status` with its event; false if it was no longer `expected`.
    func transition(_ updated: Payment, from expected: PaymentStatus, reason: String?) async throws -> Bool {
        precondition(PaymentStateMachine.allows(from: expected, to: updated.status), "illegal payment transition \(expected) → \(updated.status)")
        return try await database.transaction { db in
            let rows = try await db.raw(
                """
                UPDATE payments SET status = \(bind: updated.status.rawValue), provider_reference = \(bind: updated.providerReference),
                    failure_reason = \(bind: updated.failureReason), updated_at = \(bind: updated.updatedAt)
                WHERE id = \(bind: updated.id) AND status = \(bind: expected.rawValue) RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            let payload = PaymentEventPayload(
                paymentID: updated.id, orderID: updated.orderID, customerID: updated.customerID, amount: updated.amount,
                from: expected, to: updated.status, reason: reason)
            try await Outbox.append(
                DomainEvent(type: "payment.\(updated.status.rawValue)", aggregateID: updated.id, occurredAt: updated.updatedAt, payload: payload),
                on: db)
            return true
        }
    }
}
