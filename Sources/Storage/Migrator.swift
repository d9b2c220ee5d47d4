import Foundation
import Logging
import SQLKit

/// One schema change, identified by a stable id (`catalog-001-restaurants`). Statements are
/// produced per dialect and run in one transaction with the bookkeeping row.
public struct Migration: Sendable {
    public let id: String
    public let statements: @Sendable (SchemaTypes) -> [String]

    public init(id: String, statements: @escaping @Sendable (SchemaTypes) -> [String]) {
        self.id = id
        self.statements = statements
    }
}

/// Applies migrations in order, each exactly once. On PostgreSQL an advisory lock makes
/// concurrent start-ups of several instances safe.
public struct Migrator: Sendable {
    public let database: any Database
    public let migrations: [Migration]

    public init(database: any Database, migrations: [Migration]) {
        self.database = database
        self.migrations = migrations
    }

    /// Returns the ids applied by this call (empty when the schema was current).
    @discardableResult
    public func migrate() async throws -> [String] {
        let types = SchemaTypes(database.kind)
        try await database.transaction { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at \(unsafeRaw: types.timestamp) NOT NULL)")
                .run()
        }
        var applied: [String] = []
        for migration in migrations {
            let didApply = try await database.transaction { db in
                if types.kind == .postgres {
                    try await db.raw("SELECT pg_advisory_xact_lock(7419001)").run()
                }
                let existing = try await db.raw("SELECT id FROM schema_migrations WHERE id = \(bind: migration.id)").first()
                guard existing == nil else { return false }
                for statement in migration.statements(types) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw("INSERT INTO schema_migrations (id, applied_at) VALUES (\(bind: migration.id), \(bind: Date()))").run()
                return true
            }
            if didApply {
                applied.append(migration.id)
                database.logger.info("applied migration", metadata: ["migration.id": "\(migration.id)"])
            }
        }
        return applied
    }
}
