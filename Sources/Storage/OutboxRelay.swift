public import Core
public import Events
public import Foundation
public import Logging
import Metrics
import SQLKit
public import ServiceLifecycle

/// A reaction to some event types: one consumer of the outbox. Must be idempotent: delivery is at
/// least once, and a duplicate carries the same event id.
public struct OutboxSubscription: Sendable {
    /// The consumer's name: its bookkeeping is kept under it, so it must not change between versions.
    public let name: String
    public let eventTypes: Set<EventType>
    public let handle: @Sendable (DomainEvent) async throws -> Void

    public init(name: String, eventTypes: Set<EventType>, handle: @escaping @Sendable (DomainEvent) async throws -> Void) {
        self.name = name
        self.eventTypes = eventTypes
        self.handle = handle
    }
}

/// Delivers outbox events to each consumer with that consumer's own bookkeeping.
///
/// Two stages, each its own loop:
/// - **Fan-out** claims events not yet relayed (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so
///   instances share the work) and, in the same transaction, writes one `outbox_deliveries` row
///   per consumer subscribed to the event's type and marks the event relayed.
/// - **One loop per consumer** claims its due deliveries in event order under a short lease and
///   runs the handler. A failure schedules that consumer's retry (exponential backoff, capped)
///   and after `maximumAttempts` marks its delivery failed — kept, never deleted before the
///   retention. Other consumers of the same event are not touched: a slow or failing consumer
///   never delays another, and a retry never re-runs a consumer that succeeded.
///
/// Order: a consumer gets one aggregate's events (one order's) in the order they were written. A
/// delivery waits while an earlier one of the same aggregate for the same consumer is in backoff
/// or leased elsewhere, or an earlier event of the aggregate is not fanned out yet (on PostgreSQL
/// another instance may be fanning it out at that moment); on PostgreSQL claims for one consumer are serialized by an advisory lock
/// held for the claim's transaction, so two instances never hold the same delivery, nor two
/// deliveries of one aggregate, at once. A failure stops the rest of that aggregate's batch.
///
/// At least once across a crash: a delivery is marked done only after its handler returned; one
/// cut short keeps its lease until it lapses (on SQLite, where one process owns the file, leases
/// are released at start) and is delivered again with the same event id.
///
/// Each claim's lease carries its own token (`leased_by`). Renewal extends only the claim's own
/// rows; a pass that finds some taken over (it stalled past its lease and another instance
/// claimed them) stops at once without settling, leaving them to their new holder; a retry or
/// release never touches rows leased by another claim.
///
/// Settled events (every consumer delivered or failed) are pruned `retention` after fan-out.
public struct OutboxRelay: Service {
    public struct Settings: Sendable {
        /// How often the fan-out looks for new events.
        public var pollInterval: Duration = .milliseconds(50)
        /// How long a consumer with nothing to do sleeps unless the fan-out wakes it: the delay of
        /// a retry that came due, and of events fanned out by another instance.
        public var idlePoll: Duration = .milliseconds(500)
        public var batchSize = 200
        /// How many aggregates (orders) of a batch a consumer handles at once; each one's events
        /// still one after another.
        public var parallelAggregates = 16
        public var lease: TimeInterval = 10
        /// 150 attempts: ten doubling backoffs (1 s … 512 s), then one every 10 minutes, about a day
        /// in all. Ten attempts gave up after 17 minutes, so an outage of that length lost, for
        /// good, the notifications (and captures) that fell in it.
        public var maximumAttempts: Int64 = 150
        public var baseBackoff: TimeInterval = 1
        public var maximumBackoff: TimeInterval = 600
        /// How long relayed events and their settled deliveries are kept (7 days).
        public var retention: TimeInterval = 7 * 86_400
        public var pruneInterval: Duration = .seconds(300)
        public init() {}
    }

    let database: any Database
    let subscriptions: [OutboxSubscription]
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    private let consumersByType: [EventType: [String]]
    private let bells: [String: Doorbell]
    /// Each consumer's metrics, made once (a lookup in the registry per delivery cost more than
    /// the delivery's bookkeeping).
    let meters: [String: Meters]

