import CTiffinSQLite
import Foundation

/// A value as SQLite stores it.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// An error SQLite reported, with its extended result code.
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String

    public var description: String { "SQLite error \(code): \(message)" }

    /// A UNIQUE or PRIMARY KEY constraint refused the write.
    public var isUniqueViolation: Bool { code == Self.constraintUnique || code == Self.constraintPrimaryKey }

    // Extended result codes; their C macros are expressions Swift does not import.
    static let constraintPrimaryKey: Int32 = 1555  // SQLITE_CONSTRAINT | (6 << 8)
    static let constraintUnique: Int32 = 2067  // SQLITE_CONSTRAINT | (8 << 8)
}

/// One SQLite connection (the system's `libsqlite3`) with a cache of prepared statements.
///
/// It runs a statement synchronously on the calling thread, start to finish: a statement here
/// takes microseconds, and the hop to a thread pool and back that an asynchronous driver makes
/// for each one cost more than the statement itself. It is not safe for concurrent use: its owner
/// (`SQLiteStorage`) lets one task at a time use it.
final class SQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private static let maximumCachedStatements = 256

    init(path: String, readOnly: Bool) throws {
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        var handle: OpaquePointer?
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            throw SQLiteFailure(code: result, message: "\(message) (\(path))")
        }
        sqlite3_extended_result_codes(handle, 1)
        self.handle = handle
    }

    deinit { close() }

    var isClosed: Bool { handle == nil }

    /// True between `BEGIN` and its `COMMIT` or `ROLLBACK` — also when SQLite ended it itself.
    var isInTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs statements without binds or results (pragmas, BEGIN, COMMIT …).
    func exec(_ sql: String) throws {
        guard let handle else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw failure(result) }
    }

    /// Prepares (or reuses) `sql`, binds `binds`, steps to the end, and returns every row.
    func query(_ sql: String, _ binds: [SQLiteValue]) throws -> (columns: [String], rows: [[SQLiteValue]]) {
        guard let handle else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        let statement = try prepared(sql, handle)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, value) in binds.enumerated() {
            let position = Int32(index + 1)
            let result: Int32
            switch value {
            case .null: result = sqlite3_bind_null(statement, position)
            case .integer(let v): result = sqlite3_bind_int64(statement, position, v)
            case .real(let v): result = sqlite3_bind_double(statement, position, v)
            case .text(let v):
                // With its byte count, not -1: text is stored whole, never cut at a NUL.
                result = v.withCString { sqlite3_bind_text(statement, position, $0, Int32(v.utf8.count), tiffin_sqlite_transient()) }
            case .blob(let v) where v.isEmpty:
                // An empty array may have no address, which would bind NULL instead of an empty blob.
                result = sqlite3_bind_zeroblob(statement, position, 0)
            case .blob(let v):
                result = v.withUnsafeBytes { sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), tiffin_sqlite_transient()) }
            }
            guard result == SQLITE_OK else { throw failure(result) }
        }
        let count = sqlite3_column_count(statement)
        let columns = try (0..<count).map { column in
            guard let name = sqlite3_column_name(statement, column) else { throw SQLiteFailure(code: SQLITE_NOMEM, message: "out of memory") }
            return String(cString: name)
        }
        var rows: [[SQLiteValue]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw failure(step) }
            var row: [SQLiteValue] = []
            row.reserveCapacity(Int(count))
            for column in 0..<count {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(statement, column)))
                case SQLITE_TEXT:
                    let text = sqlite3_column_text(statement, column)
                    let length = Int(sqlite3_column_bytes(statement, column))
                    guard let text else {
                        guard length == 0 else { throw SQLiteFailure(code: SQLITE_NOMEM, message: "out of memory") }
                        row.append(.text(""))
                        continue
                    }
                    row.append(.text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)))
                case SQLITE_BLOB:
                    let length = Int(sqlite3_column_bytes(statement, column))
                    let bytes = sqlite3_column_blob(statement, column)
                    row.append(.blob(bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []))
                default: row.append(.null)
                }
            }
            rows.append(row)
        }
        return (columns, rows)
    }

    private func prepared(_ sql: String, _ handle: OpaquePointer) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        var rest = ""
        let result = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let result = sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail)
            if let tail { rest = String(cString: tail) }
            return result
        }
        guard result == SQLITE_OK, let statement else { throw failure(result) }
        // One statement per call: a second one after a `;` would otherwise be silently skipped.
        guard rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) else {
            sqlite3_finalize(statement)
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "one statement at a time: \(rest.prefix(40))…")
        }
        if statements.count >= Self.maximumCachedStatements {
            for cached in statements.values { sqlite3_finalize(cached) }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }

    private func failure(_ result: Int32) -> SQLiteFailure {
        let code = handle.map { sqlite3_extended_errcode($0) } ?? result
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error"
        return SQLiteFailure(code: code, message: message)
    }
}
