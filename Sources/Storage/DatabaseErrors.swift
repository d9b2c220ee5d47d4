public import Core
import PostgresNIO

/// Engine-specific error codes, named once.
public enum DatabaseErrors {
    /// A UNIQUE or PRIMARY KEY constraint refused the write.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        if let error = error as? SQLiteFailure {
            return error.isUniqueViolation
        }
        return false
    }
}

/// The database cannot be reached or cannot write: the server is down or refusing connections, no
/// connection came free within `PostgresStorage.connectionWait`, the SQLite file cannot be
/// written (a read-only or full disk). The request gets `503 database-unavailable` with
/// `Retry-After`, never a 500 and never a hang; the database's own error is logged, not shown.
public struct DatabaseUnavailable: DomainError, CustomStringConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "database unavailable: \(reason)" }

    public var problem: ProblemDescription {
        ProblemDescription(
            kind: .unavailable, type: "database-unavailable", title: "Database unavailable",
            detail: "the database is not answering; nothing was changed — retry shortly", retryAfterSeconds: 2)
    }

    /// Whether `error` means the database as a whole is unreachable or unwritable (and so not a
    /// fault of this statement): connection failures and a server shutting down on PostgreSQL;
    /// I/O, read-only, full or unopenable files on SQLite.
    public static func isOutage(_ error: any Error) -> Bool {
        if error is DatabaseUnavailable { return true }
        // PostgresNIO's pool gave up creating connections for a while (its own breaker, after
        // 15 s of failures); the type lives in a module it does not export by name.
        if String(describing: type(of: error)) == "ConnectionPoolError" { return true }
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed, .clientClosedConnection: return true
            case .server:
                // Class 08 (connection exception), 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now), 53 (insufficient resources).
                let state = error.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) || state.hasPrefix("53")
            default: return false
            }
        }
        if let error = error as? SQLiteFailure {
            // SQLITE_BUSY 5, SQLITE_READONLY 8, SQLITE_IOERR 10, SQLITE_FULL 13, SQLITE_CANTOPEN 14, SQLITE_PROTOCOL 15.
            return [5, 8, 10, 13, 14, 15].contains(error.code & 0xFF)
        }
        return false
    }
}
