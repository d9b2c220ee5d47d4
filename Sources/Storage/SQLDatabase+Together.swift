public import SQLKit

/// A write that can run on its own or be made conditional on another statement's result.
public enum SQLWrite: Sendable {
    /// `INSERT INTO table (columns) VALUES (row), (row) …`.
    case insert(table: String, columns: String, rows: [[any Encodable & Sendable]])
    /// `UPDATE <update> WHERE <condition>`: `update` is `table SET …` (no WHERE, no RETURNING);
    /// `condition` is parenthesised, so a gate added to it cannot be bypassed by an `OR`.
    case update(SQLQueryString, where: SQLQueryString)

    /// The statement on its own.
    public var statement: SQLQueryString {
        switch self {
        case .insert(let table, let columns, let rows):
            return Self.insert(into: table, columns: columns, rows: rows, first: "VALUES (", next: ", (", end: ")")
        case .update(let update, let condition):
            return "UPDATE \(update) WHERE (\(condition))"
        }
    }

    /// The statement, done only if the CTE `gate` returned a row (PostgreSQL).
    func gated(by gate: String) -> SQLQueryString {
        switch self {
        case .insert(let table, let columns, let rows):
            // `SELECT <row> FROM gate`, not a VALUES list: the target columns then type the values,
            // NULLs included.
            return Self.insert(into: table, columns: columns, rows: rows, first: "SELECT ", next: " UNION ALL SELECT ", end: " FROM \(gate)")
        case .update(let update, let condition):
            return "UPDATE \(update) WHERE (\(condition)) AND EXISTS (SELECT 1 FROM \(unsafeRaw: gate))"
        }
    }

    /// `INSERT INTO table (columns) ` then each row's binds, the first opened by `first`, the others
    /// by `next`, each closed by `end`.
    private static func insert(
        into table: String, columns: String, rows: [[any Encodable & Sendable]], first: String, next: String, end: String
    ) -> SQLQueryString {
        var sql = SQLQueryString("INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns)) ")
        for (index, row) in rows.enumerated() {
            sql.appendInterpolation(unsafeRaw: index == 0 ? first : next)
            sql.appendInterpolation(binds: row)
            sql.appendInterpolation(unsafeRaw: end)
        }
        return sql
    }
}

extension SQLDatabase {
    var isPostgres: Bool { dialect.name == "postgresql" }

    /// Runs writes that return nothing as few round trips as the engine allows: on PostgreSQL as
    /// one statement, each but the last a data-modifying CTE (`WITH s0 AS (INSERT …) INSERT …`);
    /// on SQLite, which has no such CTEs and no round trips to save, one after another. Constraints
    /// are checked at the end of the statement, so a row may refer to one written before it.
    public func runTogether(_ statements: [SQLQueryString]) async throws {
        guard isPostgres, statements.count > 1 else {
            for statement in statements { try await raw(statement).run() }
            return
        }
        var combined = SQLQueryString("WITH ")
        for (index, statement) in statements.dropLast().enumerated() {
            if index > 0 { combined.appendInterpolation(unsafeRaw: ", ") }
            combined.appendInterpolation(unsafeRaw: "s\(index) AS (")
            combined.appendInterpolation(statement)
            combined.appendInterpolation(unsafeRaw: ")")
        }
        combined.appendInterpolation(unsafeRaw: " ")
        combined.appendInterpolation(statements[statements.count - 1])
        try await raw(combined).run()
    }

    /// Runs `gate` (a write `… RETURNING …` that returns at most one row) and, only if it returned
    /// a row, `writes`; returns that row. On PostgreSQL all of it is one statement (the gate and the
    /// writes as CTEs, so it needs no transaction of its own); on SQLite the statements run in order,
    /// and the caller's transaction makes them one.
    public func runGated(_ gate: SQLQueryString, then writes: [SQLWrite]) async throws -> (any SQLRow)? {
        guard isPostgres else {
            guard let row = try await raw(gate).first() else { return nil }
            for write in writes { try await raw(write.statement).run() }
            return row
        }
        var combined = SQLQueryString("WITH gate AS (")
        combined.appendInterpolation(gate)
        combined.appendInterpolation(unsafeRaw: ")")
        for (index, write) in writes.enumerated() {
            combined.appendInterpolation(unsafeRaw: ", w\(index) AS (")
            combined.appendInterpolation(write.gated(by: "gate"))
            combined.appendInterpolation(unsafeRaw: ")")
        }
        combined.appendInterpolation(unsafeRaw: " SELECT * FROM gate")
        return try await raw(combined).first()
    }
}
