import ArgumentParser
import Core
import Foundation
import Hummingbird
import Logging
import Operations
import Storage
import TiffinApp
import TiffinBench
import Accounts
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@main
struct TiffinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiffin",
        abstract: "Tiffin: an open-source food-delivery platform.",
        discussion: """
            Configuration comes from TIFFIN_* environment variables (TIFFIN_PORT, TIFFIN_DATABASE_URL, TIFFIN_DEMO, …); \
            flags override them. Without TIFFIN_DATABASE_URL, Tiffin uses an embedded SQLite file in ./tiffin-data.
            """,
        subcommands: [
            Serve.self, Migrate.self, Operators.self, PrintDiagrams.self, PrintRoutes.self, SLOCommand.self, BenchCity.self, BenchDispatch.self, BenchLiveCity.self,
            BenchRelay.self,
        ],
        defaultSubcommand: Serve.self)
}

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Database URL: postgres://user:password@host:port/database or sqlite://PATH (overrides TIFFIN_DATABASE_URL).")
    var database: String?

    func configuration() throws -> TiffinConfiguration {
        try TiffinConfiguration.resolve(flags: .init(database: database))
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (migrates the schema and seeds the demo city first).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Address to listen on (overrides TIFFIN_HOST; default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (overrides TIFFIN_PORT; default 8080).")
    var port: Int?

    @Flag(name: .long, help: "Do not seed the demo city (overrides TIFFIN_DEMO).")
    var noDemo = false

    @Flag(name: .long, help: "Seed the demo city, even into PostgreSQL (overrides TIFFIN_DEMO). Its accounts share a published password.")
    var demo = false

    func run() async throws {
        if demo && noDemo { throw ArgumentParser.ValidationError("--demo and --no-demo contradict each other") }
        let configuration = try TiffinConfiguration.resolve(
            flags: .init(host: host, port: port, database: common.database, demo: demo ? true : (noDemo ? false : nil)))
        TiffinLogging.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        for key in configuration.unreadKeys {
            Logger(label: "tiffin").warning("setting ignored: no part of Tiffin reads it (misspelt?)", metadata: ["key": "\(key)"])
        }
        try await buildServiceGroup(configuration: configuration).run()
    }
}

struct Operators: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage operator accounts on the server.", subcommands: [CreateOperator.self])
}

struct CreateOperator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an operator account (the first one of a deployment, without the demo city).",
        discussion: """
            The password is read from TIFFIN_OPERATOR_PASSWORD, or asked for (twice, without echo) when it is unset; it is \
            never taken as a flag, so it stays out of shell history and process lists. The schema is migrated first.
            """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "The operator's email address.")
    var email: String

    @Option(name: .long, help: "The operator's name (default: the part of the email before @).")
    var name: String?

    func run() async throws {
        let configuration = try common.configuration()
        TiffinLogging.bootstrap(format: configuration.logFormat, level: .warning)
        let password: String
        if let fromEnvironment = ProcessInfo.processInfo.environment["TIFFIN_OPERATOR_PASSWORD"], !fromEnvironment.isEmpty {
            password = fromEnvironment
        } else {
            password = try Self.promptForPassword()
        }
        do {
            let account = try await createOperator(
                configuration: configuration, email: email, name: name ?? String(email.split(separator: "@").first ?? "Operator"),
                password: password, logger: TiffinLogging.logger(level: .warning))
            print("created operator \(account.email) (\(account.id))")
        } catch let error as any DomainError {
            throw ArgumentParser.ValidationError(error.problem.detail)
        }
    }

    /// Asks twice on the terminal without echo; reads one line when standard input is not a terminal.
    static func promptForPassword() throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ArgumentParser.ValidationError("no password: set TIFFIN_OPERATOR_PASSWORD or type it when asked")
            }
            return line
        }
        func ask(_ prompt: String) -> String {
            FileHandle.standardError.write(Data(prompt.utf8))
            var settings = termios()
            tcgetattr(STDIN_FILENO, &settings)
            var hidden = settings
            hidden.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &hidden)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &settings)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return readLine(strippingNewline: true) ?? ""
        }
        let first = ask("Password for the new operator: ")
        guard first == ask("Again: ") else { throw ArgumentParser.ValidationError("the two passwords differ") }
        return first
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema, then exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        var logger = Logger(label: "tiffin")
        logger.logLevel = configuration.logLevel
        let applied = try await migrateDatabase(configuration: configuration, logger: logger)
        print(applied.isEmpty ? "schema is up to date" : "applied \(applied.count) migrations: \(applied.joined(separator: ", "))")
    }
}

struct PrintDiagrams: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagrams", abstract: "Print the order and payment state machines as Mermaid, drawn from their transition tables.")

    func run() {
        print(Diagrams.markdown)
    }
}

struct SLOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slo", abstract: "The journeys' SLOs for tools outside Tiffin.", subcommands: [SLOExportCommand.self])
}

