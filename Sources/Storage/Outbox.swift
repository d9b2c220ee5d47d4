import Core
public import Events
public import Foundation
import Logging
import Metrics
public import SQLKit
import ServiceLifecycle

/// The transactional outbox: domain events written in the same transaction as the state change
/// they describe, then delivered to each consumer by `OutboxRelay` at least once.
///
/// `outbox_events.processed_at` is when the relay fanned the event out: from then on each
/// consumer's copy lives in `outbox_deliveries` with that consumer's own bookkeeping (attempts,
/// next attempt, lease, last error, delivered or failed at). Settled events are pruned after the
/// relay's retention (`OutboxRelay.Settings.retention`).
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
        // One row per event and consumer: a failing consumer retries on its own schedule and a
        // retry never re-runs consumers that already succeeded.
        Migration(id: "storage-003-outbox-deliveries") { t in
            [
                """
                CREATE TABLE outbox_deliveries (
                    consumer TEXT NOT NULL,
                    event_seq BIGINT NOT NULL,
                    aggregate_id \(t.uuid) NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at \(t.timestamp) NOT NULL,
                    leased_until \(t.timestamp),
                    last_error TEXT,
                    delivered_at \(t.timestamp),
                    failed_at \(t.timestamp),
                    PRIMARY KEY (consumer, event_seq)
                )
                """,
                "CREATE INDEX outbox_deliveries_open ON outbox_deliveries (consumer, event_seq) WHERE delivered_at IS NULL AND failed_at IS NULL",
                """
                CREATE INDEX outbox_deliveries_open_aggregate ON outbox_deliveries (consumer, aggregate_id, event_seq)
                WHERE delivered_at IS NULL AND failed_at IS NULL
                """,
                "CREATE INDEX outbox_deliveries_event ON outbox_deliveries (event_seq)",
                "CREATE INDEX outbox_events_unrelayed ON outbox_events (seq) WHERE processed_at IS NULL",
                "CREATE INDEX outbox_events_processed ON outbox_events (processed_at)",
            ]
        },
        // The fan-out reads unrelayed events in `seq` order (outbox_events_unrelayed); the index on
        // `next_attempt_at` served the single-consumer relay and now only misled PostgreSQL's
        // planner into sorting the whole backlog.
        Migration(id: "storage-004-drop-outbox-pending") { _ in ["DROP INDEX outbox_events_pending"] },
        // Whose claim holds a delivery's lease: renewal and release touch only their own.
        Migration(id: "storage-005-outbox-lease-owner") { t in ["ALTER TABLE outbox_deliveries ADD COLUMN leased_by \(t.uuid)"] },
        // Events the single-consumer relay gave up on (failed_at, never fanned out) had no way
        // out: the per-consumer relay fans out only unfailed events. They are given to it now,
        // and each consumer retries them on its own.
        Migration(id: "storage-006-refan-failed-events") { _ in
            ["UPDATE outbox_events SET failed_at = NULL WHERE processed_at IS NULL AND failed_at IS NOT NULL"]
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

    /// Each consumer's bookkeeping for one event.
    public static func deliveries(eventID: UUID, on db: any SQLDatabase) async throws -> [ConsumerDelivery] {
        try await db.raw(
            """
            SELECT d.consumer, d.event_seq, d.attempts, d.next_attempt_at, d.last_error, d.delivered_at, d.failed_at
            FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
            WHERE e.id = \(bind: eventID) ORDER BY d.consumer
            """
        ).all(decoding: ConsumerDelivery.self)
    }
}

/// One consumer's copy of one event.
public struct ConsumerDelivery: Decodable, Sendable, Equatable {
    public let consumer: String
    public let eventSeq: Int64
    public let attempts: Int64
    public let nextAttemptAt: Date
    public let lastError: String?
    public let deliveredAt: Date?
    public let failedAt: Date?

    enum CodingKeys: String, CodingKey {
        case consumer, attempts
        case eventSeq = "event_seq"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case deliveredAt = "delivered_at"
        case failedAt = "failed_at"
    }
}

/// An outbox row: the event, and when the relay fanned it out (each consumer's bookkeeping is
/// in `outbox_deliveries`: `Outbox.deliveries`).
public struct StoredEvent: Decodable, Sendable {
    public let seq: Int64
    public let id: UUID
    public let type: String
    public let aggregateID: UUID
    public let occurredAt: Date
    public let payload: String
    public let processedAt: Date?

    static let columns = "seq, id, type, aggregate_id, occurred_at, payload, processed_at"

    enum CodingKeys: String, CodingKey {
        case seq, id, type, payload
        case aggregateID = "aggregate_id"
        case occurredAt = "occurred_at"
        case processedAt = "processed_at"
    }

    public var event: DomainEvent {
        DomainEvent(id: id, type: EventType(type), aggregateID: aggregateID, occurredAt: occurredAt, payload: Data(payload.utf8))
    }
}
