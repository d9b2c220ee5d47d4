public import Core
public import Foundation
import SQLKit
public import Storage

/// The built-in offline provider: a stand-in for a card processor that keeps real state — holds,
/// captures, voids and refunds per reference — and refuses what a real one refuses (double
/// capture, capture above the hold, capture after void, refund above the capture).
///
/// It plays an outside system: its ledger lives in its own tables (`sandbox_authorizations`,
/// `sandbox_operations`), written in its own transactions, never in Tiffin's — so after a crash
/// of Tiffin it still knows every hold, as a real provider would. Test cards (any expiry, any CVC):
///
/// | card | result |
/// |---|---|
/// | 4242 4242 4242 4242 | approved |
/// | 4000 0000 0000 0002 | declined: `card_declined` |
/// | 4000 0000 0000 9995 | declined: `insufficient_funds` |
/// | 4000 0000 0000 0119 | declined: `processing_error` |
/// | 4000 0000 0000 0077 | slow: the hold is made at once, the answer comes after `slowDelay` |
/// | 4000 0000 0000 0036 | network error: the provider is unreachable, nothing is held |
///
/// Any other Luhn-valid number is approved. Only the last four digits are kept.
public struct SandboxPaymentProvider: PaymentProvider {
    public let name = "sandbox"
    let database: any Database
    let clock: any WallClock
    public var slowDelay: Duration

    public init(database: any Database, clock: any WallClock, slowDelay: Duration = .seconds(30)) {
        self.database = database
        self.clock = clock
        self.slowDelay = slowDelay
    }

    public static let testCards: [(number: String, outcome: String)] = [
        ("4242424242424242", "approved"),
        ("4000000000000002", "declined: card_declined"),
        ("4000000000009995", "declined: insufficient_funds"),
        ("4000000000000119", "declined: processing_error"),
        ("4000000000000077", "slow: answers after 30 s, so checkout fails fast with 503 (the hold it made is found and voided)"),
        ("4000000000000036", "network error: provider unreachable, 503"),
    ]

