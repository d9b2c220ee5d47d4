import Core
import Foundation
import Logging
import SQLKit
import ServiceLifecycle

/// The transactional outbox: domain events written in the same transaction as the state change
/// they describe, then delivered to subscribers by `OutboxRelay` at least once.
public enum Outbox {
    public static let migration = Migration(id: "storage-001-outbox") { t in
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
    }

    /// Appends `event` using the caller's transaction.
    public static func append(_ event: DomainEvent, on db: any SQLDatabase) async throws {
        let payload = String(decoding: event.payload, as: UTF8.self)
        try await db.raw(
            """
            INSERT INTO outbox_events (id, type, aggregate_id, occurred_at, payload, next_attempt_at)
            VALUES (\(bind: event.id), \(bind: event.type), \(bind: event.aggregateID), \(bind: event.occurredAt), \(bind: payload), \(bind: event.occurredAt))
            """
        ).run()
    }

    /// Every event recorded for one aggregate, oldest first (the aggregate's audit trail).
    public static func events(aggregateID: UUID, on db: any SQLDatabase) async throws -> [StoredEvent] {
        try await db.raw(
            """
            SELECT seq, id, type, aggregate_id, occurred_at, payload, attempts, processed_at, failed_at, last_error
            FROM outbox_events WHERE aggregate_id = \(bind: aggregateID) ORDER BY seq
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

    enum CodingKeys: String, CodingKey {
        case seq, id, type, payload, attempts
        case aggregateID = "aggregate_id"
        case occurredAt = "occurred_at"
        case processedAt = "processed_at"
        case failedAt = "failed_at"
        case lastError = "last_error"
    }

    public var event: DomainEvent {
        DomainEvent(id: id, type: type, aggregateID: aggregateID, occurredAt: occurredAt, payload: Data(payload.utf8))
    }
}

/// A reaction to one event type. Must be idempotent: delivery is at least once.
public struct OutboxSubscription: Sendable {
    public let name: String
    public let eventTypes: Set<String>
    public let handle: @Sendable (DomainEvent) async throws -> Void

    public init(name: String, eventTypes: Set<String>, handle: @escaping @Sendable (DomainEvent) async throws -> Void) {
        self.name = name
        self.eventTypes = eventTypes
        self.handle = handle
    }
}

/// Delivers outbox events to subscriptions.
///
/// Claims a batch by pushing its `next_attempt_at` forward (a lease; on PostgreSQL with
/// `FOR UPDATE SKIP LOCKED`, so several instances share the work), runs every matching
/// subscription, then marks the event processed. A failure is retried with exponential backoff;
/// after `maximumAttempts` the event is marked failed and kept, never deleted.
public struct OutboxRelay: Service {
    public struct Settings: Sendable {
        public var pollInterval: Duration = .milliseconds(250)
        public var batchSize = 100
        public var lease: TimeInterval = 30
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

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let handled = try await drainOnce()
                if handled > 0 { continue }
            } catch {
                logger.error("outbox relay pass failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: settings.pollInterval)
        }
    }

    /// One claim-and-deliver pass. Returns how many events it attempted.
    @discardableResult
    public func drainOnce() async throws -> Int {
        let now = clock.now()
        let leaseUntil = now.addingTimeInterval(settings.lease)
        let kind = database.kind
        let limit = settings.batchSize
        let batch = try await database.transaction { db -> [StoredEvent] in
            let lock = kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let rows = try await db.raw(
                """
                SELECT seq, id, type, aggregate_id, occurred_at, payload, attempts, processed_at, failed_at, last_error
                FROM outbox_events
                WHERE processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(bind: now)
                ORDER BY seq LIMIT \(bind: limit)\(unsafeRaw: lock)
                """
            ).all(decoding: StoredEvent.self)
            for row in rows {
                try await db.raw("UPDATE outbox_events SET next_attempt_at = \(bind: leaseUntil) WHERE seq = \(bind: row.seq)").run()
            }
            return rows
        }
        for stored in batch {
            await deliver(stored)
        }
        return batch.count
    }

    private func deliver(_ stored: StoredEvent) async {
        let event = stored.event
        do {
            for subscription in subscriptions where subscription.eventTypes.contains(event.type) {
                try await subscription.handle(event)
            }
            let now = clock.now()
            try await database.transaction { db in
                try await db.raw("UPDATE outbox_events SET processed_at = \(bind: now), attempts = attempts + 1 WHERE seq = \(bind: stored.seq)")
                    .run()
            }
        } catch {
            let attempts = stored.attempts + 1
            let now = clock.now()
            let backoff = settings.baseBackoff * pow(2, Double(min(attempts, 16) - 1))
            let message = String(describing: error)
            let exhausted = attempts >= settings.maximumAttempts
            logger.warning(
                "outbox delivery failed",
                metadata: ["event.id": "\(event.id)", "event.type": "\(event.type)", "attempts": "\(attempts)", "error": "\(message)"])
            do {
                try await database.transaction { db in
                    if exhausted {
                        try await db.raw(
                            """
                            UPDATE outbox_events SET attempts = \(bind: attempts), failed_at = \(bind: now), last_error = \(bind: message)
                            WHERE seq = \(bind: stored.seq)
                            """
                        ).run()
                    } else {
                        try await db.raw(
                            """
                            UPDATE outbox_events SET attempts = \(bind: attempts), next_attempt_at = \(bind: now.addingTimeInterval(backoff)), last_error = \(bind: message)
                            WHERE seq = \(bind: stored.seq)
                            """
                        ).run()
                    }
                }
            } catch {
                logger.error("outbox bookkeeping failed", metadata: ["event.id": "\(event.id)", "error": "\(error)"])
            }
        }
    }
}
