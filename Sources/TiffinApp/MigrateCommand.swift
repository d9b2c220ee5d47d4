import Logging
import ServiceLifecycle
import Storage

/// Opens the configured database, applies pending migrations, closes it. Returns the ids applied.
public func migrateDatabase(configuration: TiffinConfiguration, logger: Logger) async throws -> [String] {
    let database = try await openDatabase(try DatabaseLocation(url: configuration.databaseURL), logger: logger)
    // PostgreSQL's pool only works while its run loop does; drive it for the duration.
    return try await withThrowingTaskGroup(of: [String]?.self) { group in
        group.addTask {
            try await database.run()
            return nil
        }
        defer { group.cancelAll() }
        let applied = try await Migrator(database: database, migrations: allMigrations).migrate()
        try await database.close()
        return applied
    }
}
