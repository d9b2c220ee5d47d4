import Core
import Events
import Foundation
import Logging
import Metrics
import SQLKit
import ServiceLifecycle

/// The transactional outbox: domain events written in the same transaction as the state change
/// they describe, then delivered to subscribers by `OutboxRelay` at least once.
public enum Outbox {
    public static let migrations = [
        Migration(id: "storage-001-outbox") { t in
            [
                """
                CREATE TABLE outbox_events (
                    seq \(t.serialPrimaryKey),
                    id \(t.uuid) NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    aggregate_id \(t.uuid) NOT NULL,
                    occurred_at \(t.timestamp) NOT NULL,
                    payload TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at \(t.timestamp) NOT NULL,
                    processed_at \(t.timestamp),
                    failed_at \(t.timestamp),
                    last_error TEXT
                )
                """,
                "CREATE INDEX outbox_events_pending ON outbox_events (next_attempt_at) WHERE processed_at IS NULL AND failed_at IS NULL",
                "CREATE INDEX outbox_events_aggregate ON outbox_events (aggregate_id, seq)",
            ]
        },
        // A claim is a lease of its own, separate from the retry schedule: releasing the leases of
        // a dead process must not reset the backoff of failing events.
        Migration(id: "storage-002-outbox-leases") { t in
            ["ALTER TABLE outbox_events ADD COLUMN leased_until \(t.timestamp)"]
        },
    ]

    /// Appends `event` using the caller's transaction.
    public static func append(_ event: DomainEvent, on db: any SQLDatabase) async throws {
        try await db.raw(insert(event)).run()
    }

    /// The statement that appends `event`, to run together with the change it records
    /// (`SQLDatabase.runTogether`).
    public static func insert(_ event: DomainEvent) -> SQLQueryString {
        write(event).statement
    }

    /// The write that appends `event`, for `SQLDatabase.runGated`.
    public static func write(_ event: DomainEvent) -> SQLWrite {
        .insert(
            table: "outbox_events", columns: "id, type, aggregate_id, occurred_at, payload, next_attempt_at",
            rows: [
                [
                    event.id, event.type.rawValue, event.aggregateID, event.occurredAt, String(decoding: event.payload, as: UTF8.self),
                    event.occurredAt,
                ]
            ])
    }

    /// Every event recorded for one aggregate, oldest first (the aggregate's audit trail).
    public static func events(aggregateID: UUID, on db: any SQLDatabase) async throws -> [StoredEvent] {
        try await db.raw(
            """
            SELECT \(unsafeRaw: StoredEvent.columns) FROM outbox_events WHERE aggregate_id = \(bind: aggregateID) ORDER BY seq
            """
        ).all(decoding: StoredEvent.self)
    }
}

/// An outbox row with its delivery bookkeeping.
public struct StoredEvent: Decodable, Sendable {
    public let seq: Int64
    public let id: UUID
    public let type: String
    public let aggregateID: UUID
    public let occurredAt: Date
    public let payload: String
    public let attempts: Int64
    public let processedAt: Date?
    public let failedAt: Date?
    public let lastError: String?

    static let columns = "seq, id, type, aggregate_id, occurred_at, payload, attempts, processed_at, failed_at, last_error"

    enum CodingKeys: String, CodingKey {
        case seq, id, type, payload, attempts
        case aggregateID = "aggregate_id"
        case occurredAt = "occurred_at"
        case processedAt = "processed_at"
        case failedAt = "failed_at"
        case lastError = "last_error"
    }

    public var event: DomainEvent {
        DomainEvent(id: id, type: EventType(type), aggregateID: aggregateID, occurredAt: occurredAt, payload: Data(payload.utf8))
    }
}

/// A reaction to some event types. Must be idempotent: delivery is at least once.
public struct OutboxSubscription: Sendable {
    public let name: String
    public let eventTypes: Set<EventType>
    public let handle: @Sendable (DomainEvent) async throws -> Void

    public init(name: String, eventTypes: Set<EventType>, handle: @escaping @Sendable (DomainEvent) async throws -> Void) {
        self.name = name
        self.eventTypes = eventTypes
        self.handle = handle
    }
}

/// Delivers outbox events to subscriptions.
///
/// Claims a batch with one statement that sets a short lease (`leased_until`; on PostgreSQL the
/// candidate rows are picked `FOR UPDATE SKIP LOCKED`, so several instances share the work),
/// renews the lease while the batch is being delivered, runs every matching subscription, and
/// marks the delivered events processed with one statement. A lease held by a process that died
/// lapses within `lease`; on SQLite, where one process owns the file, leases are released at
/// start. A failing event is retried with exponential backoff; after `maximumAttempts` it is
/// marked failed and kept, never deleted.
///
/// It does not yet keep bookkeeping per consumer: a failing subscription delays the others on
/// the same event.
public struct OutboxRelay: Service {
    public struct Settings: Sendable {
        public var pollInterval: Duration = .milliseconds(100)
        public var batchSize = 200
        public var lease: TimeInterval = 10
        public var maximumAttempts: Int64 = 10
        public var baseBackoff: TimeInterval = 1
        public init() {}
    }

    let database: any Database
    let subscriptions: [OutboxSubscription]
    let clock: any WallClock
    let settings: Settings
    let logger: Logger

