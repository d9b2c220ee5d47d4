import Core
import Foundation
public import Logging
import Notifications
import Ordering
import SQLKit
import Storage
import Synchronization
public import TiffinApp
import Accounts
import Events

/// The relay benchmark (`tiffin bench-relay`, scripts/bench-relay.sh), in process over the
/// configured database, with the production consumers (capture, earnings, hold release, offer
/// withdrawal, notifications, webhooks — one operator endpoint hearing every order event):
///
/// 1. **Throughput.** A city's orders are taken to `picked_up` through the services with no relay
///    running, leaving their events as a backlog; the reference is how fast the services wrote
///    them. Then the relay runs as in production and drains the backlog: events and deliveries
///    per second from start to the last settled delivery.
/// 2. **Delay under load.** The relay keeps running while the orders are delivered at `rate` per
///    second; each delivery's `order_delivered` notification is timed from the commit of the state
///    change (from before its write) to its push to the customer's live connections.
public struct RelayBench: Sendable {
    public var orders: Int
    public var rate: Int

    public init(orders: Int, rate: Int) {
        self.orders = orders
        self.rate = rate
    }

    public struct Report: Sendable {
        public var written = 0
        public var writeSeconds = 0.0
        public var deliveries = 0
        public var relaySeconds = 0.0
        /// Milliseconds from each delivered order's commit to its notification's push, sorted.
        public var delays: [Double] = []
        public var loadSeconds = 0.0
    }

    private struct Count: Decodable { let n: Int64 }

    private static func count(_ database: any Database, _ sql: String) async throws -> Int {
        Int(try await database.read { db in try await db.raw(SQLQueryString(sql)).first(decoding: Count.self)?.n ?? 0 })
    }

    /// Events not fanned out plus deliveries not settled.
    private static func outstanding(_ database: any Database) async throws -> Int {
        try await count(database, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox_events WHERE processed_at IS NULL AND failed_at IS NULL")
            + count(
                database, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL")
    }

    public func run(configuration: TiffinConfiguration, logger: Logger) async throws -> Report {
        try await withMigratedDatabase(configuration: configuration, logger: logger) { database, _ in
            let services = buildServices(configuration: configuration, database: database, logger: logger)
            var report = Report()
            let run = UUID().uuidString.prefix(8).lowercased()
            let ops = try await services.accounts.createOperator(email: "bench-\(run)-ops@bench.test", password: "bench password", name: "Ops")
            _ = try await services.webhooks.create(
                by: Principal(userID: ops.id, role: .operator, email: ops.email), url: "https://hooks.example.com/bench",
                eventTypes: WebhookService.eventTypes.filter { $0.hasPrefix("order.") }, description: "bench")
            let eventsBefore = try await Self.count(database, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox_events")
            let deliveriesBefore = try await Self.count(database, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox_deliveries")

            let seeding = ContinuousClock.now
            let parties = try await LiveBenchCity(customers: orders, ordersPerCourier: 3, restaurants: 20, concurrency: 32).seed(services)
            report.writeSeconds = (ContinuousClock.now - seeding) / .seconds(1)
            report.written = try await Self.count(database, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox_events") - eventsBefore

            let relay = OutboxRelay(
                database: database, subscriptions: outboxSubscriptions(services), clock: services.clock, settings: configuration.relay, logger: logger)
            let relaying = Task { try await relay.run() }
            defer { relaying.cancel() }
            let draining = ContinuousClock.now
            while try await Self.outstanding(database) > 0 { try await Task.sleep(for: .milliseconds(50)) }
            report.relaySeconds = (ContinuousClock.now - draining) / .seconds(1)
            report.deliveries =
                try await Self.count(database, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox_deliveries") - deliveriesBefore

            // Delivered at `rate` per second while the relay runs; each push timed from its commit.
            let timing = Timings()
            // Each notification as pushed (what the live layer follows), timed as it comes.
            let pushes = services.outbound.push.notices.subscribe()
            let watching = Task {
                for await notice in pushes {
                    guard let item = try? TiffinJSON.decoder.decode(ActivityItem.self, from: Data(notice.notification.utf8)),
                        item.kind == .orderDelivered, let orderID = item.orderID
                    else { continue }
                    let now = ContinuousClock.now
                    timing.withLock { $0.pushed[orderID] = now }
                }
            }
            defer { watching.cancel() }
            let interval = Duration.seconds(1) / rate
            let loading = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, watcher) in parties.watchers.enumerated() {
                    try await Task.sleep(until: loading + interval * index)
                    group.addTask {
                        guard let courierID = try await services.orders.orderForNotice(id: watcher.orderID)?.courierID else { return }
                        // Timed from before the write: the delay includes the state change's own commit.
                        let asked = ContinuousClock.now
                        _ = try await services.orders.courierMove(orderID: watcher.orderID, to: .delivered, courierID: courierID)
                        timing.withLock { $0.committed[watcher.orderID] = asked }
                    }
                }
                try await group.waitForAll()
            }
            report.loadSeconds = (ContinuousClock.now - loading) / .seconds(1)
            let deadline = ContinuousClock.now + .seconds(60)
            while timing.withLock({ $0.pushed.count }) < parties.watchers.count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            report.delays = timing.withLock { t in
                t.pushed.compactMap { id, pushed in t.committed[id].map { (pushed - $0) / .milliseconds(1) } }
            }.sorted()
            return report
        }
    }
}

/// When each order's delivery was asked for, and when its notification was pushed.
private final class Timings: Sendable {
    struct Times {
        var committed: [UUID: ContinuousClock.Instant] = [:]
        var pushed: [UUID: ContinuousClock.Instant] = [:]
    }

    private let times = Mutex(Times())

    func withLock<R>(_ body: (inout Times) -> R) -> R { times.withLock { body(&$0) } }
}
