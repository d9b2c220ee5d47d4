import Core
import Events
import Foundation
import SQLKit
import Storage

/// Payments, one per order, and their refunds. Owns tables `payments` and `payment_refunds`.
/// Every status change writes a `payment.*` outbox event in the same transaction.
struct PaymentStore: Sendable {
    let database: any Database

    init(database: any Database) {
        self.database = database
    }

    static let migrations: [Migration] = [
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
        },
        Migration(id: "payments-002-refunds-reconciliation") { t in
            [
                "ALTER TABLE payments ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE payments ADD COLUMN reconciled_at \(t.timestamp)",
                "CREATE INDEX payments_unreconciled ON payments (status, created_at) WHERE reconciled_at IS NULL",
                """
                CREATE TABLE payment_refunds (
                    id \(t.uuid) PRIMARY KEY,
                    payment_id \(t.uuid) NOT NULL REFERENCES payments(id),
                    order_id \(t.uuid) NOT NULL,
                    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
                    currency TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    actor_id \(t.uuid) NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    status TEXT NOT NULL,
                    provider_reference TEXT,
                    failure_reason TEXT,
                    created_at \(t.timestamp) NOT NULL,
                    updated_at \(t.timestamp) NOT NULL,
                    UNIQUE (actor_id, idempotency_key)
                )
                """,
                "CREATE INDEX payment_refunds_payment ON payment_refunds (payment_id, created_at)",
                "CREATE INDEX payment_refunds_pending ON payment_refunds (status, updated_at)",
            ]
        },
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
        let refundedMinor: Int64
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
            case refundedMinor = "refunded_minor"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        var payment: Payment {
            Payment(
                id: id, orderID: orderID, customerID: customerID, amount: Money(amountMinor, currency),
                status: PaymentStatus(rawValue: status) ?? .failed, cardLast4: cardLast4, provider: provider, providerReference: providerReference,
                failureReason: failureReason, refundedAmount: Money(refundedMinor, currency), createdAt: createdAt, updatedAt: updatedAt,
                refunds: nil)
        }
    }

    static let columns = """
        id, order_id, customer_id, amount_minor, currency, status, card_last4, provider, provider_reference, failure_reason, refunded_minor,
        created_at, updated_at
        """

    /// Records a payment's first state with its event; when the order already has a payment
    /// (a recovery raced the placement), returns that one instead.
    func insert(_ payment: Payment) async throws -> Payment {
        precondition(PaymentStateMachine.allows(from: nil, to: payment.status), "a payment cannot start as \(payment.status)")
        do {
            let insert: SQLQueryString = """
                INSERT INTO payments (\(unsafeRaw: Self.columns))
                VALUES (\(bind: payment.id), \(bind: payment.orderID), \(bind: payment.customerID), \(bind: payment.amount.amount),
                        \(bind: payment.amount.currency), \(bind: payment.status.rawValue), \(bind: payment.cardLast4), \(bind: payment.provider),
                        \(bind: payment.providerReference), \(bind: payment.failureReason), 0, \(bind: payment.createdAt), \(bind: payment.updatedAt))
                """
            let event = try Self.event(payment, from: nil, reason: payment.failureReason)
            // One statement on PostgreSQL: no transaction round trips needed.
            try await database.write { db in try await db.runTogether([insert, event]) }
            return payment
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            guard let existing = try await self.payment(orderID: payment.orderID) else { throw error }
            return existing
        }
    }

    func payment(orderID: UUID) async throws -> Payment? {
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
            try await Self.appendEvent(updated, from: expected, reason: reason, on: db)
            return true
        }
    }

    static func appendEvent(_ payment: Payment, from: PaymentStatus?, reason: String?, on db: any SQLDatabase) async throws {
        try await db.raw(try event(payment, from: from, reason: reason)).run()
    }

    /// The statement that appends the payment's `payment.<status>` event.
    static func event(_ payment: Payment, from: PaymentStatus?, reason: String?) throws -> SQLQueryString {
        let payload = PaymentStatusChanged(
            paymentID: payment.id, orderID: payment.orderID, customerID: payment.customerID, amount: payment.amount, from: from,
            to: payment.status, reason: reason)
        return Outbox.insert(
            try DomainEvent(type: .payment(payment.status), aggregateID: payment.orderID, occurredAt: payment.updatedAt, payload: payload))
    }

    /// Failed payments not yet checked at the provider, made before `cutoff`.
    /// Records why something the payment needed did not happen, without changing its status.
    func noteFailure(_ paymentID: UUID, reason: String, at: Date) async throws {
        try await database.write { db in
            try await db.raw(
                "UPDATE payments SET failure_reason = \(bind: reason), updated_at = \(bind: at) WHERE id = \(bind: paymentID)"
            ).run()
        }
    }

    func unreconciledFailures(before cutoff: Date, limit: Int) async throws -> [Payment] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM payments
                WHERE status = 'failed' AND reconciled_at IS NULL AND created_at <= \(bind: cutoff) ORDER BY created_at LIMIT \(bind: limit)
                """
            ).all(decoding: Row.self).map(\.payment)
        }
    }

    /// How many of the order's payments and refunds are not settled: a hold neither captured
    /// nor released, a failed authorisation not yet checked at the provider, a refund without
    /// its answer.
    func unsettled(orderIDs: [UUID]) async throws -> [UUID: Int] {
        guard !orderIDs.isEmpty else { return [:] }
        struct Row: Decodable {
            let order_id: UUID
            let open: Int64
        }
        let rows = try await database.read { db in
            try await db.raw(
                """
                SELECT order_id, CAST(COUNT(*) AS BIGINT) AS open FROM (
                    SELECT order_id FROM payments
                    WHERE order_id IN (\(binds: orderIDs)) AND (status = 'authorized' OR (status = 'failed' AND reconciled_at IS NULL))
                    UNION ALL
                    SELECT order_id FROM payment_refunds WHERE order_id IN (\(binds: orderIDs)) AND status = 'pending'
                ) open_items GROUP BY order_id
                """
            ).all(decoding: Row.self)
        }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.order_id, Int($0.open)) })
    }

    func markReconciled(_ paymentID: UUID, at: Date) async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE payments SET reconciled_at = \(bind: at) WHERE id = \(bind: paymentID)").run()
        }
    }

    // MARK: Refunds

    struct RefundRow: Codable {
        let id: UUID
        let paymentID: UUID
        let orderID: UUID
        let amountMinor: Int64
        let currency: String
        let reason: String
        let actor: String
        let actorID: UUID
        let idempotencyKey: String
        let requestHash: String
        let status: String
        let providerReference: String?
        let failureReason: String?
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, currency, reason, actor, status
            case paymentID = "payment_id"
            case orderID = "order_id"
            case amountMinor = "amount_minor"
            case actorID = "actor_id"
            case idempotencyKey = "idempotency_key"
            case requestHash = "request_hash"
            case providerReference = "provider_reference"
            case failureReason = "failure_reason"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        var refund: Refund {
            Refund(
                id: id, paymentID: paymentID, orderID: orderID, amount: Money(amountMinor, currency), reason: reason,
                actor: OrderActor(rawValue: actor) ?? .operator, status: Refund.Status(rawValue: status) ?? .pending,
                failureReason: failureReason, createdAt: createdAt, updatedAt: updatedAt)
        }
    }

    static let refundColumns = """
        id, payment_id, order_id, amount_minor, currency, reason, actor, actor_id, idempotency_key, request_hash, status, provider_reference,
        failure_reason, created_at, updated_at
        """

    func refunds(orderID: UUID) async throws -> [Refund] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.refundColumns) FROM payment_refunds WHERE order_id = \(bind: orderID) ORDER BY created_at, id")
                .all(decoding: RefundRow.self).map(\.refund)
        }
    }

    func refund(actorID: UUID, idempotencyKey: String) async throws -> RefundRow? {
        try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.refundColumns) FROM payment_refunds WHERE actor_id = \(bind: actorID) AND idempotency_key = \(bind: idempotencyKey)"
            ).first(decoding: RefundRow.self)
        }
    }

    enum RefundClaim {
        /// The payment, and the refund as recorded (its amount settled under the lock).
        case claimed(Payment, RefundRow)
        case existing(RefundRow)
    }

    /// Records a pending refund after checking, with the payment locked, that it fits what is left
    /// to refund and under `cap` (refunds already made and those still pending count, whoever made
    /// them). Returns the earlier refund when the actor already used this key.
    /// Without an `amount`, the refund is everything still refundable, within `cap`.
    func claimRefund(_ row: RefundRow, amount: Int64?, cap: Int64?) async throws -> RefundClaim {
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        do {
            return try await database.transaction { db in
                if let existing = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.refundColumns) FROM payment_refunds
                    WHERE actor_id = \(bind: row.actorID) AND idempotency_key = \(bind: row.idempotencyKey)
                    """
                ).first(decoding: RefundRow.self) {
                    return .existing(existing)
                }
                guard
                    let payment = try await db.raw(
                        "SELECT \(unsafeRaw: Self.columns) FROM payments WHERE order_id = \(bind: row.orderID)\(unsafeRaw: lock)"
                    ).first(decoding: Row.self)?.payment
                else { throw PaymentError.notCaptured(status: nil) }
                guard [.captured, .partiallyRefunded].contains(payment.status) else { throw PaymentError.notCaptured(status: payment.status) }
                struct Pending: Decodable { let total: Int64 }
                let pending =
                    try await db.raw(
                        """
                        SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS total FROM payment_refunds
                        WHERE payment_id = \(bind: payment.id) AND status = 'pending'
                        """
                    ).first(decoding: Pending.self)?.total ?? 0
                let refundable = payment.amount.amount - payment.refundedAmount.amount - pending
                let underCap = cap.map { $0 - payment.refundedAmount.amount - pending }
                let amountMinor = amount ?? min(refundable, underCap ?? refundable)
                if let underCap, amountMinor > underCap || amountMinor <= 0 && underCap <= 0 {
                    throw PaymentError.refundAbovePolicy(maximum: Money(max(0, underCap), payment.amount.currency))
                }
                guard amountMinor > 0, amountMinor <= refundable else {
                    throw PaymentError.refundExceedsCaptured(refundable: Money(max(0, refundable), payment.amount.currency))
                }
                let claimed = RefundRow(
                    id: row.id, paymentID: payment.id, orderID: row.orderID, amountMinor: amountMinor, currency: payment.amount.currency,
                    reason: row.reason, actor: row.actor, actorID: row.actorID, idempotencyKey: row.idempotencyKey,
                    requestHash: row.requestHash, status: Refund.Status.pending.rawValue, providerReference: nil, failureReason: nil,
                    createdAt: row.createdAt, updatedAt: row.updatedAt)
                try await db.insert(into: "payment_refunds").model(claimed, keyEncodingStrategy: .useDefaultKeys, nilEncodingStrategy: .asNil).run()
                return .claimed(payment, claimed)
            }
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            guard let existing = try await refund(actorID: row.actorID, idempotencyKey: row.idempotencyKey) else { throw error }
            return .existing(existing)
        }
    }

    /// Marks a pending refund succeeded and adds it to the payment, with the payment's event.
    func completeRefund(_ refundID: UUID, providerReference: String, at: Date) async throws -> (Refund, Payment)? {
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        return try await database.transaction { db in
            guard
                let row = try await db.raw(
                    "SELECT \(unsafeRaw: Self.refundColumns) FROM payment_refunds WHERE id = \(bind: refundID) AND status = 'pending'\(unsafeRaw: lock)"
                ).first(decoding: RefundRow.self),
                var payment = try await db.raw(
                    "SELECT \(unsafeRaw: Self.columns) FROM payments WHERE id = \(bind: row.paymentID)\(unsafeRaw: lock)"
                ).first(decoding: Row.self)?.payment
            else { return nil }
            let from = payment.status
            payment.refundedAmount = Money(payment.refundedAmount.amount + row.amountMinor, payment.amount.currency)
            payment.status = payment.refundedAmount.amount >= payment.amount.amount ? .refunded : .partiallyRefunded
            payment.updatedAt = at
            precondition(PaymentStateMachine.allows(from: from, to: payment.status), "illegal payment transition \(from) → \(payment.status)")
            try await db.raw(
                """
                UPDATE payment_refunds SET status = 'succeeded', provider_reference = \(bind: providerReference), updated_at = \(bind: at)
                WHERE id = \(bind: refundID)
                """
            ).run()
            try await db.raw(
                """
                UPDATE payments SET status = \(bind: payment.status.rawValue), refunded_minor = \(bind: payment.refundedAmount.amount),
                    updated_at = \(bind: at)
                WHERE id = \(bind: payment.id)
                """
            ).run()
            try await Self.appendEvent(payment, from: from, reason: row.reason, on: db)
            var refund = row.refund
            refund.status = .succeeded
            refund.updatedAt = at
            let issued = RefundIssued(
                refundID: refund.id, paymentID: payment.id, orderID: payment.orderID, customerID: payment.customerID, amount: refund.amount,
                refundedTotal: payment.refundedAmount, reason: refund.reason, actor: refund.actor)
            try await Outbox.append(
                try DomainEvent(type: .paymentRefundIssued, aggregateID: payment.orderID, occurredAt: at, payload: issued), on: db)
            return (refund, payment)
        }
    }

    func failRefund(_ refundID: UUID, reason: String, at: Date) async throws {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE payment_refunds SET status = 'failed', failure_reason = \(bind: reason), updated_at = \(bind: at)
                WHERE id = \(bind: refundID) AND status = 'pending'
                """
            ).run()
        }
    }

    /// Pending refunds last touched before `cutoff` (their provider call may need driving again).
    func stalePendingRefunds(before cutoff: Date, limit: Int) async throws -> [RefundRow] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.refundColumns) FROM payment_refunds
                WHERE status = 'pending' AND updated_at <= \(bind: cutoff) ORDER BY updated_at LIMIT \(bind: limit)
                """
            ).all(decoding: RefundRow.self)
        }
    }

    func touchRefund(_ refundID: UUID, at: Date) async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE payment_refunds SET updated_at = \(bind: at) WHERE id = \(bind: refundID)").run()
        }
    }
}