    public init(database: any Database, subscriptions: [OutboxSubscription], clock: any WallClock, settings: Settings = .init(), logger: Logger) {
        self.database = database
        self.subscriptions = subscriptions
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    /// Stops at graceful shutdown by cancelling the pass in flight: a delivery cut short is
    /// delivered again (at least once), and waiting for a database that is gone must not hold up
    /// the shutdown of everything started before the relay.
    public func run() async throws {
        if database.kind == .sqlite {
            do { try await releaseLeases() } catch { logger.error("could not release outbox leases", metadata: ["error": "\(error)"]) }
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let handled = try await drainOnce()
                    if handled >= settings.batchSize { continue }
                } catch {
                    if Task.isCancelled { break }
                    logger.error("outbox relay pass failed", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: settings.pollInterval) } catch { break }
            }
        }
    }

    /// Frees every lease: for a process that knows it is the only one delivering (SQLite).
    public func releaseLeases() async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE outbox_events SET leased_until = NULL WHERE leased_until IS NOT NULL AND processed_at IS NULL").run()
        }
    }

    /// One claim-and-deliver pass. Returns how many events it claimed.
    @discardableResult
    public func drainOnce() async throws -> Int {
        let batch = try await claim()
        guard !batch.isEmpty else { return 0 }
        let seqs = batch.map(\.seq)
        let delivered: [Int64] = try await withThrowingTaskGroup(of: [Int64]?.self) { group in
            group.addTask {
                try await renewLeases(seqs); return nil
            }
            group.addTask {
                var delivered: [Int64] = []
                // At shutdown the rest of the batch is left to its lease, not failed one by one.
                for stored in batch where !Task.isCancelled {
                    if await deliver(stored) { delivered.append(stored.seq) }
                }
                return delivered
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            return []
        }
        if !delivered.isEmpty {
            let now = clock.now()
            try await database.write { db in
                try await db.raw(
                    """
                    UPDATE outbox_events SET processed_at = \(bind: now), attempts = attempts + 1, leased_until = NULL
                    WHERE seq IN (\(binds: delivered))
                    """
                ).run()
            }
        }
        return batch.count
    }

    private func claim() async throws -> [StoredEvent] {
        let now = clock.now()
        let leaseUntil = now.addingTimeInterval(settings.lease)
        let lock = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let limit = settings.batchSize
        // One statement: no transaction round trips.
        return try await database.write { db in
            try await db.raw(
                """
                UPDATE outbox_events SET leased_until = \(bind: leaseUntil)
                WHERE seq IN (
                    SELECT seq FROM outbox_events
                    WHERE processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(bind: now)
                        AND (leased_until IS NULL OR leased_until <= \(bind: now))
                    ORDER BY seq LIMIT \(bind: limit)\(unsafeRaw: lock))
                RETURNING \(unsafeRaw: StoredEvent.columns)
                """
            ).all(decoding: StoredEvent.self)
        }.sorted { $0.seq < $1.seq }
    }

    /// Extends the batch's lease every third of a lease until cancelled.
    private func renewLeases(_ seqs: [Int64]) async throws {
        while true {
            try await Task.sleep(for: .seconds(settings.lease / 3))
            let until = clock.now().addingTimeInterval(settings.lease)
            try await database.transaction { db in
                try await db.raw(
                    "UPDATE outbox_events SET leased_until = \(bind: until) WHERE processed_at IS NULL AND seq IN (\(binds: seqs))"
                ).run()
            }
        }
    }

    /// Runs every subscription of the event's type. True when all succeeded; on failure the
    /// event's retry is scheduled (or it is marked failed) and false is returned.
    private func deliver(_ stored: StoredEvent) async -> Bool {
        let event = stored.event
        do {
            for subscription in subscriptions where subscription.eventTypes.contains(event.type) {
                try await subscription.handle(event)
            }
            Timer(label: "tiffin_outbox_lag_seconds", dimensions: [("event", event.type.rawValue)], preferredDisplayUnit: .seconds)
                .recordInterval(since: event.occurredAt, now: clock.now())
            return true
        } catch  where Task.isCancelled {
            // Stopped, not failed: the event stays claimed until its lease lapses (or, on
            // SQLite, until the next start), with no attempt counted against it.
            return false
        } catch {
            await scheduleRetry(stored, after: error)
            return false
        }
    }

    private func scheduleRetry(_ stored: StoredEvent, after error: any Error) async {
        let attempts = stored.attempts + 1
        let now = clock.now()
        let backoff = settings.baseBackoff * pow(2, Double(min(attempts, 16) - 1))
        let message = String(describing: error)
        let exhausted = attempts >= settings.maximumAttempts
        Counter(label: "tiffin_outbox_failures_total", dimensions: [("event", stored.type), ("exhausted", "\(exhausted)")]).increment()
        logger.warning(
            "outbox delivery failed",
            metadata: ["event.id": "\(stored.id)", "event.type": "\(stored.type)", "attempts": "\(attempts)", "error": "\(message)"])
        do {
            try await database.transaction { db in
                if exhausted {
                    try await db.raw(
                        """
                        UPDATE outbox_events SET attempts = \(bind: attempts), failed_at = \(bind: now), last_error = \(bind: message), leased_until = NULL
                        WHERE seq = \(bind: stored.seq)
                        """
                    ).run()
                } else {
                    try await db.raw(
                        """
                        UPDATE outbox_events SET attempts = \(bind: attempts), next_attempt_at = \(bind: now.addingTimeInterval(backoff)),
                            last_error = \(bind: message), leased_until = NULL
                        WHERE seq = \(bind: stored.seq)
                        """
                    ).run()
                }
            }
        } catch {
            logger.error("outbox bookkeeping failed", metadata: ["event.id": "\(stored.id)", "error": "\(error)"])
        }
    }
}

extension Timer {
    /// Records the time from `start` to `now` (zero if the clock went backwards).
    func recordInterval(since start: Date, now: Date) {
        recordNanoseconds(Int64(max(0, now.timeIntervalSince(start)) * 1_000_000_000))
    }
}
