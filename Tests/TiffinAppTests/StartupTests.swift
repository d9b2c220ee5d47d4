import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import Testing
import TiffinTestSupport
import SQLKit

@testable import TiffinApp

@Suite("Start-up and shutdown")
struct StartupTests {
    /// A start-up step that fails must stop the process with its error, not leave it hanging on
    /// background loops that wait for start-up to finish.
    @Test(.timeLimit(.minutes(1)))
    func aFailingStartUpEndsWithItsErrorInsteadOfHanging() async throws {
        try await withTestDatabaseURL(.sqlite) { url in
            // A table in the way of the first catalog migration.
            let blocker = try await openDatabase(try DatabaseLocation(url: url), logger: testLogger)
            try await blocker.transaction { db in try await db.raw("CREATE TABLE restaurants (unrelated TEXT)").run() }
            try await blocker.close()

            let configuration = testConfiguration(databaseURL: url)
            let database = try await openDatabase(try DatabaseLocation(url: url), logger: testLogger)
            let services = buildServices(configuration: configuration, database: database, clock: SystemWallClock(), logger: testLogger)
            let app = buildApplication(services: services, configuration: configuration, logger: testLogger)
            // Before the fix, loops waiting for start-up ignored shutdown and this never returned.
            await #expect(throws: (any Error).self) { try await app.run() }
            try await database.close()
        }
    }
}
