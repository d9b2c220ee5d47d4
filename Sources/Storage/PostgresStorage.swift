import Core
import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle

/// PostgreSQL through PostgresNIO's connection pool; each `read` or `transaction` leases one
/// connection for its duration. The client must be running (this type is a `Service`) before
/// any query can complete.
public final class PostgresStorage: Database {
    public let kind = DatabaseKind.postgres
    public let logger: Logger
    public let client: PostgresClient

    public init(location: PostgresLocation, logger: Logger, maximumConnections: Int = 20, closeTimeout: Duration = .seconds(5)) {
        self.closeTimeout = closeTimeout
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
    }

    public func read<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    public func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        // Not `PostgresClient.withTransaction`: it wraps the closure's error, and domain errors must
        // reach the HTTP edge unchanged.
        try await client.withConnection { connection in
            let sql = connection.sql(queryLogLevel: nil)
            try await sql.raw("BEGIN").run()
            do {
                let result = try await body(sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                do { try await sql.raw("ROLLBACK").run() } catch {
                    self.logger.error("rollback failed", metadata: ["error": "\(error)"])
                }
                throw error
            }
        }
    }

    /// Drives the pool until shutdown, then gives it `closeTimeout` to close its connections. A pool
    /// whose server vanished may never finish closing (PostgresNIO waits on connections that
    /// cannot complete); the process's shutdown must not wait on it forever, so it is left then.
    public func run() async throws {
        let client = self.client
        let running = Task { await client.run() }
        try? await gracefulShutdown()
        running.cancel()
        do {
            try await withDeadline(closeTimeout) { await running.value }
        } catch {
            logger.warning("PostgreSQL connections did not close in time; leaving them", metadata: ["timeout": "\(closeTimeout)"])
        }
    }

    public let closeTimeout: Duration

    public func close() async throws {}
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
        try await client.withConnection { connection in
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
