import Core
import Events
import Foundation
import SQLKit
import Storage
import Synchronization
import Testing
import TiffinTestSupport
import Logging

/// The relay per consumer, on SQLite and (when configured) PostgreSQL.
@Suite("Outbox relay")
struct OutboxRelayTests {
    struct Thing: EventPayload { let n: Int }
    struct Flaky: Error {}

    /// What a consumer saw, in order.
    final class Log: Sendable {
        private let entries = Mutex<[DomainEvent]>([])
        func add(_ event: DomainEvent) { entries.withLock { $0.append(event) } }
        var all: [DomainEvent] { entries.withLock { $0 } }
        var count: Int { all.count }
    }

    static func event(_ type: String, aggregate: UUID, n: Int, at: Date) throws -> DomainEvent {
        try DomainEvent(type: EventType(type), aggregateID: aggregate, occurredAt: at, payload: Thing(n: n))
    }

    static func append(_ events: [DomainEvent], to db: any Database) async throws {
        try await db.transaction { sql in for event in events { try await Outbox.append(event, on: sql) } }
    }

    static func numbers(_ events: [DomainEvent]) throws -> [Int] { try events.map { try $0.decode(Thing.self).n } }

    @Test(arguments: TestDatabaseKind.available)
    func aFailingConsumerRetriesOnItsOwnAndNeverDelaysOrRepeatsAnother(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Outbox.migrations) { db in
            let captured = Log()
            let failing = Log()
            let event = try Self.event("order.delivered", aggregate: UUID(), n: 1, at: clock.now())
            try await Self.append([event], to: db)
            var settings = OutboxRelay.Settings()
            settings.maximumAttempts = 3
            let relay = OutboxRelay(
                database: db,
                subscriptions: [
                    OutboxSubscription(name: "webhook", eventTypes: [EventType("order.delivered")]) { e in
                        failing.add(e)
                        throw Flaky()
                    },
                    OutboxSubscription(name: "capture", eventTypes: [EventType("order.delivered")]) { e in captured.add(e) },
                ], clock: clock, settings: settings, logger: .init(label: "test"))
            #expect(try await relay.drainOnce() == 2)
            #expect(captured.count == 1 && failing.count == 1, "the capture ran in the same pass as the failing consumer")
            #expect(try await relay.drainOnce() == 0, "the failed delivery waits for its backoff")
            clock.advance(by: 1.5)
            #expect(try await relay.drainOnce() == 1, "only the failing consumer is retried")
            clock.advance(by: 1.5)
            #expect(try await relay.drainOnce() == 0, "the second backoff is 2 s")
            clock.advance(by: 1)
            #expect(try await relay.drainOnce() == 1)
            clock.advance(by: 3_600)
            #expect(try await relay.drainOnce() == 0, "after three attempts it is kept as failed, not retried")
            #expect(failing.count == 3)
            #expect(captured.count == 1, "a retry never re-runs the consumer that succeeded")
            let book = Dictionary(
                uniqueKeysWithValues: try await db.read { sql in try await Outbox.deliveries(eventID: event.id, on: sql) }.map { ($0.consumer, $0) })
            #expect(book["capture"]?.deliveredAt != nil && book["capture"]?.attempts == 1)
            #expect(book["webhook"]?.failedAt != nil && book["webhook"]?.attempts == 3 && book["webhook"]?.lastError != nil)
            #expect(book["webhook"]?.deliveredAt == nil)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func oneOrdersEventsArriveInOrderAndAFailureHoldsBackOnlyThatOrder(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Outbox.migrations) { db in
            let a = UUID()
            let b = UUID()
            try await Self.append(
                [
                    try Self.event("t", aggregate: a, n: 1, at: clock.now()), try Self.event("t", aggregate: b, n: 10, at: clock.now()),
                    try Self.event("t", aggregate: a, n: 2, at: clock.now()), try Self.event("t", aggregate: a, n: 3, at: clock.now()),
                    try Self.event("t", aggregate: b, n: 11, at: clock.now()),
                ], to: db)
            let seen = Log()
            let failedOnce = Atomic(false)
            let relay = OutboxRelay(
                database: db,
                subscriptions: [
                    OutboxSubscription(name: "c", eventTypes: [EventType("t")]) { e in
                        if try e.decode(Thing.self).n == 1, !failedOnce.exchange(true, ordering: .relaxed) { throw Flaky() }
                        seen.add(e)
                    }
                ], clock: clock, logger: .init(label: "test"))
            try await relay.drainOnce()
            #expect(try Self.numbers(seen.all) == [10, 11], "the other order goes on; this one's later events wait")
            #expect(try await relay.drainOnce() == 0, "nothing of order a is claimed while its first event is in backoff")
            clock.advance(by: 2)
            try await relay.drainOnce()
            #expect(try Self.numbers(seen.all) == [10, 11, 1, 2, 3])
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aDeliveryCutShortByACrashIsDeliveredAgainWithTheSameEventID(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Outbox.migrations) { db in
            let order = UUID()
            let events = try (1...5).map { try Self.event("t", aggregate: order, n: $0, at: clock.now()) }
            try await Self.append(events, to: db)
            let first = Log()
            let inThird = AsyncStream<Void>.makeStream()
            let crashed = OutboxRelay(
                database: db,
                subscriptions: [
                    OutboxSubscription(name: "c", eventTypes: [EventType("t")]) { e in
                        first.add(e)
                        if try e.decode(Thing.self).n == 3 {
                            inThird.continuation.yield()
                            try await Task.sleep(for: .seconds(3_600))  // the process dies here
                        }
                    }
                ], clock: clock, logger: .init(label: "test"))
            let running = Task { try await crashed.drainOnce() }
            for await _ in inThird.stream { break }
            running.cancel()
            _ = try? await running.value
            #expect(try Self.numbers(first.all) == [1, 2, 3])

            let second = Log()
            let restarted = OutboxRelay(
                database: db, subscriptions: [OutboxSubscription(name: "c", eventTypes: [EventType("t")]) { e in second.add(e) }], clock: clock,
                logger: .init(label: "test"))
            if kind == .sqlite {
                try await restarted.releaseLeases()  // what `run()` does at start on SQLite
            } else {
                #expect(try await restarted.drainOnce() == 0, "the dead instance's lease still holds")
                clock.advance(by: 11)
            }
            try await restarted.drainOnce()
            // Whether 1 and 2 were marked done depends on how far the dying pass got; 3 was not.
            let again = try Self.numbers(second.all)
            #expect(again == [3, 4, 5] || again == [1, 2, 3, 4, 5], "the cut-short delivery and the rest, in order")
            #expect(second.all.first { (try? $0.decode(Thing.self).n) == 3 }?.id == events[2].id, "a duplicate carries the same event id")
            #expect(try await restarted.drainOnce() == 0)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aPassWhoseLeaseWasTakenOverStopsWithoutTouchingTheNewHoldersLease(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Outbox.migrations) { db in
            let event = try Self.event("t", aggregate: UUID(), n: 1, at: clock.now())
            try await Self.append([event], to: db)
            let started = AsyncStream<Void>.makeStream()
            let stopped = Atomic(false)
            var settings = OutboxRelay.Settings()
            settings.lease = 0.3  // renewed every 0.1 s
            let stalled = OutboxRelay(
                database: db,
                subscriptions: [
                    OutboxSubscription(name: "c", eventTypes: [EventType("t")]) { _ in
                        started.continuation.yield()
                        do { try await Task.sleep(for: .seconds(5)) } catch {  // long past the lease
                            stopped.store(true, ordering: .relaxed)
                            throw error
                        }
                    }
                ], clock: clock, settings: settings, logger: .init(label: "test"))
            let running = Task { try await stalled.drainOnce() }
            for await _ in started.stream { break }
            // Another instance's claim, as it happens when this one stalls past its lease.
            let other = UUID()
            let until = clock.now().addingTimeInterval(60)
            try await db.write { sql in
                try await sql.raw("UPDATE outbox_deliveries SET leased_by = \(bind: other), leased_until = \(bind: until)").run()
            }
            await #expect(throws: (any Error).self, "the pass stops when its renewal finds the lease taken") { try await running.value }
            let handlerStopped = stopped.load(ordering: .relaxed)
            #expect(handlerStopped, "the handler in flight was cancelled")
            let book = try await db.read { sql in try await Outbox.deliveries(eventID: event.id, on: sql) }
            #expect(book.count == 1 && book[0].deliveredAt == nil && book[0].attempts == 0, "neither settled nor counted as a failure")
            struct Holder: Decodable { let leased_by: UUID? }
            let holder = try await db.read { sql in try await sql.raw("SELECT leased_by FROM outbox_deliveries").first(decoding: Holder.self) }
            #expect(holder?.leased_by == other, "the new holder's lease is left alone")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func twoRelaysShareTheWorkWithoutHoldingOneDeliveryTwice(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Outbox.migrations) { db in
            let orders = (0..<20).map { _ in UUID() }
            var events: [DomainEvent] = []
            for n in 0..<400 { events.append(try Self.event("t", aggregate: orders[n % 20], n: n, at: clock.now())) }
            try await Self.append(events, to: db)
            struct Tally {
                var inFlight: Set<UUID> = []  // aggregates being handled right now
                var overlaps = 0
                var seen: [UUID: [Int]] = [:]
                var count = 0
            }
            final class Book: Sendable {
                let state = Mutex(Tally())
                func withLock<R>(_ body: (inout Tally) -> R) -> R { state.withLock { body(&$0) } }
            }
            let book = Book()
            func subscription() -> OutboxSubscription {
                OutboxSubscription(name: "c", eventTypes: [EventType("t")]) { e in
                    let n = try e.decode(Thing.self).n
                    book.withLock { b in
                        if !b.inFlight.insert(e.aggregateID).inserted { b.overlaps += 1 }
                    }
                    try await Task.sleep(for: .microseconds(200))
                    book.withLock { b in
                        b.inFlight.remove(e.aggregateID)
                        b.seen[e.aggregateID, default: []].append(n)
                        b.count += 1
                    }
                }
            }
            var settings = OutboxRelay.Settings()
            settings.batchSize = 15
            let relays = (0..<2).map { _ in
                OutboxRelay(database: db, subscriptions: [subscription()], clock: clock, settings: settings, logger: .init(label: "test"))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for relay in relays {
                    group.addTask {
                        for _ in 0..<200 where book.withLock({ $0.count }) < 400 {
                            try await relay.drainOnce()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let result = book.withLock { $0 }
            #expect(result.count == 400, "each event once: no lease lapsed, so no duplicate")
            #expect(result.overlaps == 0, "one order's events were never handled by both at once")
            for (index, order) in orders.enumerated() {
                #expect(result.seen[order] == Array(stride(from: index, to: 400, by: 20)), "in order per order")
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func settledEventsArePrunedAfterTheRetentionAndOpenOnesKept(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: Outbox.migrations) { db in
            let done = try Self.event("ok", aggregate: UUID(), n: 1, at: clock.now())
            let open = try Self.event("bad", aggregate: UUID(), n: 2, at: clock.now())
            try await Self.append([done, open], to: db)
            var settings = OutboxRelay.Settings()
            settings.retention = 3_600
            settings.maximumAttempts = 1_000
            settings.maximumBackoff = 60
            let relay = OutboxRelay(
                database: db,
                subscriptions: [
                    OutboxSubscription(name: "ok", eventTypes: [EventType("ok")]) { _ in },
                    OutboxSubscription(name: "bad", eventTypes: [EventType("bad")]) { _ in throw Flaky() },
                ], clock: clock, settings: settings, logger: .init(label: "test"))
            try await relay.drainOnce()
            #expect(try await relay.prune() == 0, "within the retention nothing goes")
            clock.advance(by: 3_601)
            #expect(try await relay.prune() == 1)
            let left = try await db.read { sql in
                try await sql.raw("SELECT id FROM outbox_events").all().map { try $0.decode(column: "id", as: UUID.self) }
            }
            #expect(left == [open.id], "an event a consumer still owes is kept")
            #expect(try await db.read { sql in try await Outbox.deliveries(eventID: done.id, on: sql) }.isEmpty)
        }
    }
}
