import Foundation
public import Logging
public import SQLKit
public import ServiceLifecycle

/// Which engine a `Database` talks to. Dialect differences live in migrations and in a few
/// named places that switch on this.
public enum DatabaseKind: String, Sendable {
    case sqlite
    case postgres
}

/// The one way domains reach their tables.
///
/// All writes go through `transaction`: on SQLite a single writer connection is serialized by a
/// lock held from `BEGIN IMMEDIATE` to `COMMIT`, so a statement issued outside a transaction could
/// land inside someone else's. `read` is for queries only. Neither method retries: a failed
/// transaction has been rolled back and its error is rethrown unchanged.
public protocol Database: Service, Sendable {
    var kind: DatabaseKind { get }
    var logger: Logger { get }

    /// Runs read-only work outside any transaction.
    func read<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `body`, which must issue exactly one statement, committed on its own: on PostgreSQL
    /// without `BEGIN`/`COMMIT` round trips; on SQLite like `transaction`.
    func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Closes connections. Called once, at shutdown (and by tests).
    func close() async throws

    /// Messages between the instances sharing this database, when it has a way to carry them
    /// (PostgreSQL's LISTEN/NOTIFY); nil when one process owns it (SQLite).
    var clusterChannel: (any ClusterChannel)? { get }
}

/// Where the database is, parsed from `TIFFIN_DATABASE_URL` / `--database`.
public enum DatabaseLocation: Sendable, Equatable {
    case sqliteFile(path: String)
    case sqliteMemory
    case postgres(PostgresLocation)

    /// Accepts `sqlite:///absolute/path.sqlite`, `sqlite://relative.sqlite`, `sqlite::memory:`, a bare
    /// file path ending in `.sqlite`/`.db`, and `postgres://user:password@host:port/database?sslmode=…`.
    public init(url: String) throws {
        if url == "sqlite::memory:" || url == ":memory:" {
            self = .sqliteMemory
        } else if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw DatabaseConfigurationError(reason: "sqlite URL has no file path: \(url)") }
            self = .sqliteFile(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: url))
        } else if url.hasSuffix(".sqlite") || url.hasSuffix(".db") {
            self = .sqliteFile(path: url)
        } else {
            throw DatabaseConfigurationError(reason: "unsupported database URL '\(url)': use postgres://… or sqlite://PATH")
        }
    }

    public var kind: DatabaseKind {
        switch self {
        case .sqliteFile, .sqliteMemory: .sqlite
        case .postgres: .postgres
        }
    }
}

public struct PostgresLocation: Sendable, Equatable {
    public enum TLSMode: String, Sendable { case disable, prefer, require }
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw DatabaseConfigurationError(reason: "malformed PostgreSQL URL (expected postgres://user:password@host:port/database)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user ?? "postgres"
        self.password = components.password?.removingPercentEncoding ?? components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.username : path
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard let tls = TLSMode(rawValue: mode) else {
            throw DatabaseConfigurationError(reason: "unsupported sslmode '\(mode)' (disable, prefer or require)")
        }
        self.tls = tls
    }

    /// The same server, another database on it.
    public func with(database: String) -> PostgresLocation {
        var copy = self
        copy.database = database
        return copy
    }
}

public struct DatabaseConfigurationError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "TIFFIN_DATABASE_URL: \(reason)" }
}

/// Opens the database a location names.
/// `connectionWait`: how long a call on PostgreSQL waits for a pooled connection before it fails
/// as `DatabaseUnavailable`.
public func openDatabase(_ location: DatabaseLocation, logger: Logger, connectionWait: Duration = .seconds(2)) async throws -> any Database {
    switch location {
    case .sqliteFile(let path): try await SQLiteStorage.open(path: path, logger: logger)
    case .sqliteMemory: try await SQLiteStorage.open(path: nil, logger: logger)
    case .postgres(let pg): PostgresStorage(location: pg, logger: logger, connectionWait: connectionWait)
    }
}

extension Database {
    /// Deletes in bounded slices, each its own transaction, until a slice comes back short (or the
    /// task is cancelled): `slice` deletes at most `size` rows and returns how many. A long
    /// retention pass never holds the database in one long transaction. Returns the total.
    public func deleteInSlices(of size: Int, _ slice: @escaping @Sendable (any SQLDatabase, Int) async throws -> Int) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let deleted = try await transaction { db in try await slice(db, size) }
            total += deleted
            if deleted < size { break }
        }
        return total
    }
}

extension SQLDatabase {
    /// On PostgreSQL, takes a transaction-scoped advisory lock named `name` (FNV-1a of it as
    /// the key), so transactions that check and then write the same thing run one at a time
    /// across instances. On SQLite it does nothing: write transactions already run one at a time.
    public func lockForTransaction(_ name: String, kind: DatabaseKind) async throws {
        guard kind == .postgres else { return }
        try await raw("SELECT pg_advisory_xact_lock(\(bind: advisoryLockKey(name)))").run()
    }

    /// For the rest of the transaction, no bitmap scans (PostgreSQL): for reads of a queue
    /// table's open rows, whose rows leave the partial index within milliseconds. A bitmap scan
    /// never marks an index entry dead, so each poll re-read every row settled since the last
    /// vacuum (10,035 entries and 628 heap pages, 1.8 ms a poll, 15 s into a placement run, and
    /// growing until autovacuum came); a plain index scan marks them as it passes, and the next
    /// poll skips them. The planner picks the bitmap scan because its statistics, taken when
    /// the queue was short, promise a few rows.
    public func preferIndexScans(kind: DatabaseKind) async throws {
        guard kind == .postgres else { return }
        try await raw("SELECT set_config('enable_bitmapscan', 'off', true)").run()
    }
}

/// A stable 64-bit key of `name` (FNV-1a): PostgreSQL's advisory locks, and ids that must be the
/// same in every instance (an SLO alert's aggregate).
public func advisoryLockKey(_ name: String) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return Int64(bitPattern: hash)
}
