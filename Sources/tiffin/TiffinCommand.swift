import ArgumentParser
import Hummingbird
import Logging
import Storage
import TiffinApp

@main
struct TiffinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiffin",
        abstract: "Tiffin: an open-source food-delivery platform.",
        discussion: """
            Configuration comes from TIFFIN_* environment variables (TIFFIN_PORT, TIFFIN_DATABASE_URL, TIFFIN_DEMO, …); \
            flags override them. Without TIFFIN_DATABASE_URL, Tiffin uses an embedded SQLite file in ./tiffin-data.
            """,
        subcommands: [Serve.self, Migrate.self, PrintDiagrams.self, PrintRoutes.self],
        defaultSubcommand: Serve.self)
}

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Database URL: postgres://user:password@host:port/database or sqlite://PATH (overrides TIFFIN_DATABASE_URL).")
    var database: String?

    func configuration() throws -> TiffinConfiguration {
        var configuration = try TiffinConfiguration.fromEnvironment()
        if let database { configuration.databaseURL = database }
        try configuration.validate()
        return configuration
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

    func run() async throws {
        var configuration = try common.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if noDemo { configuration.seedDemoCity = false }
        try configuration.validate()
        let app = try await buildApplication(configuration: configuration)
        try await app.runService()
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

struct PrintRoutes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "Print every route with the roles that may call it, as a Markdown table.")

    func run() {
        print(Diagrams.routes)
    }
}
