public import Accounts
import Catalog
import Core
public import Logging
import ServiceLifecycle
package import Storage

/// Opens the configured database, applies pending migrations, closes it. Returns the ids applied.
public func migrateDatabase(configuration: TiffinConfiguration, logger: Logger) async throws -> [String] {
    try await withMigratedDatabase(configuration: configuration, logger: logger) { _, applied in applied }
}

/// Creates an operator account in the configured database (migrating it first, so a fresh
/// database works): `tiffin operators create`. The first operator of a deployment is made this
/// way, on the server, without the demo city and its published password.
public func createOperator(
    configuration: TiffinConfiguration, email: String, name: String, password: String, logger: Logger
) async throws
    -> Account
{
    try await withMigratedDatabase(configuration: configuration, logger: logger) { database, _ in
        try await AccountService(database: database, clock: SystemWallClock(), settings: configuration.accounts)
            .createOperator(email: email, password: password, name: name)
    }
}

/// Runs `body` with the configured database open and migrated, then closes it (the CLI's
/// one-shot commands and the benchmarks).
package func withMigratedDatabase<R: Sendable>(
    configuration: TiffinConfiguration, logger: Logger, _ body: @escaping @Sendable (any Database, [String]) async throws -> R
) async throws -> R {
    // A command, not a request: it may wait for a busy server rather than give up after the
    // serving wait.
    let database = try await openDatabase(
        try DatabaseLocation(url: configuration.databaseURL), logger: logger, connectionWait: max(configuration.databaseWait, .seconds(30)))
    // PostgreSQL's pool only works while its run loop does; drive it for the duration.
    return try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask {
            try await database.run()
            return nil
        }
        defer { group.cancelAll() }
        do {
            let applied = try await Migrator(database: database, migrations: allMigrations).migrate()
            let result = try await body(database, applied)
            try await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }
}
