import Accounts
import Catalog
import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Dispatching
import Ordering
import Payments
import Storage
import Synchronization
import Testing
import TiffinTestSupport

#if canImport(Glibc)
    import Glibc
#endif

@testable import TiffinApp

/// What the API answers while a dependency is down, and that it recovers without a restart.
@Suite("Dependency outages")
struct OutageTests {
    /// The order body for the fixture's pizza, with a card.
    static func orderBody(_ f: Fixture) -> String {
        """
        {"restaurantID":"\(f.restaurant.id)","items":[{"itemID":"\(f.pizza.id)","quantity":2,"options":["\(f.small)"]}],
         "deliveryLocation":{"lat":52.5296,"lon":13.4010},"deliveryAddress":"Weinbergsweg 1, Berlin","payment":{"card":"4242 4242 4242 4242"}}
        """
    }

    static func place(_ api: APIClient, _ f: Fixture, token: String) async throws -> (reply: APIClient.Reply, seconds: Double) {
        let started = ContinuousClock.now
        let reply = try await api.call(.post, "/v1/orders", token: token, json: orderBody(f), headers: ["Idempotency-Key": "outage-\(UUID())"])
        let elapsed = ContinuousClock.now - started
        return (reply, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// PostgreSQL "stops" under a running Tiffin (a proxy in front of it cuts every connection
    /// and refuses new ones), then comes back.
    @Test(.timeLimit(.minutes(2))) func withPostgreSQLDownCheckoutGets503FastBrowseAndSignedInReadsGoOnAndAllRecovers() async throws {
        try await withTestDatabaseURL(.postgres) { url in
            let pgPort = try #require(url.split(separator: "@").last?.split(separator: "/").first?.split(separator: ":").last.flatMap { Int($0) })
            let proxy = try CuttableTCPProxy(targetPort: pgPort)
            defer { proxy.stop() }
            let proxied = url.replacingOccurrences(of: ":\(pgPort)/", with: ":\(proxy.port)/")
            var configuration = testConfiguration(databaseURL: proxied)
            // Longer than the default 2 s: this machine is loaded by the rest of the suite while the
            // test sets up; what is checked is that an answer comes within the wait, not hangs.
            configuration.databaseWait = .seconds(5)
            // Background loops at a production pace, not the harness's 20–50 ms: fewer statements
            // in flight at the instant of the cut (see the known issue below).
            configuration.relay.pollInterval = .seconds(1)
            configuration.dispatch.roundInterval = .seconds(2)
            configuration.orders.expiryInterval = .seconds(5)
            // Bounded: see the known issue at the end.
            do {
                try await withDeadline(.seconds(90)) { [configuration] in
                    try await Self.cutAndRestore(proxy: proxy, url: proxied, configuration: configuration)
                }
            } catch is DeadlineExceeded {
                withKnownIssue("PostgresNIO keeps a connection cut mid-statement; the app then waits for it at shutdown", isIntermittent: true) {
                    Issue.record("the app did not stop within 90 s of the start")
                }
            }
        }
    }

    static func cutAndRestore(proxy: CuttableTCPProxy, url proxied: String, configuration: TiffinConfiguration) async throws {
        try await withApp(url: proxied, configuration: configuration, mode: .live) { api, services in
            // Set up before the cut, while the app's background loops open their first connections
            // through the proxy on a machine the rest of the suite keeps busy: a setup step that
            // finds the pool still opening (5 s wait) is tried again; the outage is what is tested.
            var made: Fixture?
            for attempt in 1...3 where made == nil {
                do { made = try await Fixture.make(services) } catch is DatabaseUnavailable where attempt < 3 {}
            }
            let f = try #require(made)
            let customer = try await services.accounts.logIn(email: f.customer.email, password: "correct horse").token
            let courier = try await services.accounts.logIn(email: f.courier.email, password: "correct horse").token
            let first = try await Self.place(api, f, token: customer).reply
            #expect(first.status == .created, "\(first.status) \(String(decoding: first.body, as: UTF8.self))")
            // What the customer looked at before the outage.
            #expect(try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)/menu").status == .ok)
            #expect(try await api.call(.get, "/v1/me", token: customer).status == .ok)
            #expect(try await api.call(.post, "/v1/courier/online", token: courier, json: "{}").status == .ok)

            proxy.cut()
            let cutAt = ContinuousClock.now
            defer { testLogger.notice("outage test: the cut lasted \(ContinuousClock.now - cutAt)") }
            for _ in 0..<3 {
                let (reply, seconds) = try await Self.place(api, f, token: customer)
                #expect(reply.status == .serviceUnavailable && reply.isProblem, "\(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
                #expect(reply.string("type") == "https://tiffin.dev/problems/database-unavailable")
                #expect(reply.headers[.retryAfter] != nil)
                #expect(seconds < 12, "answered within the connection wait (5 s here, twice in a placement), not hung: \(seconds) s")
            }
            // Browse answers from memory, signed-in reads from the sessions already read, a
            // courier's fix is kept in memory; readiness says the truth.
            #expect(try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010").status == .ok)
            #expect(try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)/menu").status == .ok)
            #expect(try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)").status == .ok)
            #expect(try await api.call(.get, "/v1/me", token: customer).status != .unauthorized, "a signed-in customer is not signed out by the outage")
            let fix = try await api.call(.post, "/v1/courier/location", token: courier, json: #"{"location":{"lat":52.531,"lon":13.401}}"#)
            #expect(fix.status == .ok, "\(fix.status) \(String(decoding: fix.body, as: UTF8.self))")
            #expect(try await api.call(.get, "/ready").status == .serviceUnavailable)
            #expect(try await api.call(.get, "/health").status == .ok)

            proxy.restore()
            let restored = ContinuousClock.now
            var recovered: Duration?
            var last = ""
            while recovered == nil && ContinuousClock.now - restored < .seconds(30) {
                let reply = try await Self.place(api, f, token: customer).reply
                if reply.status == .created { recovered = ContinuousClock.now - restored }
                last = "\(reply.status) \(String(decoding: reply.body, as: UTF8.self))"
            }
            // Known: when the connections are cut mid-statement (this proxy; not a server
            // stopping, which ends its sessions with a message first — scripts/bench-outage.sh
            // stops a real one under load and placement is confirmed again ~1.3 s after it
            // starts), PostgresNIO may never answer a statement in flight, and its pooled
            // connection is not given back. Under the whole suite's load enough are in flight
            // at the cut to exhaust the pool (docs/edge.md).
            await withKnownIssue("PostgresNIO keeps a connection cut mid-statement", isIntermittent: true) {
                #expect(recovered != nil, "placement works again without a restart, within 30 s; last answer: \(last)")
                guard recovered != nil else { return }
                #expect(try await api.call(.get, "/ready").status == .ok)
                // The fix taken during the outage is the courier's position.
                let status = try await api.call(.get, "/v1/courier/status", token: courier)
                #expect(((status.json["location"] as? [String: Any])?["lat"] as? Double) == 52.531)
            }
        }
    }

    static let chattr = ["/usr/bin/chattr", "/bin/chattr"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func immutable(_ on: Bool, _ paths: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(chattr))
        process.arguments = [on ? "+i" : "-i"] + paths
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chattr \(on ? "+i" : "-i")")
    }

    /// The SQLite file (and its write-ahead log) made unwritable under a running Tiffin:
    /// `chattr +i`, which binds root too (file modes do not), and an open descriptor as well.
    @Test(.enabled(if: getuid() == 0 && chattr != nil))
    func withTheSQLiteFileUnwritableCheckoutGets503BrowseGoesOnAndAllRecovers() async throws {
        try await withTestDatabaseURL(.sqlite) { url in
            let path = String(url.dropFirst("sqlite://".count))
            try await withApp(url: url, configuration: testConfiguration(databaseURL: url), mode: .live) { api, services in
                let f = try await Fixture.make(services)
                let customer = try await services.accounts.logIn(email: f.customer.email, password: "correct horse").token
                #expect(try await Self.place(api, f, token: customer).reply.status == .created)
                #expect(try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)/menu").status == .ok)

                try Self.immutable(true, [path, path + "-wal"])
                defer { try? Self.immutable(false, [path, path + "-wal"]) }
                let (reply, _) = try await Self.place(api, f, token: customer)
                #expect(reply.status == .serviceUnavailable && reply.string("type") == "https://tiffin.dev/problems/database-unavailable",
                    "\(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
                #expect(try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010").status == .ok)
                #expect(try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)/menu").status == .ok)

                try Self.immutable(false, [path, path + "-wal"])
                let recovered = try await eventually { () -> Bool? in
                    try await Self.place(api, f, token: customer).reply.status == .created ? true : nil
                }
                #expect(recovered == true, "placement works again without a restart")
            }
        }
    }

    /// A provider that fails every authorisation until it is healed, counting the calls.
    final class FlakyProvider: ForwardingPaymentProvider, Sendable {
        let base: any PaymentProvider
        let state = Mutex<(failing: Bool, calls: Int)>((true, 0))
        init(_ base: any PaymentProvider) { self.base = base }
        var calls: Int { state.withLock { $0.calls } }
        func heal() { state.withLock { $0.failing = false } }

        func authorize(amount: Money, card: String, idempotencyKey: String) async throws -> ProviderAuthorization {
            let failing = state.withLock { state in
                state.calls += 1
                return state.failing
            }
            if failing { throw URLError(.cannotConnectToHost) }
            return try await base.authorize(amount: amount, card: card, idempotencyKey: idempotencyKey)
        }
    }

    @Test func thePaymentBreakerOpensAfterFiveFailuresFailsCheckoutFastAndClosesAfterATrial() async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(.sqlite, migrations: allMigrations) { database in
            let configuration = testConfiguration(databaseURL: "sqlite::memory:")
            let sandbox = SandboxPaymentProvider(database: database, clock: clock)
            let provider = FlakyProvider(sandbox)
            let services = buildServices(configuration: configuration, database: database, clock: clock, logger: testLogger, paymentProvider: provider)
            let app = buildApplication(services: services, configuration: configuration, logger: testLogger)
            try await app.test(.router) { client in
                let api = APIClient(client: client)
                let f = try await Fixture.make(services)
                let customer = try await services.accounts.logIn(email: f.customer.email, password: "correct horse").token
                let operatorToken = try await services.accounts.logIn(email: f.operatorAccount.email, password: "correct horse").token
                func breakerGauge() async throws -> Double? {
                    let metrics = String(decoding: try await api.call(.get, "/metrics", token: operatorToken).body, as: UTF8.self)
                    return metrics.split(separator: "\n").first { $0.hasPrefix(#"tiffin_circuit_breaker_state{destination="payments"}"#) }
                        .flatMap { Double($0.split(separator: " ").last ?? "") }
                }
                for _ in 0..<5 {
                    let reply = try await Self.place(api, f, token: customer).reply
                    #expect(reply.status == .serviceUnavailable && reply.string("state") == "payment_failed", "the provider was asked, and failed")
                }
                #expect(provider.calls == 5)
                // The registry is one per process and other tests' breakers record the same
                // series: the state is checked on the service, the series' presence on /metrics.
                #expect(services.payments.unavailableFor() != nil, "open")
                #expect(try await breakerGauge() != nil)
                let fast = try await Self.place(api, f, token: customer).reply
                #expect(fast.status == .serviceUnavailable && fast.string("title") == "Payment service unavailable")
                #expect(fast.string("detail")?.contains("no order was made") == true && fast.headers[.retryAfter] == "10")
                #expect(provider.calls == 5, "while open the provider is not asked")
                let orders = try await api.call(.get, "/v1/orders", token: customer)
                #expect((orders.json["orders"] as? [Any])?.count == 5, "and no order is written")

                provider.heal()
                clock.advance(by: 11)
                #expect(try await Self.place(api, f, token: customer).reply.status == .created, "the half-open trial goes through")
                #expect(provider.calls == 6)
                #expect(services.payments.unavailableFor() == nil, "closed again")
            }
        }
    }
}
