import Accounts
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Synchronization
import Testing
import TiffinHTTP
import TiffinTestSupport
import Catalog
import Events
import Ordering
import Payments
import Notifications
import Outbound
import Dispatching
import Live

@testable import TiffinApp

/// What the people who run Tiffin rely on: the command line, readiness, metrics and logs.
@Suite("Running Tiffin")
struct OperationsTests {
    @Test(arguments: TestDatabaseKind.available)
    func migrateAndCreateTheFirstOperatorWithoutTheDemo(kind: TestDatabaseKind) async throws {
        try await withTestDatabaseURL(kind) { url in
            var configuration = testConfiguration(databaseURL: url)
            configuration.seedDemoCity = nil
            #expect(try await migrateDatabase(configuration: configuration, logger: testLogger).count == allMigrations.count)
            #expect(try await migrateDatabase(configuration: configuration, logger: testLogger).isEmpty, "a second run changes nothing")
            let created = try await createOperator(
                configuration: configuration, email: "Root@Example.com", name: "Root", password: "a long passphrase", logger: testLogger)
            #expect(created.role == .operator && created.email == "root@example.com")
            await #expect(throws: AccountError.emailTaken("root@example.com")) {
                try await createOperator(
                    configuration: configuration, email: "root@example.com", name: "Root", password: "another one!", logger: testLogger)
            }
            await #expect(throws: ValidationError.self) {
                try await createOperator(configuration: configuration, email: "ops@example.com", name: "Ops", password: "short", logger: testLogger)
            }
            // The operator can sign in to the running app, and nothing of the demo is there.
            try await withApp(url: url, configuration: configuration) { api, services in
                let login = try await api.call(.post, "/v1/auth/login", json: #"{"email":"root@example.com","password":"a long passphrase"}"#)
                #expect(login.status == .ok && (login.json["account"] as? [String: Any])?["role"] as? String == "operator")
                #expect(try await services.accounts.exists(email: "operator@tiffin.demo") == (kind == .sqlite))
            }
        }
    }

    /// The built `tiffin` binary, when the build made one next to the tests.
    static var binary: URL? {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("tiffin")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try #require(binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: binary != nil, "the tiffin binary is built by `swift build`"))
    func theCommandLineCreatesOperatorsWithThePasswordFromTheEnvironmentOrStandardInputNeverAFlag() async throws {
        try await withTestDatabaseURL(.sqlite) { url in
            let fromEnvironment = try Self.run(
                ["operators", "create", "--email", "env@example.com", "--database", url],
                environment: ["TIFFIN_OPERATOR_PASSWORD": "a long passphrase", "TIFFIN_BCRYPT_COST": "4"])
            #expect(fromEnvironment.status == 0 && fromEnvironment.output.contains("created operator env@example.com"), "\(fromEnvironment.output)")
            let fromInput = try Self.run(
                ["operators", "create", "--email", "stdin@example.com", "--database", url], environment: ["TIFFIN_BCRYPT_COST": "4"],
                input: "another passphrase\n")
            #expect(fromInput.status == 0, "\(fromInput.output)")
            let taken = try Self.run(
                ["operators", "create", "--email", "env@example.com", "--database", url], environment: ["TIFFIN_OPERATOR_PASSWORD": "whatever it is"])
            #expect(taken.status != 0 && taken.output.contains("already exists"), "\(taken.output)")
            let flag = try Self.run(["operators", "create", "--email", "x@example.com", "--password", "secret", "--database", url])
            #expect(flag.status != 0 && flag.output.contains("Unknown option '--password'"), "there is no password flag: \(flag.output)")
            let migrate = try Self.run(["migrate", "--database", url])
            #expect(migrate.status == 0 && migrate.output.contains("schema is up to date"), "\(migrate.output)")
            let badKey = try Self.run(["migrate"], environment: ["TIFFIN_DATABASE_URL": "mysql://nope"])
            #expect(badKey.status != 0 && badKey.output.contains("TIFFIN_DATABASE_URL"), "a bad value names its key: \(badKey.output)")
            // `serve` refuses to start on bad settings, naming every one (of several modules) at once.
            let bad = ["TIFFIN_PORT": "http", "TIFFIN_BCRYPT_COST": "99", "TIFFIN_DISPATCH_INTERVAL_MS": "soon", "TIFFIN_SMTP_HOST": "mail.example"]
            let refused = try Self.run(["serve", "--database", url], environment: bad)
            #expect(refused.status != 0, "\(refused.output)")
            for key in bad.keys.sorted() where key != "TIFFIN_SMTP_HOST" {
                #expect(refused.output.contains(key), "\(key) is named: \(refused.output)")
            }
            #expect(refused.output.contains("TIFFIN_SMTP_FROM"), "a key required by another is named: \(refused.output)")
        }
    }

    @Test func flagsOverrideTheEnvironmentWhichOverridesTheDefaults() throws {
        let defaults = try TiffinConfiguration.resolve(environment: [:], flags: .init())
        #expect(defaults.port == 8080 && defaults.host == "127.0.0.1" && defaults.databaseURL == "sqlite://tiffin-data/tiffin.sqlite")
        let environment = ["TIFFIN_PORT": "9000", "TIFFIN_HOST": "0.0.0.0", "TIFFIN_DEMO": "false", "TIFFIN_DATABASE_URL": "sqlite://env.sqlite"]
        let fromEnvironment = try TiffinConfiguration.resolve(environment: environment, flags: .init())
        #expect(fromEnvironment.port == 9000 && fromEnvironment.host == "0.0.0.0" && fromEnvironment.seedDemoCity == false)
        let flags = TiffinConfiguration.Flags(host: "127.0.0.2", port: 9100, database: "sqlite://flag.sqlite", demo: true)
        let fromFlags = try TiffinConfiguration.resolve(environment: environment, flags: flags)
        #expect(
            fromFlags.port == 9100 && fromFlags.host == "127.0.0.2" && fromFlags.databaseURL == "sqlite://flag.sqlite"
                && fromFlags.seedDemoCity == true)
        #expect(throws: TiffinConfiguration.Error.self) { try TiffinConfiguration.resolve(environment: ["TIFFIN_PORT": "http"], flags: .init()) }
        #expect(throws: TiffinConfiguration.Error.self) { try TiffinConfiguration.resolve(environment: [:], flags: .init(port: 70_000)) }
    }

    @Test func eachModuleReadsItsOwnKeysAndEveryBadOneIsReportedAtOnce() throws {
        let environment = [
            "TIFFIN_BCRYPT_COST": "5", "TIFFIN_ACCEPT_TIMEOUT_SECONDS": "120", "TIFFIN_PAYMENT_TIMEOUT_MS": "700",
            "TIFFIN_DISPATCH_INTERVAL_MS": "250", "TIFFIN_OUTBOX_POLL_MS": "30", "TIFFIN_STALE_AFTER_SECONDS": "9",
            "TIFFIN_WEBHOOK_DISABLE_AFTER_FAILURES": "7", "TIFFIN_ACTIVITY_RETENTION_DAYS": "2", "TIFFIN_DISPACH_INTERVAL_MS": "1",
        ]
        let read = try TiffinConfiguration.fromEnvironment(environment)
        #expect(read.accounts.bcryptCost == 5 && read.orders.acceptTimeout == 120 && read.payments.authorizationTimeout == .milliseconds(700))
        #expect(read.dispatch.roundInterval == .milliseconds(250) && read.dispatch.leaseDuration == 5 && read.dispatch.staleAfter == 9)
        #expect(read.relay.pollInterval == .milliseconds(30) && read.live.staleAfter == 9)
        #expect(read.notifications.webhookDeliveries.disableAfterFailures == 7 && read.notifications.activityRetention == 2 * 86_400)
        #expect(read.unreadKeys == ["TIFFIN_DISPACH_INTERVAL_MS"], "a misspelt key is told, not silently dropped")

        let bad = [
            "TIFFIN_PORT": "0", "TIFFIN_LOG_LEVEL": "loud", "TIFFIN_BCRYPT_COST": "3", "TIFFIN_ACCEPT_TIMEOUT_SECONDS": "-1",
            "TIFFIN_PAYMENT_TIMEOUT_MS": "fast", "TIFFIN_DISPATCH_INTERVAL_MS": "1e9", "TIFFIN_OUTBOX_POLL_MS": "1",
            "TIFFIN_STALE_AFTER_SECONDS": "never", "TIFFIN_WEBHOOKS_ALLOW_PRIVATE": "maybe", "TIFFIN_SMTP_HOST": "mail.example",
            "TIFFIN_SMTP_SECURITY": "plain",
        ]
        let error = try #require(throws: SettingsError.self) { try TiffinConfiguration.fromEnvironment(bad) }
        let expected = Set(bad.keys).subtracting(["TIFFIN_SMTP_HOST"]).union(["TIFFIN_SMTP_FROM"])
        #expect(Set(error.keys) == expected, "\(error)")
        #expect(error.problems.count == expected.count, "a key read by two modules (dispatch and live) is reported once: \(error)")

        // Credentials over a connection in clear: only when asked for by name.
        let clear = ["TIFFIN_SMTP_HOST": "relay.local", "TIFFIN_SMTP_FROM": "a@b.example", "TIFFIN_SMTP_SECURITY": "none", "TIFFIN_SMTP_USERNAME": "u"]
        let refused = try #require(throws: SettingsError.self) { try TiffinConfiguration.fromEnvironment(clear) }
        #expect(refused.keys == ["TIFFIN_SMTP_USERNAME"])
        let allowed = try TiffinConfiguration.fromEnvironment(clear.merging(["TIFFIN_SMTP_ALLOW_PLAINTEXT_AUTH": "true"]) { $1 })
        #expect(allowed.notifications.smtp?.allowPlaintextAuth == true)
        for key in expected { #expect(error.description.contains(key)) }
    }

    @Test(arguments: TestDatabaseKind.available)
    func readinessAnswers503WhenTheDatabaseIsGone(kind: TestDatabaseKind) async throws {
        try await withTestDatabaseURL(kind) { url in
            try await withApp(url: url, configuration: testConfiguration(databaseURL: url)) { api, services in
                #expect(try await api.call(.get, "/ready").status == .ok)
                switch kind {
                case .sqlite: try await services.database.close()
                case .postgres: try await dropPostgresDatabase(url: url)
                }
                let ready = try await api.call(.get, "/ready")
                #expect(ready.status == .serviceUnavailable && ready.isProblem && ready.headers[.retryAfter] == "5")
                #expect(try await api.call(.get, "/health").status == .ok, "the process is still up")
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aCourierWhoGoesOfflineIsNoLongerGivenOrders(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, services in
            let f = try await Fixture.make(services)
            let courier = try await services.accounts.logIn(email: f.courier.email, password: "correct horse")
            #expect(
                try await api.call(.post, "/v1/courier/online", token: courier.token, json: #"{"location":{"lat":52.53,"lon":13.40}}"#).json[
                    "isOnline"] as? Bool == true)
            let offline = try await api.call(.post, "/v1/courier/offline", token: courier.token)
            #expect(offline.status == .ok && offline.json["isOnline"] as? Bool == false)
            #expect(try await api.call(.get, "/v1/courier/status", token: courier.token).json["isOnline"] as? Bool == false)
            let order = try await services.orders.place(
                customerID: f.customer.id, idempotencyKey: "k", request: f.request(), card: "4242424242424242"
            ).order
            _ = try await services.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.staff.id, reason: nil)
            #expect(try await services.dispatchRound().isEmpty, "an offline courier is not matched")
        }
    }

    /// The sum of every sample whose line starts with `prefix` (a metric and some of its labels).
    static func sample(_ text: String, _ prefix: String) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test func metricsAreForOperatorsAndScrapersAndCoverRequestsAndTheBusiness() async throws {
        try await withApp(.sqlite, configure: { $0.metricsToken = "scrape-token-0123456789" }) { api, services in
            // The registry is one per process: what other tests recorded is there too, so this
            // test checks that its own work moved the counts, not only that they exist.
            func scrape() async throws -> String {
                String(decoding: try await api.call(.get, "/metrics", token: "scrape-token-0123456789").body, as: UTF8.self)
            }
            let before = try await scrape()
            let world = try await World.make(services)
            try await react(services)
            _ = try await services.orders.flagOrdersNeedingAttention()
            _ = try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010")
            #expect(try await api.call(.get, "/metrics").status == .unauthorized)
            #expect(try await api.call(.get, "/metrics", token: world.customerA.token).status == .forbidden)
            #expect(try await api.call(.get, "/metrics", token: "wrong-token-0123456789").status == .unauthorized)
            let scraped = try await api.call(.get, "/metrics", token: "scrape-token-0123456789")
            #expect(scraped.status == .ok && scraped.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(decoding: try await api.call(.get, "/metrics", token: world.operatorParty.token).body, as: UTF8.self)
            for metric in [
                #"hb_requests{http_route="/v1/restaurants/nearby""#, "http_server_request_duration_bucket", "tiffin_order_placement_seconds_bucket",
                "tiffin_payment_provider_seconds_bucket", #"tiffin_orders_active{status="accepted"}"#, "tiffin_outbox_lag_seconds_bucket",
                #"tiffin_order_transitions_total{to="confirmed"}"#,
            ] {
                #expect(text.contains(metric), "\(metric) is missing")
            }
            for counted in [
                #"hb_requests{http_route="/v1/restaurants/nearby""#, "tiffin_order_placement_seconds_count",
                #"tiffin_order_transitions_total{to="confirmed"}"#,
            ] {
                #expect(Self.sample(text, counted) > Self.sample(before, counted), "\(counted) did not count this test's work")
            }
        }
    }

    @Test func everyLogLineARequestCausesCarriesItsIDInTheServicesToo() async throws {
        let captured = CapturedLogs()
        var logger = Logger(label: "tiffin.test", factory: { _ in captured })
        logger.logLevel = .info
        try await withApp(.sqlite, logger: logger) { api, services in
            let f = try await Fixture.make(services)
            let customer = try await services.accounts.logIn(email: f.customer.email, password: "correct horse")
            let body = """
                {"restaurantID":"\(f.restaurant.id)","items":[{"itemID":"\(f.pizza.id)","quantity":2,"options":["\(f.small)"]}],
                 "deliveryLocation":{"lat":52.5296,"lon":13.4010},"deliveryAddress":"Weinbergsweg 1","payment":{"card":"4000000000000036"}}
                """
            let reply = try await api.call(.post, "/v1/orders", token: customer.token, json: body, headers: ["Idempotency-Key": "logged"])
            #expect(reply.status == .serviceUnavailable)
            let id = try #require(reply.headers[HTTPField.Name("X-Request-Id")!])
            let line = try #require(captured.events.first { $0.message.contains("payment provider unavailable") })
            #expect(line.metadata["request.id"] == id, "the payment service's log line names the request")
        }
    }
}

/// Keeps every log event, for tests that read what was logged.
final class CapturedLogs: LogHandler, @unchecked Sendable {
    struct Event: Sendable {
        let message: String
        let metadata: [String: String]
    }

    private let lock = NSLock()
    private var stored: [Event] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider? = RequestScope.metadataProvider

    var events: [Event] { lock.withLock { stored } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = (metadataProvider?.get() ?? [:]).mapValues { "\($0)" }
        for (key, value) in metadata { fields[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { fields[key] = "\(value)" }
        let captured = Event(message: event.message.description, metadata: fields)
        lock.withLock { stored.append(captured) }
    }
}
