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
