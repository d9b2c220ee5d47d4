import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// SQLKit's view of one `SQLiteConnection`: statements run synchronously, in the caller's task,
/// while `guard` is held (the connection's owner serializes its users).
struct SQLiteSQLDatabase: SQLDatabase {
    let connection: SQLiteConnection
    let logger: Logger
    /// Taken around each statement (readers share a connection between tasks); nil when the caller
    /// already holds the connection exclusively (the writer inside a transaction).
    let guardLock: NSLock?

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { TiffinSQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        do {
            try run(query, onRow)
            promise.succeed()
        } catch {
            promise.fail(error)
        }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        let values = try binds.map(SQLiteBind.value)
        let result = try guardLock.map { lock in try lock.withLock { try connection.query(sql, values) } } ?? connection.query(sql, values)
        let columns = SQLiteColumns(names: result.columns)
        for row in result.rows { onRow(SQLiteRow(columns: columns, values: row)) }
    }
}

/// Column names of a result, shared by its rows, with a lookup by name.
final class SQLiteColumns: Sendable {
    let names: [String]
    let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
        self.positions = positions
    }
}

/// A result row. Decodes SQLite's values into the Swift types Tiffin binds: UUIDs stored as text,
/// dates as Unix seconds, booleans as 0 and 1.
struct SQLiteRow: SQLRow {
    let columns: SQLiteColumns
    let values: [SQLiteValue]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.positions[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        try value(column) == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        try SQLiteValueDecoder(value: try value(column), codingPath: []).decode(D.self, column: column)
    }

    private func value(_ column: String) throws -> SQLiteValue {
        guard let position = columns.positions[column] else {
            throw DecodingError.keyNotFound(
                SQLiteColumnKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column) in \(columns.names)"))
        }
        return values[position]
    }
}

struct SQLiteColumnKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Decodes one SQLite value as a Swift value.
struct SQLiteValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLiteValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decode<D: Decodable>(_ type: D.Type, column: String) throws -> D {
        do {
            return try decode(D.self)
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [SQLiteColumnKey(stringValue: column)], debugDescription: "\(error)"))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw mismatch(Key.self, "a keyed container")
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw mismatch([Any].self, "an array") }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch value {
        case .integer(let v): return v != 0
        case .text(let v) where v == "true" || v == "false": return v == "true"
        default: throw mismatch(type, "a boolean")
        }
    }

    func decode(_ type: String.Type) throws -> String {
        switch value {
        case .text(let v): return v
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let v): return String(decoding: v, as: UTF8.self)
        case .null: throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "NULL"))
        }
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        case .text(let v): if let parsed = Double(v) { return parsed }
        default: break
        }
        throw mismatch(type, "a number")
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode(_ type: Int64.Type) throws -> Int64 {
        switch value {
        case .integer(let v): return v
        case .real(let v): if let exact = Int64(exactly: v) { return exact }
        case .text(let v): if let parsed = Int64(v) { return parsed }
        default: break
        }
        throw mismatch(type, "an integer")
    }

    func decode(_ type: Int.Type) throws -> Int { Int(try decode(Int64.self)) }
    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(type) }

    private func narrow<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let value = T(exactly: try decode(Int64.self)) else { throw mismatch(type, "an integer in range") }
        return value
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == UUID.self {
            switch value {
            case .text(let v): if let id = UUID(uuidString: v) { return id as! T }
            case .blob(let v) where v.count == 16:
                return UUID(uuid: (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15])) as! T
            default: break
            }
            throw mismatch(type, "a UUID")
        }
        if T.self == Date.self {
            switch value {
            case .real(let v): return Date(timeIntervalSince1970: v) as! T
            case .integer(let v): return Date(timeIntervalSince1970: Double(v)) as! T
            case .text(let v): if let date = try? Date(v, strategy: .iso8601) { return date as! T }
            default: break
            }
            throw mismatch(type, "a date")
        }
        if T.self == Data.self {
            switch value {
            case .blob(let v): return Data(v) as! T
            case .text(let v): return Data(v.utf8) as! T
            default: throw mismatch(type, "bytes")
            }
        }
        return try T(from: self)
    }

    private func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(value)"))
    }
}

