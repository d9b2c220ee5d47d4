/// Column types for hand-written DDL, per dialect. Values are always bound as Swift types
/// (`UUID`, `Date`, `Int64`, `Bool`), so both engines round-trip them: SQLite keeps UUIDs as
/// text and dates as Unix seconds, PostgreSQL uses `uuid` and `timestamptz`.
public struct SchemaTypes: Sendable {
    public let kind: DatabaseKind

    public init(_ kind: DatabaseKind) { self.kind = kind }

    public var uuid: String { kind == .postgres ? "UUID" : "TEXT" }
    public var timestamp: String { kind == .postgres ? "TIMESTAMPTZ" : "REAL" }
    public var text: String { "TEXT" }
    public var bigint: String { "BIGINT" }
    public var double: String { kind == .postgres ? "DOUBLE PRECISION" : "REAL" }
    public var bool: String { kind == .postgres ? "BOOLEAN" : "INTEGER" }
    /// An auto-incrementing 64-bit primary key, for ordered logs such as the outbox.
    public var serialPrimaryKey: String { kind == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT" }
    public var `true`: String { kind == .postgres ? "TRUE" : "1" }
    public var `false`: String { kind == .postgres ? "FALSE" : "0" }
}