    public init(database: any Database, subscriptions: [OutboxSubscription], clock: any WallClock, settings: Settings = .init(), logger: Logger) {
        precondition(Set(subscriptions.map(\.name)).count == subscriptions.count, "outbox consumer names must be unique")
        self.database = database
        self.subscriptions = subscriptions
        self.clock = clock
        self.settings = settings
        self.logger = logger
        var byType: [EventType: [String]] = [:]
        for subscription in subscriptions {
            for type in subscription.eventTypes { byType[type, default: []].append(subscription.name) }
        }
        consumersByType = byType
        bells = Dictionary(uniqueKeysWithValues: subscriptions.map { ($0.name, Doorbell()) })
        meters = Dictionary(uniqueKeysWithValues: subscriptions.map { ($0.name, Meters($0.name)) })
    }

    /// At graceful shutdown each loop finishes the batch in flight and starts no other; what is
    /// left waits for the next start (or another instance). If the batch does not finish within
    /// the shutdown's grace (a database that is gone), cancellation cuts it short, and a delivery
    /// cut short is delivered again (at least once).
    public func run() async throws {
        if database.kind == .sqlite {
            do { try await releaseLeases() } catch { logger.error("could not release outbox leases", metadata: ["error": "\(error)"]) }
        }
        await withTaskGroup(of: Void.self) { group in
            // Nobody rings the fan-out: it looks every `pollInterval`.
            group.addTask {
                await drainUntilShutdown(wokenBy: Doorbell(), idle: settings.pollInterval, name: "outbox.fan-out", logger: logger) {
                    try await fanOut() >= settings.batchSize
                }
            }
            for subscription in subscriptions {
                group.addTask {
                    await drainUntilShutdown(
                        wokenBy: bells[subscription.name]!, idle: settings.idlePoll, name: "outbox.\(subscription.name)", logger: logger
                    ) { try await deliver(subscription) >= settings.batchSize }
                }
            }
            group.addTask {
                await repeatUntilShutdown(every: settings.pruneInterval, name: "outbox.prune", logger: logger) { _ = try await prune() }
            }
            group.addTask {
                await repeatUntilShutdown(every: .seconds(15), name: "outbox.backlog", logger: logger) { try await recordBacklog() }
            }
        }
    }

    /// Frees every lease: for a process that knows it is the only one delivering (SQLite).
    public func releaseLeases() async throws {
        try await database.write { db in
            try await db.raw(
                "UPDATE outbox_deliveries SET leased_until = NULL, leased_by = NULL WHERE leased_until IS NOT NULL AND delivered_at IS NULL AND failed_at IS NULL"
            ).run()
        }
    }

    /// Fans out everything unrelayed, then runs one pass of every consumer: for tests. Returns how
    /// many deliveries the consumers claimed.
    @discardableResult
    public func drainOnce() async throws -> Int {
        while try await fanOut() >= settings.batchSize {}
        var claimed = 0
        for subscription in subscriptions { claimed += try await deliver(subscription) }
        return claimed
    }

    // MARK: Fan-out

    private struct Unrelayed: Decodable {
        let seq: Int64
        let type: String
        let aggregateID: UUID
        enum CodingKeys: String, CodingKey {
            case seq, type
            case aggregateID = "aggregate_id"
        }
    }