/// How a bound Swift value is stored: as the SQLite driver Tiffin used before stored it, so a
/// database file written by an earlier version reads the same.
enum SQLiteBind {
    static func value(_ bind: any Encodable) throws -> SQLiteValue {
        if let optional = bind as? any SQLiteOptionalBind {
            guard let wrapped = optional.wrappedBind else { return .null }
            return try value(wrapped)
        }
        switch bind {
        case let v as String: return .text(v)
        case let v as Int64: return .integer(v)
        case let v as Int: return .integer(Int64(v))
        case let v as Int32: return .integer(Int64(v))
        case let v as UInt8: return .integer(Int64(v))
        case let v as Double: return .real(v)
        case let v as Float: return .real(Double(v))
        case let v as Bool: return .integer(v ? 1 : 0)
        case let v as UUID: return .text(v.uuidString)
        case let v as Date: return .real(v.timeIntervalSince1970)
        case let v as Data: return .blob(Array(v))
        case let v as [UInt8]: return .blob(v)
        default:
            // A wrapper (SQLKit wraps a model's values) encodes its value as a single value; a
            // structure (keyed or unkeyed) is stored as JSON text.
            let unwrapper = SingleValueUnwrapper()
            do {
                try bind.encode(to: unwrapper)
                if let value = unwrapper.value { return value }
            } catch is SingleValueUnwrapper.NotASingleValue {}
            return .text(String(decoding: try JSONEncoder().encode(bind), as: UTF8.self))
        }
    }
}

/// Encodes a value that encodes itself as one single value into that value.
private final class SingleValueUnwrapper: Encoder, SingleValueEncodingContainer {
    struct NotASingleValue: Error {}
    var value: SQLiteValue?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(FailingKeyed<Key>())
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { FailingUnkeyed() }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { value = .null }
    func encode(_ value: Bool) throws { self.value = .integer(value ? 1 : 0) }
    func encode(_ value: String) throws { self.value = .text(value) }
    func encode(_ value: Double) throws { self.value = .real(value) }
    func encode(_ value: Float) throws { self.value = .real(Double(value)) }
    func encode(_ value: Int) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: Int8) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: Int16) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: Int32) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: Int64) throws { self.value = .integer(value) }
    func encode(_ value: UInt) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: UInt8) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: UInt16) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: UInt32) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: UInt64) throws { self.value = .integer(Int64(bitPattern: value)) }
    func encode<T: Encodable>(_ value: T) throws { self.value = try SQLiteBind.value(value) }

    /// Containers a single value never asks for: their use means "store as JSON".
    struct FailingKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        var codingPath: [any CodingKey] { [] }
        mutating func encodeNil(forKey key: Key) throws { throw NotASingleValue() }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw NotASingleValue() }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(FailingKeyed<NestedKey>())
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { FailingUnkeyed() }
        mutating func superEncoder() -> any Encoder { SingleValueUnwrapper() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { SingleValueUnwrapper() }
    }

    struct FailingUnkeyed: UnkeyedEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var count: Int { 0 }
        mutating func encodeNil() throws { throw NotASingleValue() }
        mutating func encode<T: Encodable>(_ value: T) throws { throw NotASingleValue() }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(FailingKeyed<NestedKey>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { FailingUnkeyed() }
        mutating func superEncoder() -> any Encoder { SingleValueUnwrapper() }
    }
}

protocol SQLiteOptionalBind {
    var wrappedBind: (any Encodable)? { get }
}

extension Optional: SQLiteOptionalBind where Wrapped: Encodable {
    var wrappedBind: (any Encodable)? { self }
}

/// SQLite's SQL for SQLKit's builders.
struct TiffinSQLiteDialect: SQLDialect {
    var name: String { "sqlite" }
    var identifierQuote: any SQLExpression { SQLRaw("\"") }
    var literalStringQuote: any SQLExpression { SQLRaw("'") }
    func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?\(position)") }
    func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "1" : "0") }
    var literalDefault: any SQLExpression { SQLLiteral.null }
    var supportsIfExists: Bool { true }
    var supportsDropBehavior: Bool { false }
    var supportsAutoIncrement: Bool { false }
    var autoIncrementClause: any SQLExpression { SQLRaw("AUTOINCREMENT") }
    var enumSyntax: SQLEnumSyntax { .unsupported }
    var alterTableSyntax: SQLAlterTableSyntax { .init(allowsBatch: false) }
    var upsertSyntax: SQLUpsertSyntax { .standard }
    var supportsReturning: Bool { true }
    var unionFeatures: SQLUnionFeatures { [.union, .unionAll, .intersect, .except] }
}
