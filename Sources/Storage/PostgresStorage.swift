import Core
import Foundation
public import Logging
import NIOSSL
import PostgresKit
public import PostgresNIO
public import SQLKit
import ServiceLifecycle

/// PostgreSQL through PostgresNIO's connection pool; each `read` or `transaction` leases one
/// connection for its duration. The client must be running (this type is a `Service`) before
/// any query can complete.
public final class PostgresStorage: Database {
    public let kind = DatabaseKind.postgres
    public let logger: Logger
    public let client: PostgresClient
    /// How long a call waits for a pooled connection before it fails with `DatabaseUnavailable`:
    /// with the server down, the pool keeps trying to connect and a call would otherwise wait for
    /// as long as the outage lasts.
    public let connectionWait: Duration

    public init(location: PostgresLocation, logger: Logger, maximumConnections: Int = 20, connectionWait: Duration = .seconds(2)) {
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(TLSConfiguration.makeClientConfiguration())
        case .require: tls = .require(TLSConfiguration.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username,
            password: location.password, database: location.database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        self.connectionWait = connectionWait
    }

    /// Runs `body` on a pooled connection. If the calling task is cancelled meanwhile, the call
    /// ends at once (`CancellationError`) and the connection is closed. PostgresNIO does not cancel
    /// a statement in flight, and one sent on a session the server is ending (a dropped database,
    /// a terminated backend, a server going down) may never be answered, not even once its
    /// connection is closed (tests/DomainTests/PostgresOutageTests): so the statement runs in a
    /// task of its own (`untilCancelled`) that a cancelled caller — a request past its deadline,
    /// a service the shutdown gave up waiting for — does not wait for. The server rolls back
    /// whatever the closed session had not committed.
    ///
    /// No connection within `connectionWait`, or a connection that fails (the server down,
    /// shutting down, unreachable), ends the call with `DatabaseUnavailable`: the request gets a
    /// 503 within its deadline, and the pool keeps trying to connect, so the next call after the
    /// server is back succeeds without a restart.
    func withConnection<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        let client = self.client
        do {
            return try await untilCancelled(startingWithin: connectionWait) { started in
                try await client.withConnection { connection in
                    started()
                    return try await withTaskCancellationHandler {
                        try await body(connection)
                    } onCancel: {
                        _ = connection.close() as EventLoopFuture<Void>
                    }
                }
            }
        } catch let waited as DeadlineExceeded {
            throw DatabaseUnavailable(reason: "no connection came free within \(waited.limit)")
        } catch where !(error is DatabaseUnavailable) && DatabaseUnavailable.isOutage(error) {
            logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw DatabaseUnavailable(reason: "\(error)")
        }
    }

    public func read<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    public func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        // Not `PostgresClient.withTransaction`: it wraps the closure's error, and domain errors must
        // reach the HTTP edge unchanged.
        try await withConnection { connection in
            let sql = connection.sql(queryLogLevel: nil)
            try await sql.raw("BEGIN").run()
            do {
                let result = try await body(sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                // A session the server ended (or a connection that failed) has nothing to roll
                // back, and a statement sent on it may never be answered.
                if Self.sessionOutlives(error) {
                    do { try await sql.raw("ROLLBACK").run() } catch {
                        self.logger.error("rollback failed", metadata: ["error": "\(error)"])
                    }
                }
                throw error
            }
        }
    }

    /// Drives the pool until graceful shutdown (or cancellation), then cancels it: it fails the
    /// queries still waiting for a connection and closes its connections. It is the first service
    /// of an instance, so it stops last, once nothing else needs it.
    public func run() async throws {
        let client = self.client
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    public func close() async throws {}

    /// Whether the session survives `error` and so still holds the transaction that must be rolled
    /// back before its connection goes back to the pool. Not after a FATAL error (the server ended
    /// the session, and with it the transaction: a dropped database, an administrator's
    /// termination) nor after the connection itself failed or closed.
    static func sessionOutlives(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return true }
        switch error.code {
        case .server:
            let severity = error.serverInfo?[.severity]
            return severity != "FATAL" && severity != "PANIC"
        case .clientClosedConnection, .serverClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return false
        default:
            return true
        }
    }
}

/// Messages between the instances sharing a database: PostgreSQL's LISTEN/NOTIFY.
public protocol ClusterChannel: Sendable {
    /// Calls `handle` with each payload notified on `channel`, until it answers false or the
    /// connection fails.
    func listen(_ channel: String, _ handle: @escaping @Sendable (String) async -> Bool) async throws
    /// Notifies each payload (at most ~7,900 bytes each) on `channel`, in one round trip.
    func notify(_ channel: String, payloads: [String]) async throws
}

extension PostgresStorage: ClusterChannel {
    public var clusterChannel: (any ClusterChannel)? { self }

    public func listen(_ channel: String, _ handle: @escaping @Sendable (String) async -> Bool) async throws {
        try await withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                for try await notification in notifications where !(await handle(notification.payload)) { break }
            }
        }
    }

    public func notify(_ channel: String, payloads: [String]) async throws {
        guard !payloads.isEmpty else { return }
        try await read { db in
            var query = SQLQueryString("SELECT ")
            for (i, payload) in payloads.enumerated() {
                if i > 0 { query.appendLiteral(", ") }
                query.appendLiteral("pg_notify(")
                query.appendInterpolation(bind: channel)
                query.appendLiteral(", ")
                query.appendInterpolation(bind: payload)
                query.appendLiteral(")")
            }
            try await db.raw(query).run()
        }
    }
}