    /// Writes each unrelayed event's deliveries, one per subscribed consumer, and marks the event
    /// relayed, in one transaction. Returns how many events it relayed.
    @discardableResult
    public func fanOut() async throws -> Int {
        let now = clock.now()
        let limit = settings.batchSize
        let lock = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let consumersByType = consumersByType
        let kind = database.kind
        let (count, woken) = try await database.transaction { db -> (Int, Set<String>) in
            try await db.preferIndexScans(kind: kind)
            let events = try await db.raw(
                """
                SELECT seq, type, aggregate_id FROM outbox_events WHERE processed_at IS NULL AND failed_at IS NULL
                ORDER BY seq LIMIT \(bind: limit)\(unsafeRaw: lock)
                """
            ).all(decoding: Unrelayed.self)
            guard !events.isEmpty else { return (0, []) }
            var rows: [[any Encodable & Sendable]] = []
            var consumers = Set<String>()
            for event in events {
                for consumer in consumersByType[EventType(event.type)] ?? [] {
                    rows.append([consumer, event.seq, event.aggregateID, now])
                    consumers.insert(consumer)
                }
            }
            for start in stride(from: 0, to: rows.count, by: 250) {
                var insert = SQLWrite.insert(
                    table: "outbox_deliveries", columns: "consumer, event_seq, aggregate_id, next_attempt_at",
                    rows: Array(rows[start..<min(start + 250, rows.count)])
                ).statement
                insert.appendInterpolation(unsafeRaw: " ON CONFLICT DO NOTHING")
                try await db.raw(insert).run()
            }
            try await db.raw(
                "UPDATE outbox_events SET processed_at = \(bind: now) WHERE seq IN (\(binds: events.map(\.seq)))"
            ).run()
            return (events.count, consumers)
        }
        for consumer in woken { bells[consumer]?.ring() }
        return count
    }

    // MARK: Retention and metrics

    private struct EventSeq: Decodable { let seq: Int64 }

    /// Deletes events relayed more than `retention` ago whose every delivery is settled
    /// (delivered or failed), with those deliveries, a bounded slice per statement. Returns how
    /// many events it deleted.
    @discardableResult
    public func prune() async throws -> Int {
        let cutoff = clock.now().addingTimeInterval(-settings.retention)
        let total = try await database.deleteInSlices(of: 1_000) { db, size in
            let seqs = try await db.raw(
                """
                SELECT seq FROM outbox_events e
                WHERE e.processed_at < \(bind: cutoff)
                    AND NOT EXISTS (
                        SELECT 1 FROM outbox_deliveries d WHERE d.event_seq = e.seq AND d.delivered_at IS NULL AND d.failed_at IS NULL)
                ORDER BY seq LIMIT \(bind: size)
                """
            ).all(decoding: EventSeq.self).map(\.seq)
            guard !seqs.isEmpty else { return 0 }
            try await db.raw("DELETE FROM outbox_deliveries WHERE event_seq IN (\(binds: seqs))").run()
            try await db.raw("DELETE FROM outbox_events WHERE seq IN (\(binds: seqs))").run()
            return seqs.count
        }
        if total > 0 { logger.info("outbox pruned", metadata: ["events": "\(total)"]) }
        return total
    }

    private struct Backlog: Decodable {
        let consumer: String
        let open: Int64
    }

    /// Open deliveries per consumer, as gauges.
    func recordBacklog() async throws {
        let rows = try await database.read { db in
            try await db.raw(
                """
                SELECT consumer, CAST(COUNT(*) AS BIGINT) AS open FROM outbox_deliveries
                WHERE delivered_at IS NULL AND failed_at IS NULL GROUP BY consumer
                """
            ).all(decoding: Backlog.self)
        }
        let open = Dictionary(uniqueKeysWithValues: rows.map { ($0.consumer, $0.open) })
        for subscription in subscriptions {
            Gauge(label: "tiffin_outbox_backlog", dimensions: [("consumer", subscription.name)]).record(open[subscription.name] ?? 0)
        }
    }

    struct Meters: Sendable {
        let lag: Timer
        let delivered: Counter
        let retried: Counter
        let failed: Counter
        let leaseLost: Counter

        init(_ consumer: String) {
            func counter(_ outcome: String) -> Counter {
                Counter(label: "tiffin_outbox_deliveries_total", dimensions: [("consumer", consumer), ("outcome", outcome)])
            }
            lag = Timer(label: "tiffin_outbox_lag_seconds", dimensions: [("consumer", consumer)], preferredDisplayUnit: .seconds)
            (delivered, retried, failed, leaseLost) = (counter("delivered"), counter("retried"), counter("failed"), counter("lease_lost"))
        }
    }
}

extension Timer {
    /// Records the time from `start` to `now` (zero if the clock went backwards).
    func recordInterval(since start: Date, now: Date) {
        recordNanoseconds(Int64(max(0, now.timeIntervalSince(start)) * 1_000_000_000))
    }
}
