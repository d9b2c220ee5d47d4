import Core
import Events
import Foundation
import Logging
import Metrics
import SQLKit
import ServiceLifecycle

/// Delivery to one consumer: claim its due deliveries under a lease, run them in order per
/// aggregate, settle them, and schedule retries.
extension OutboxRelay {
    // MARK: One consumer

    private struct Claimed: Decodable {
        let seq: Int64
        let id: UUID
        let type: String
        let aggregateID: UUID
        let occurredAt: Date
        let payload: String
        let attempts: Int64
        enum CodingKeys: String, CodingKey {
            case seq, id, type, payload, attempts
            case aggregateID = "aggregate_id"
            case occurredAt = "occurred_at"
        }

        var event: DomainEvent {
            DomainEvent(id: id, type: EventType(type), aggregateID: aggregateID, occurredAt: occurredAt, payload: Data(payload.utf8))
        }
    }

    private struct Seq: Decodable {
        let seq: Int64
        enum CodingKeys: String, CodingKey { case seq = "event_seq" }
    }

    /// One pass of one consumer: claims its due deliveries, runs the handler on each in order,
    /// and settles them. Returns how many it claimed.
    @discardableResult
    public func deliver(_ subscription: OutboxSubscription) async throws -> Int {
        let token = UUID()
        let batch = try await claim(subscription.name, token: token)
        guard !batch.isEmpty else { return 0 }
        let consumer = subscription.name
        let seqs = batch.map(\.seq)
        let (delivered, skipped): ([Int64], [Int64]) = try await withThrowingTaskGroup(of: ([Int64], [Int64])?.self) { group in
            group.addTask {
                try await renewLeases(consumer, seqs, token: token); return nil
            }
            group.addTask { await runInOrderPerAggregate(subscription, batch, token: token) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            return ([], [])
        }
        try await settle(consumer, delivered: delivered, released: skipped, token: token)
        return batch.count
    }

    /// Runs the batch: one aggregate's events one after another, in order (after a failure, the
    /// rest of that aggregate's wait for the retry: skipped), up to `parallelAggregates`
    /// aggregates at once — a consumer's work is mostly waiting on the database, and one order's
    /// reads need not wait for another's. Returns the delivered and the skipped.
    private func runInOrderPerAggregate(_ subscription: OutboxSubscription, _ batch: [Claimed], token: UUID) async -> ([Int64], [Int64]) {
        var order: [UUID] = []
        var byAggregate: [UUID: [Claimed]] = [:]
        for item in batch {
            if byAggregate[item.aggregateID] == nil { order.append(item.aggregateID) }
            byAggregate[item.aggregateID, default: []].append(item)
        }
        let runs = order.map { byAggregate[$0]! }
        return await withTaskGroup(of: ([Int64], [Int64]).self) { group in
            var delivered: [Int64] = []
            var skipped: [Int64] = []
            var next = 0
            func start() {
                let items = runs[next]
                next += 1
                group.addTask {
                    var done: [Int64] = []
                    for (index, item) in items.enumerated() {
                        // At shutdown the rest is left to its lease, not failed one by one.
                        if Task.isCancelled { return (done, []) }
                        switch await run(subscription, item, token: token) {
                        case .delivered: done.append(item.seq)
                        case .failed: return (done, items[(index + 1)...].map(\.seq))
                        case .stopped: return (done, [])
                        }
                    }
                    return (done, [])
                }
            }
            while next < min(settings.parallelAggregates, runs.count) { start() }
            for await (done, waiting) in group {
                delivered += done
                skipped += waiting
                if next < runs.count && !Task.isCancelled { start() }
            }
            return (delivered, skipped)
        }
    }

    private func claim(_ consumer: String, token: UUID) async throws -> [Claimed] {
        let now = clock.now()
        let until = now.addingTimeInterval(settings.lease)
        let limit = settings.batchSize
        let kind = database.kind
        return try await database.transaction { db in
            // Claims of one consumer one at a time across instances, so a claim sees the leases
            // the one before it took (see the type's comment on order).
            try await db.lockForTransaction("outbox:\(consumer)", kind: kind)
            try await db.preferIndexScans(kind: kind)
            // Each candidate is checked by two index lookups on its own order, never by a join over
            // every open delivery: `LIMIT 1 OFFSET 0` keeps PostgreSQL from turning the first check
            // into an anti-join (which it planned as a scan of all open rows per candidate while a
            // fresh table's statistics said it was empty), and the second is skipped outright for
            // events older than the first one not yet fanned out.
            let seqs = try await db.raw(
                """
                SELECT d.event_seq FROM outbox_deliveries d
                WHERE d.consumer = \(bind: consumer) AND d.delivered_at IS NULL AND d.failed_at IS NULL
                    AND d.next_attempt_at <= \(bind: now) AND (d.leased_until IS NULL OR d.leased_until <= \(bind: now))
                    AND NOT EXISTS (
                        SELECT 1 FROM outbox_deliveries p
                        WHERE p.consumer = \(bind: consumer) AND p.aggregate_id = d.aggregate_id AND p.event_seq < d.event_seq
                            AND p.delivered_at IS NULL AND p.failed_at IS NULL
                            AND (p.next_attempt_at > \(bind: now) OR p.leased_until > \(bind: now))
                        LIMIT 1 OFFSET 0)
                    AND (
                        d.event_seq < (
                            SELECT COALESCE(MIN(seq), \(unsafeRaw: String(Int64.max))) FROM outbox_events
                            WHERE processed_at IS NULL AND failed_at IS NULL)
                        OR NOT EXISTS (
                            SELECT 1 FROM outbox_events e
                            WHERE e.aggregate_id = d.aggregate_id AND e.seq < d.event_seq AND e.processed_at IS NULL AND e.failed_at IS NULL))
                ORDER BY d.event_seq LIMIT \(bind: limit)
                """
            ).all(decoding: Seq.self).map(\.seq)
            guard !seqs.isEmpty else { return [] }
            try await db.raw(
                """
                UPDATE outbox_deliveries SET leased_until = \(bind: until), leased_by = \(bind: token)
                WHERE consumer = \(bind: consumer) AND event_seq IN (\(binds: seqs))
                """
            ).run()
            return try await db.raw(
                """
                SELECT e.seq, e.id, e.type, e.aggregate_id, e.occurred_at, e.payload, d.attempts
                FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
                WHERE d.consumer = \(bind: consumer) AND d.event_seq IN (\(binds: seqs))
                ORDER BY e.seq
                """
            ).all(decoding: Claimed.self)
        }
    }

    /// Extends the batch's own leases every third of a lease until cancelled; throws
    /// `LeaseLost` when another claim holds some of the batch.
    private func renewLeases(_ consumer: String, _ seqs: [Int64], token: UUID) async throws {
        while true {
            try await Task.sleep(for: .seconds(settings.lease / 3))
            let until = clock.now().addingTimeInterval(settings.lease)
            let takenOver = try await database.transaction { db in
                try await db.raw(
                    """
                    UPDATE outbox_deliveries SET leased_until = \(bind: until)
                    WHERE consumer = \(bind: consumer) AND leased_by = \(bind: token) AND leased_until IS NOT NULL
                        AND delivered_at IS NULL AND failed_at IS NULL AND event_seq IN (\(binds: seqs))
                    """
                ).run()
                return try await db.raw(
                    """
                    SELECT event_seq FROM outbox_deliveries
                    WHERE consumer = \(bind: consumer) AND event_seq IN (\(binds: seqs)) AND leased_by <> \(bind: token)
                        AND delivered_at IS NULL AND failed_at IS NULL
                    """
                ).all(decoding: Seq.self).map(\.seq)
            }
            if !takenOver.isEmpty {
                meters[consumer]?.leaseLost.increment()
                throw LeaseLost(consumer: consumer, seqs: takenOver)
            }
        }
    }

    /// Another claim took over deliveries of a running batch: the batch stops unsettled.
    struct LeaseLost: Error, CustomStringConvertible {
        let consumer: String
        let seqs: [Int64]
        var description: String { "outbox consumer \(consumer) lost the lease of \(seqs.count) deliveries to another claim" }
    }

    private enum Outcome { case delivered, failed, stopped }

    private func run(_ subscription: OutboxSubscription, _ item: Claimed, token: UUID) async -> Outcome {
        do {
            try await subscription.handle(item.event)
            let meters = meters[subscription.name]
            meters?.lag.recordInterval(since: item.occurredAt, now: clock.now())
            meters?.delivered.increment()
            return .delivered
        } catch  where Task.isCancelled {
            // Stopped, not failed: the delivery stays claimed until its lease lapses (or, on
            // SQLite, until the next start), with no attempt counted against it.
            return .stopped
        } catch {
            await scheduleRetry(subscription.name, item, after: error, token: token)
            return .failed
        }
    }

    /// Marks `delivered` done (whoever holds them now: they were delivered) and releases this
    /// claim's own `released`.
    private func settle(_ consumer: String, delivered: [Int64], released: [Int64], token: UUID) async throws {
        guard !delivered.isEmpty || !released.isEmpty else { return }
        let now = clock.now()
        try await database.transaction { db in
            if !delivered.isEmpty {
                try await db.raw(
                    """
                    UPDATE outbox_deliveries SET delivered_at = \(bind: now), attempts = attempts + 1, leased_until = NULL, leased_by = NULL,
                        last_error = NULL
                    WHERE consumer = \(bind: consumer) AND event_seq IN (\(binds: delivered))
                    """
                ).run()
            }
            if !released.isEmpty {
                try await db.raw(
                    """
                    UPDATE outbox_deliveries SET leased_until = NULL, leased_by = NULL
                    WHERE consumer = \(bind: consumer) AND leased_by = \(bind: token) AND event_seq IN (\(binds: released))
                    """
                ).run()
            }
        }
    }

    /// The delay before attempt `attempts + 1`: `baseBackoff` doubled per attempt, capped.
    func backoff(afterAttempts attempts: Int64) -> TimeInterval {
        Backoff.delay(afterAttempts: attempts, base: settings.baseBackoff, cap: settings.maximumBackoff)
    }

    private func scheduleRetry(_ consumer: String, _ item: Claimed, after error: any Error, token: UUID) async {
        let attempts = item.attempts + 1
        let now = clock.now()
        let message = String(String(describing: error).prefix(1_000))
        let exhausted = attempts >= settings.maximumAttempts
        (exhausted ? meters[consumer]?.failed : meters[consumer]?.retried)?.increment()
        logger.warning(
            "outbox delivery failed",
            metadata: [
                "consumer": "\(consumer)", "event.id": "\(item.id)", "event.type": "\(item.type)", "attempts": "\(attempts)",
                "exhausted": "\(exhausted)", "error": "\(message)",
            ])
        let next = now.addingTimeInterval(backoff(afterAttempts: attempts))
        do {
            try await database.write { db in
                try await db.raw(
                    """
                    UPDATE outbox_deliveries SET attempts = \(bind: attempts), last_error = \(bind: message), leased_until = NULL,
                        leased_by = NULL, next_attempt_at = \(bind: next), failed_at = \(bind: exhausted ? now : nil)
                    WHERE consumer = \(bind: consumer) AND event_seq = \(bind: item.seq) AND leased_by = \(bind: token)
                    """
                ).run()
            }
        } catch {
            logger.error("outbox bookkeeping failed", metadata: ["consumer": "\(consumer)", "event.id": "\(item.id)", "error": "\(error)"])
        }
    }
}