    public static let migrations: [Migration] = [
        Migration(id: "sandbox-001-ledger") { t in
            [
                """
                CREATE TABLE sandbox_authorizations (
                    reference TEXT PRIMARY KEY,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    amount_minor BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    card_last4 TEXT NOT NULL,
                    state TEXT NOT NULL,
                    decline_code TEXT,
                    captured_minor BIGINT NOT NULL DEFAULT 0,
                    refunded_minor BIGINT NOT NULL DEFAULT 0,
                    created_at \(t.timestamp) NOT NULL,
                    updated_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX sandbox_authorizations_open ON sandbox_authorizations (state, created_at)",
                """
                CREATE TABLE sandbox_operations (
                    idempotency_key TEXT PRIMARY KEY,
                    reference TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    amount_minor BIGINT NOT NULL,
                    result_reference TEXT,
                    created_at \(t.timestamp) NOT NULL
                )
                """,
            ]
        }
    ]

    struct AuthorizationRow: Codable {
        let reference: String
        let idempotencyKey: String
        let amountMinor: Int64
        let currency: String
        let cardLast4: String
        let state: String
        let declineCode: String?
        let capturedMinor: Int64
        let refundedMinor: Int64
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case reference, currency, state
            case idempotencyKey = "idempotency_key"
            case amountMinor = "amount_minor"
            case cardLast4 = "card_last4"
            case declineCode = "decline_code"
            case capturedMinor = "captured_minor"
            case refundedMinor = "refunded_minor"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        var record: ProviderAuthorizationRecord {
            ProviderAuthorizationRecord(
                reference: reference, idempotencyKey: idempotencyKey, amount: Money(amountMinor, currency),
                state: ProviderAuthorizationRecord.State(rawValue: state) ?? .held, capturedAmount: capturedMinor, refundedAmount: refundedMinor,
                declineCode: declineCode, createdAt: createdAt)
        }

        var answer: ProviderAuthorization {
            state == "declined" ? .declined(code: declineCode ?? "declined") : .approved(reference: reference)
        }
    }

    static let columns =
        "reference, idempotency_key, amount_minor, currency, card_last4, state, decline_code, captured_minor, refunded_minor, created_at, updated_at"

    // MARK: PaymentProvider

    public func authorize(amount: Money, card: String, idempotencyKey: String) async throws -> ProviderAuthorization {
        let number = PaymentCard.normalize(card)
        if number == "4000000000000036" { throw PaymentProviderError.unavailable("sandbox: simulated network error") }
        let declineCode: String? =
            switch number {
            case "4000000000000002": "card_declined"
            case "4000000000009995": "insufficient_funds"
            case "4000000000000119": "processing_error"
            case let other where !PaymentCard.isValid(other): "invalid_number"
            default: nil
            }
        let now = clock.now()
        let row = AuthorizationRow(
            reference: "sbx_auth_\(UUID.timeOrdered().uuidString.lowercased())", idempotencyKey: idempotencyKey, amountMinor: amount.amount,
            currency: amount.currency, cardLast4: PaymentCard.last4(number), state: declineCode == nil ? "held" : "declined",
            declineCode: declineCode, capturedMinor: 0, refundedMinor: 0, createdAt: now, updatedAt: now)
        let stored = try await database.write { db -> AuthorizationRow in
            // The same key replays the first answer: on a conflict the no-op update returns the row held.
            guard
                let stored = try await db.raw(
                    """
                    INSERT INTO sandbox_authorizations (\(unsafeRaw: Self.columns))
                    VALUES (\(bind: row.reference), \(bind: row.idempotencyKey), \(bind: row.amountMinor), \(bind: row.currency), \(bind: row.cardLast4),
                            \(bind: row.state), \(bind: row.declineCode), 0, 0, \(bind: now), \(bind: now))
                    ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
                    RETURNING \(unsafeRaw: Self.columns)
                    """
                ).first(decoding: AuthorizationRow.self)
            else { throw PaymentProviderError.unavailable("sandbox: authorisation vanished") }
            return stored
        }
        if number == "4000000000000077" { try await Task.sleep(for: slowDelay) }
        return stored.answer
    }

    public func authorization(idempotencyKey: String) async throws -> ProviderAuthorizationRecord? {
        try await database.read { db in try await Self.authorization(key: idempotencyKey, on: db)?.record }
    }

    public func capture(reference: String, amount: Money, idempotencyKey: String) async throws {
        try await operate(reference: reference, kind: "capture", amount: amount.amount, idempotencyKey: idempotencyKey) { row, db in
            switch row.state {
            case "held": break
            case "captured": throw PaymentProviderError.refused(code: "already_captured")
            case "voided": throw PaymentProviderError.refused(code: "authorization_voided")
            default: throw PaymentProviderError.refused(code: "authorization_declined")
            }
            guard amount.currency == row.currency, amount.amount > 0, amount.amount <= row.amountMinor else {
                throw PaymentProviderError.refused(code: "amount_exceeds_authorization")
            }
            try await db.raw(
                """
                UPDATE sandbox_authorizations SET state = 'captured', captured_minor = \(bind: amount.amount), updated_at = \(bind: clock.now())
                WHERE reference = \(bind: reference)
                """
            ).run()
            return nil
        }
    }

    public func void(reference: String, idempotencyKey: String) async throws {
        try await operate(reference: reference, kind: "void", amount: 0, idempotencyKey: idempotencyKey) { row, db in
            switch row.state {
            case "held": break
            case "captured": throw PaymentProviderError.refused(code: "already_captured")
            case "voided": throw PaymentProviderError.refused(code: "already_voided")
            default: throw PaymentProviderError.refused(code: "authorization_declined")
            }
            try await db.raw(
                "UPDATE sandbox_authorizations SET state = 'voided', updated_at = \(bind: clock.now()) WHERE reference = \(bind: reference)"
            ).run()
            return nil
        }
    }

    public func refund(reference: String, amount: Money, idempotencyKey: String) async throws -> String {
        let result = try await operate(reference: reference, kind: "refund", amount: amount.amount, idempotencyKey: idempotencyKey) { row, db in
            guard row.state == "captured" else { throw PaymentProviderError.refused(code: "not_captured") }
            guard amount.currency == row.currency, amount.amount > 0, row.refundedMinor + amount.amount <= row.capturedMinor else {
                throw PaymentProviderError.refused(code: "amount_exceeds_capture")
            }
            try await db.raw(
                """
                UPDATE sandbox_authorizations SET refunded_minor = refunded_minor + \(bind: amount.amount), updated_at = \(bind: clock.now())
                WHERE reference = \(bind: reference)
                """
            ).run()
            return "sbx_re_\(UUID().uuidString.lowercased())"
        }
        return result ?? ""
    }

    public func openAuthorizations(
        createdBefore: Date, after: ProviderAuthorizationRecord?, limit: Int
    ) async throws
        -> [ProviderAuthorizationRecord]
    {
        // Without a cursor, a page starts before every hold (none predates 1970; "" sorts first).
        let afterDate = after?.createdAt ?? Date(timeIntervalSince1970: 0)
        let afterKey = after?.idempotencyKey ?? ""
        return try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM sandbox_authorizations
                WHERE state = 'held' AND created_at < \(bind: createdBefore)
                    AND (created_at > \(bind: afterDate) OR (created_at = \(bind: afterDate) AND idempotency_key > \(bind: afterKey)))
                ORDER BY created_at, idempotency_key LIMIT \(bind: limit)
                """
            ).all(decoding: AuthorizationRow.self).map(\.record)
        }
    }

