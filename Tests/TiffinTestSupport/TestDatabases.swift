import Foundation
import Logging
// SQLKit comes with Storage (its public API is written in SQLKit types); needed here for `raw`.
import SQLKit
public import Storage
import Testing

/// The engines a storage test can run on.
public enum TestDatabaseKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}

/// The PostgreSQL server the tests may use, named by `TIFFIN_TEST_DATABASE_URL`
/// (`postgres://user:password@host:port/database`; the user needs CREATEDB).
/// `scripts/with-postgres.sh swift test` starts a throw-away server and sets it.
public enum TestPostgres {
    public static let environmentVariable = "TIFFIN_TEST_DATABASE_URL"

    /// The server URL from TIFFIN_TEST_DATABASE_URL, or nil.
    public static var url: String? {
        guard
            let value = ProcessInfo.processInfo.environment[environmentVariable]?
                .trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else { return nil }
        return value
    }

    public static var isConfigured: Bool { url != nil }

    /// True when running in CI (env CI=true): then PostgreSQL must be configured.
    public static var isRequired: Bool {
        switch ProcessInfo.processInfo.environment["CI"]?.lowercased() {
        case "true", "1", "yes": true
        default: false
        }
    }
}

extension TestDatabaseKind {
    /// Both engines — use as Swift Testing arguments. Without a PostgreSQL server the PostgreSQL
    /// case of each test is cancelled at its start (`requirePostgres()`), so the run reports it
    /// as skipped rather than leaving it out; in CI (CI=true) it fails instead, saying why.
    public static var available: [TestDatabaseKind] { [.sqlite, .postgres] }
}

/// Skips the current test case (reported as cancelled, with the reason) when PostgreSQL is not
/// configured and not required.
/// The console reporter does not print cancelled cases, so each says so itself on standard error.
func requirePostgres() throws {
    guard !TestPostgres.isConfigured, !TestPostgres.isRequired else { return }
    let reason = "PostgreSQL case skipped: set \(TestPostgres.environmentVariable) or run scripts/with-postgres.sh swift test"
    FileHandle.standardError.write(Data("➜ Test \(Test.current?.name ?? "?") (kind → postgres) skipped: \"\(reason)\"\n".utf8))
    try Test.cancel(Comment(rawValue: reason))
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
}

/// Runs `body` with a fresh, migrated database of `kind` and always cleans up:
/// SQLite: a private in-memory database (closed afterwards).
/// PostgreSQL: a new database `tiffin_test_<random hex>` on the configured server, served by a
/// `PostgresStorage` whose `run()` is driven by a child task for the duration; afterwards the run
/// task is cancelled and awaited and the database dropped (`WITH (FORCE)`).
/// Throws if kind == .postgres and the server is not configured.
public func withTestDatabase<R: Sendable>(
    _ kind: TestDatabaseKind,
    migrations: [Migration],
    isolation: isolated (any Actor)? = #isolation,
    _ body: (any Database) async throws -> R
) async throws -> R {
    let logger = TestDatabases.logger
    switch kind {
    case .sqlite:
        let database = try await SQLiteStorage.open(path: nil, logger: logger)
        // Closed in a task of its own, so a test that was cancelled still closes it.
        let close = { await Task { try await database.close() }.result }
        let result: R
        do {
            try await Migrator(database: database, migrations: migrations).migrate()
            result = try await body(database)
        } catch {
            _ = await close()
            throw error
        }
        try await close().get()
        return result

    case .postgres:
        try requirePostgres()
        return try await TestDatabases.withFreshPostgresDatabase(logger: logger) { location, _ in
            try await TestDatabases.withRunningPostgres(location, logger: logger) { database in
                try await Migrator(database: database, migrations: migrations).migrate()
                return try await body(database)
            }
        }
    }
}

/// Like `withTestDatabase` but without running migrations, handing `body` the database URL, for
/// tests that start the whole app with a database URL.
/// SQLite: `sqlite://<absolute path>` of a fresh file under the temporary directory (the file and
/// its -wal/-shm/-journal companions are removed afterwards).
/// PostgreSQL: the configured server's URL naming a fresh database (dropped afterwards).
public func withTestDatabaseURL<R: Sendable>(
    _ kind: TestDatabaseKind,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (String) async throws -> R
) async throws -> R {
    switch kind {
    case .sqlite:
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tiffin-test-\(TestDatabases.randomHex()).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        return try await body("sqlite://" + path)

    case .postgres:
        try requirePostgres()
        return try await TestDatabases.withFreshPostgresDatabase(logger: TestDatabases.logger) { _, url in
            try await body(url)
        }
    }
}

/// Drops the PostgreSQL test database `url` names while it is in use, as a dead server would
/// leave a client: every connection to it is cut and new ones are refused.
public func dropPostgresDatabase(url: String) async throws {
    let location = try PostgresLocation(url: url)
    let server = try TestDatabases.configuredServer().location
    try await TestDatabases.withAdmin(server, logger: TestDatabases.logger) { admin in
        try await admin.read { sql in try await sql.raw("DROP DATABASE IF EXISTS \(ident: location.database) WITH (FORCE)").run() }
    }
}

