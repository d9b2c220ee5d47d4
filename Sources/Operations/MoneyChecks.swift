public import Core
public import Foundation
import SQLKit
public import Storage

/// The money invariant, checked: each order that ends is checked `after` (15 minutes) later,
/// by asking whether its money is still in doubt. A check is a row (`money_checks`), so it
/// survives a restart, and is claimed by one instance (on PostgreSQL `FOR UPDATE SKIP LOCKED`).
public struct MoneyChecks: Sendable {
    public static let migrations = [
        Migration(id: "operations-002-money-checks") { t in
            [
                """
                CREATE TABLE money_checks (
                    order_id \(t.uuid) PRIMARY KEY,
                    due_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX money_checks_due ON money_checks (due_at)",
            ]
        }
    ]

    /// How long after its order ended a payment may still be settling.
    public static let after: TimeInterval = 900

    let database: any Database
    let recorder: JourneyRecorder
    let clock: any WallClock
    /// Of the given orders, those whose money is in doubt (Payments, through the assembly).
    let inDoubt: @Sendable ([UUID]) async throws -> Set<UUID>

    public init(
        database: any Database, recorder: JourneyRecorder, clock: any WallClock, inDoubt: @escaping @Sendable ([UUID]) async throws -> Set<UUID>
    ) {
        self.database = database
        self.recorder = recorder
        self.clock = clock
        self.inDoubt = inDoubt
    }

    /// The order ended at `at`: check its money `after` later. Idempotent.
    public func orderEnded(_ orderID: UUID, at: Date) async throws {
        let due = at.addingTimeInterval(Self.after)
        try await database.write { db in
            try await db.raw("INSERT INTO money_checks (order_id, due_at) VALUES (\(bind: orderID), \(bind: due)) ON CONFLICT (order_id) DO NOTHING")
                .run()
        }
    }

    /// Runs the checks that are due, up to `limit`: each counts good, or bad (`payment.in_doubt`).
    /// The checks are claimed first (their due time moved a minute on, in one statement, so
    /// another instance passes them by), then answered, then deleted; a check whose question
    /// fails, or whose instance dies, comes due again a minute later. Returns how many it ran.
    @discardableResult
    public func runDue(limit: Int = 200) async throws -> Int {
        let now = clock.now()
        let lease = now.addingTimeInterval(60)
        let lock = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        struct Row: Decodable { let order_id: UUID }
        let due = try await database.write { db in
            try await db.raw(
                """
                UPDATE money_checks SET due_at = \(bind: lease)
                WHERE order_id IN (SELECT order_id FROM money_checks WHERE due_at <= \(bind: now) ORDER BY due_at LIMIT \(bind: limit)\(unsafeRaw: lock))
                RETURNING order_id
                """
            ).all(decoding: Row.self).map(\.order_id)
        }
        guard !due.isEmpty else { return 0 }
        let doubtful = try await inDoubt(due)
        for orderID in due { recorder.record(.money, doubtful.contains(orderID) ? .bad(cause: BadCause.moneyInDoubt) : .good, at: now) }
        try await database.write { db in try await db.raw("DELETE FROM money_checks WHERE order_id IN (\(binds: due))").run() }
        return due.count
    }
}