    // MARK: Ledger

    static func authorization(key: String, on db: any SQLDatabase) async throws -> AuthorizationRow? {
        try await db.raw("SELECT \(unsafeRaw: columns) FROM sandbox_authorizations WHERE idempotency_key = \(bind: key)")
            .first(decoding: AuthorizationRow.self)
    }

    /// Runs one operation on an authorisation exactly once per idempotency key: a repeat of the
    /// same operation replays its result; the key reused for another operation is refused.
    @discardableResult
    private func operate(
        reference: String, kind: String, amount: Int64, idempotencyKey: String,
        _ body: @escaping @Sendable (AuthorizationRow, any SQLDatabase) async throws -> String?
    ) async throws -> String? {
        struct Operation: Decodable {
            let reference: String
            let kind: String
            let amountMinor: Int64
            let resultReference: String?
            enum CodingKeys: String, CodingKey {
                case reference, kind
                case amountMinor = "amount_minor"
                case resultReference = "result_reference"
            }
        }
        let kindOfDatabase = database.kind
        let now = clock.now()
        return try await database.transaction { db in
            if let done = try await db.raw(
                "SELECT reference, kind, amount_minor, result_reference FROM sandbox_operations WHERE idempotency_key = \(bind: idempotencyKey)"
            ).first(decoding: Operation.self) {
                guard done.reference == reference, done.kind == kind, done.amountMinor == amount else {
                    throw PaymentProviderError.refused(code: "idempotency_key_in_use")
                }
                return done.resultReference
            }
            let lock = kindOfDatabase == .postgres ? " FOR UPDATE" : ""
            guard
                let row = try await db.raw(
                    "SELECT \(unsafeRaw: Self.columns) FROM sandbox_authorizations WHERE reference = \(bind: reference)\(unsafeRaw: lock)"
                ).first(decoding: AuthorizationRow.self)
            else { throw PaymentProviderError.refused(code: "no_such_authorization") }
            let result = try await body(row, db)
            try await db.raw(
                """
                INSERT INTO sandbox_operations (idempotency_key, reference, kind, amount_minor, result_reference, created_at)
                VALUES (\(bind: idempotencyKey), \(bind: reference), \(bind: kind), \(bind: amount), \(bind: result), \(bind: now))
                """
            ).run()
            return result
        }
    }
}