enum TestDatabases {
    /// "tiffin.test" at .warning, through whatever `LoggingSystem` was bootstrapped (stderr by default).
    static let logger: Logger = {
        let handler = Logger(label: "tiffin.test").handler
        var logger = Logger(label: "tiffin.test", factory: { _ in WithoutLeaseBeforeRunWarning(base: handler) })
        logger.logLevel = .warning
        return logger
    }()

    static func randomHex() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The configured server, or an error explaining how to configure one.
    static func configuredServer() throws -> (url: String, location: PostgresLocation) {
        guard let url = TestPostgres.url else {
            throw TestDatabaseError(
                description: """
                    PostgreSQL tests need \(TestPostgres.environmentVariable)=postgres://user:password@host:port/database \
                    (a user with CREATEDB)\(TestPostgres.isRequired ? ", and CI=true requires them" : ""); \
                    run `scripts/with-postgres.sh swift test` to get a throw-away server
                    """)
        }
        return (url, try PostgresLocation(url: url))
    }

    /// `url` with its database (path) replaced, credentials and query (sslmode) kept.
    static func url(_ url: String, database: String) throws -> String {
        guard var components = URLComponents(string: url) else {
            throw TestDatabaseError(description: "malformed \(TestPostgres.environmentVariable)")
        }
        components.path = "/" + database
        guard let result = components.string else {
            throw TestDatabaseError(description: "cannot build a URL for database \(database)")
        }
        return result
    }

    /// Creates `tiffin_test_<hex>` on the configured server, runs `body` with its location and URL,
    /// then drops it, whether `body` returned or threw (and even if the task was cancelled).
    static func withFreshPostgresDatabase<R: Sendable>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresLocation, String) async throws -> R
    ) async throws -> R {
        let server = try configuredServer()
        let name = "tiffin_test_\(randomHex())"
        let databaseURL = try url(server.url, database: name)
        do {
            try await withAdmin(server.location, logger: logger) { admin in
                try await admin.read { sql in try await sql.raw("CREATE DATABASE \(ident: name)").run() }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let location = server.location
            throw TestDatabaseError(
                description: """
                    could not create test database \(name) on \(location.host):\(location.port) as \(location.username) \
                    (\(TestPostgres.environmentVariable); the server must be up and the user must have CREATEDB): \
                    \(String(reflecting: error))
                    """)
        }
        let result: R
        do {
            result = try await body(server.location.with(database: name), databaseURL)
        } catch {
            await drop(name, on: server.location, logger: logger)
            throw error
        }
        await drop(name, on: server.location, logger: logger)
        return result
    }

    /// Drops a test database, forcibly disconnecting leftovers. Runs in its own task so that a
    /// cancelled test still cleans up; failures are logged, not thrown.
    static func drop(_ name: String, on server: PostgresLocation, logger: Logger) async {
        let cleanup = Task {
            try await withAdmin(server, logger: logger) { admin in
                try await admin.read { sql in
                    try await sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
                }
            }
        }
        do {
            try await cleanup.value
        } catch {
            logger.error("could not drop test database", metadata: ["database": "\(name)", "error": "\(String(reflecting: error))"])
        }
    }

    /// A one-connection client to the server's own database (the URL's), for CREATE/DROP DATABASE.
    static func withAdmin<R: Sendable>(
        _ server: PostgresLocation,
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresStorage) async throws -> R
    ) async throws -> R {
        try await withRunningPostgres(server, logger: logger, maximumConnections: 1, body)
    }

    /// A `PostgresStorage` on `location` whose `run()` is driven by a child task while `body` runs;
    /// on every exit path the storage is closed and the run task cancelled and awaited (which
    /// closes the pool's connections).
    static func withRunningPostgres<R: Sendable>(
        _ location: PostgresLocation,
        logger: Logger,
        maximumConnections: Int = 10,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresStorage) async throws -> R
    ) async throws -> R {
        // A loaded test machine may take seconds to hand out a connection: the tests of the
        // outage itself set a short wait of their own.
        let storage = PostgresStorage(location: location, logger: logger, maximumConnections: maximumConnections, connectionWait: .seconds(30))
        return try await withThrowingTaskGroup(of: Void.self, returning: R.self) { group in
            group.addTask { try await storage.run() }
            let result: Result<R, any Error>
            do {
                result = .success(try await body(storage))
            } catch {
                result = .failure(error)
            }
            try? await storage.close()
            group.cancelAll()
            while !group.isEmpty {
                _ = try? await group.next()
            }
            return try result.get()
        }
    }
}

/// Forwards everything except PostgresNIO's "Trying to lease connection from `PostgresClient`, but
/// `PostgresClient.run()` hasn't been called yet" warning. The run task is started just before the
/// first query, which may get to the pool first; the pool queues that lease until `run()` starts,
/// so the warning is a harmless race here, and it would otherwise appear in almost every test.
struct WithoutLeaseBeforeRunWarning: LogHandler {
    var base: any LogHandler

    func log(event: LogEvent) {
        if event.level == .warning,
            event.message.description.hasPrefix("Trying to lease connection from `PostgresClient`, but")
        {
            return
        }
        base.log(event: event)
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
}