struct SLOExportCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case prometheus, openslo
    }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print Prometheus recording and alerting rules (the same windows, factors and guard as Tiffin's own alerts) or OpenSLO documents.")

    @Option(help: "prometheus (rules over tiffin_journey_events_total) or openslo")
    var format: Format = .prometheus

    func run() {
        switch format {
        case .prometheus: print(SLOExport.prometheusRules(), terminator: "")
        case .openslo: print(SLOExport.openSLO(), terminator: "")
        }
    }
}

struct PrintRoutes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "Print every route with the roles that may call it, as a Markdown table.")

    func run() {
        print(Diagrams.routes)
    }
}

struct BenchCity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-city",
        abstract: "Insert a generated city of restaurants (no menus, no accounts) for benchmarks of search at scale.",
        shouldDisplay: false)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "How many restaurants to generate.")
    var restaurants = 100_000

    func validate() throws {
        guard (1...10_000_000).contains(restaurants) else { throw ArgumentParser.ValidationError("--restaurants must be between 1 and 10000000") }
    }

    func run() async throws {
        let configuration = try common.configuration()
        TiffinLogging.bootstrap(format: configuration.logFormat, level: .warning)
        let total = try await seedSyntheticCity(configuration: configuration, count: restaurants, logger: TiffinLogging.logger(level: .warning))
        print("the database has \(total) restaurants")
    }
}

struct BenchLiveCity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-live-city",
        abstract: "Build a city at its dinner peak (every order picked up) and sign everyone in, for the push-latency benchmark.",
        shouldDisplay: false)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Customers, each with one order being carried.") var customers = 1_000
    @Option(name: .long, help: "Orders each courier carries (a bundle).") var ordersPerCourier = 3
    @Option(name: .long, help: "Restaurants.") var restaurants = 100
    @Option(name: .long, help: "Write couriers.txt (a bearer token per line) and watchers.txt (token and order id per line) here.")
    var out: String

    func validate() throws {
        guard (1...100_000).contains(customers), (1...3).contains(ordersPerCourier), (1...10_000).contains(restaurants) else {
            throw ArgumentParser.ValidationError("--customers 1…100000, --orders-per-courier 1…3, --restaurants 1…10000")
        }
    }

    func run() async throws {
        let configuration = try common.configuration()
        TiffinLogging.bootstrap(format: configuration.logFormat, level: .warning)
        let parties = try await LiveBenchCity(customers: customers, ordersPerCourier: ordersPerCourier, restaurants: restaurants, concurrency: 32)
            .seed(configuration: configuration, logger: TiffinLogging.logger(level: .warning))
        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try parties.couriers.map { $0 + "\n" }.joined().write(to: directory.appendingPathComponent("couriers.txt"), atomically: true, encoding: .utf8)
        try parties.watchers.map { "\($0.token) \($0.orderID.uuidString)\n" }.joined()
            .write(to: directory.appendingPathComponent("watchers.txt"), atomically: true, encoding: .utf8)
        print("bench city: \(parties.watchers.count) orders picked up by \(parties.couriers.count) couriers")
    }
}

struct BenchRelay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-relay",
        abstract: "Time the outbox relay draining a city's backlog, and notification delay under load (for scripts/bench-relay.sh).",
        shouldDisplay: false)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Orders taken to picked-up (their events are the backlog), then delivered under load.") var orders = 2_000
    @Option(name: .long, help: "Deliveries per second in the load phase.") var rate = 100

    func validate() throws {
        guard (3...100_000).contains(orders), (1...10_000).contains(rate) else {
            throw ArgumentParser.ValidationError("--orders 3…100000, --rate 1…10000")
        }
    }

    func run() async throws {
        let configuration = try common.configuration()
        TiffinLogging.bootstrap(format: configuration.logFormat, level: .warning)
        let r = try await RelayBench(orders: orders, rate: rate).run(configuration: configuration, logger: TiffinLogging.logger(level: .warning))
        func percentile(_ p: Double) -> Double { r.delays.isEmpty ? .nan : r.delays[min(r.delays.count - 1, Int(Double(r.delays.count) * p))] }
        let written = Double(r.written) / r.writeSeconds
        let relayed = Double(r.written) / r.relaySeconds
        print(
            String(format: "written: %d events in %.2f s = %.0f events/s (reference: the services writing them)", r.written, r.writeSeconds, written))
        print(
            String(
                format: "relayed: %d events, %d deliveries in %.2f s = %.0f events/s, %.0f deliveries/s (%.2f× the write rate)", r.written,
                r.deliveries, r.relaySeconds, relayed, Double(r.deliveries) / r.relaySeconds, relayed / written))
        print(
            String(
                format: "push delay: %d of %d delivered orders at %.0f/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms", r.delays.count, orders,
                Double(orders) / r.loadSeconds, percentile(0.5), percentile(0.99), r.delays.last ?? .nan))
    }
}
