import PostgresNIO
import SQLiteNIO

/// Engine-specific error codes, named once.
public enum DatabaseErrors {
    /// A UNIQUE or PRIMARY KEY constraint refused the write.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        if let error = error as? SQLiteError {
            switch error.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed: return true
            case .constraint: return error.message.contains("UNIQUE")
            default: return false
            }
        }
        return false
    }
}
