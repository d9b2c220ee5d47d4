import Core
import Events
import Foundation
import SQLKit
import Storage
import Testing
import TiffinTestSupport

@testable import Accounts
@testable import Catalog

/// What every store relies on from `Database`, checked on SQLite and (when configured) PostgreSQL.
@Suite("Storage conformance")
struct StorageConformanceTests {
    static let probe = Migration(id: "test-001-probe") { t in
        [
            "CREATE TABLE probes (id \(t.uuid) PRIMARY KEY, name TEXT NOT NULL UNIQUE, at \(t.timestamp) NOT NULL, n BIGINT NOT NULL, ok \(t.bool) NOT NULL)"
        ]
    }

    struct Probe: Codable, Equatable {
        let id: UUID
        let name: String
        let at: Date
        let n: Int64
        let ok: Bool
    }

    @Test(arguments: TestDatabaseKind.available)
    func migrationsApplyOnceAndTypesRoundTrip(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: [Self.probe]) { db in
            #expect(try await Migrator(database: db, migrations: [Self.probe]).migrate().isEmpty)
            let probe = Probe(id: UUID(), name: "a", at: Date(timeIntervalSince1970: 1_800_000_000.25), n: Int64.max, ok: true)
            try await db.transaction { sql in try await sql.insert(into: "probes").model(probe, keyEncodingStrategy: .useDefaultKeys).run() }
            let read = try await db.read { sql in
                try await sql.raw("SELECT id, name, at, n, ok FROM probes WHERE id = \(bind: probe.id)").first(decoding: Probe.self)
            }
            #expect(read == probe)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aFailedTransactionLeavesNothingAndKeepsItsError(kind: TestDatabaseKind) async throws {
        struct Boom: Error, Equatable {}
        try await withTestDatabase(kind, migrations: [Self.probe]) { db in
            await #expect(throws: Boom()) {
                try await db.transaction { sql in
                    try await sql.raw("INSERT INTO probes (id, name, at, n, ok) VALUES (\(bind: UUID()), 'x', \(bind: Date()), 1, \(bind: true))")
                        .run()
                    throw Boom()
                }
            }
            let count = try await db.read { sql in try await sql.raw("SELECT id FROM probes").all().count }
            #expect(count == 0)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func uniqueViolationsAreRecognisedOnBothEngines(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: [Self.probe]) { db in
            let insert: @Sendable () async throws -> Void = {
                try await db.transaction { sql in
                    try await sql.raw("INSERT INTO probes (id, name, at, n, ok) VALUES (\(bind: UUID()), 'same', \(bind: Date()), 1, \(bind: false))")
                        .run()
                }
            }
            try await insert()
            do {
                try await insert()
                Issue.record("second insert should fail")
            } catch {
                #expect(DatabaseErrors.isUniqueViolation(error))
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func concurrentTransactionsAreSerialisedWithoutLosingWrites(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: [Self.probe]) { db in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await db.transaction { sql in
                            try await sql.raw(
                                "INSERT INTO probes (id, name, at, n, ok) VALUES (\(bind: UUID()), \(bind: "p\(i)"), \(bind: Date()), \(bind: i), \(bind: true))"
                            ).run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await db.read { sql in try await sql.raw("SELECT id FROM probes").all().count } == 40)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func restaurantsAndMenusRoundTripAndSearchFindsOnlyOpenDeliveringOnes(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: CatalogStore.migrations) { db in
            let clock = ManualWallClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded()))
            let catalog = makeCatalog(db, clock: clock)
            func make(_ name: String, lat: Double, radius: Int, hours: [OpeningHoursRule] = OpeningHoursRule.allDay) async throws -> Restaurant {
                try await catalog.createRestaurant(
                    ownerID: UUID(),
                    draft: .init(
                        name: name, cuisine: "Test", description: "", address: "Street 1", location: GeoPoint(uncheckedLat: lat, lon: 13.40),
                        timeZone: "Europe/Berlin", openingHours: hours, deliveryRadiusMetres: radius, minimumOrder: Money(0, "EUR"), prepMinutes: 10))
            }
            let near = try await make("Near", lat: 52.521, radius: 3_000)
            _ = try await make("Far", lat: 52.600, radius: 3_000)
            _ = try await make("Small radius", lat: 52.530, radius: 500)
            _ = try await make("Never open", lat: 52.522, radius: 3_000, hours: [])
            let further = try await make("Further", lat: 52.535, radius: 5_000)
            let found = try await catalog.nearby(GeoPoint(uncheckedLat: 52.520, lon: 13.40), limit: 10).restaurants
            #expect(found.map(\.restaurant.name) == [near.name, further.name])
            #expect(found[0].distanceMetres < found[1].distanceMetres)
            #expect(try await catalog.restaurant(id: near.id) == near)

            let section = try await catalog.addSection(restaurantID: near.id, ownerID: near.ownerID, name: "Mains", position: 1)
            let group = OptionGroup(
                id: UUID(), name: "Size", minChoices: 1, maxChoices: 1, options: [MenuOption(id: UUID(), name: "L", priceDelta: 150)])
            let items = try await catalog.addItems(
                restaurantID: near.id, ownerID: near.ownerID,
                drafts: [.init(sectionID: section.id, name: "Dish", description: "Good", price: 1_250, position: 0, optionGroups: [group])])
            let menu = try await catalog.menu(restaurantID: near.id)
            #expect(menu.count == 1 && menu[0].items == items)
            await #expect(throws: CatalogError.notYourRestaurant) {
                try await catalog.addSection(restaurantID: near.id, ownerID: UUID(), name: "Hijack", position: 0)
            }
            await #expect(throws: CatalogError.alreadyOwnsRestaurant) {
                try await catalog.createRestaurant(
                    ownerID: near.ownerID,
                    draft: .init(
                        name: "Second", cuisine: "Test", description: "", address: "Street 2", location: near.location, timeZone: "Europe/Berlin",
                        openingHours: [], deliveryRadiusMetres: 1_000, minimumOrder: Money(0, "EUR"), prepMinutes: 10))
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func anotherInstancesEditsReachTheSearchIndexOnRefresh(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: CatalogStore.migrations) { db in
            let clock = ManualWallClock(Date())
            let here = GeoPoint(uncheckedLat: 52.520, lon: 13.40)
            let first = makeCatalog(db, clock: clock)
            let second = makeCatalog(db, clock: clock)
            #expect(try await second.nearby(here, limit: 10).results.isEmpty)
            let owner = UUID()
            let restaurant = try await first.createRestaurant(
                ownerID: owner,
                draft: .init(
                    name: "Elsewhere", cuisine: "Test", description: "", address: "Street 1", location: GeoPoint(uncheckedLat: 52.521, lon: 13.40),
                    timeZone: "Europe/Berlin", openingHours: OpeningHoursRule.allDay, deliveryRadiusMetres: 3_000, minimumOrder: Money(0, "EUR"),
                    prepMinutes: 10))
            #expect(try await first.nearby(here, limit: 10).results.count == 1, "this instance's write is searchable at once")
            #expect(try await second.nearby(here, limit: 10).results.isEmpty, "the other instance has not refreshed yet")
            #expect(try await second.index.refresh() == 1)
            #expect(try await second.nearby(here, limit: 10).results.map(\.summary.id) == [restaurant.id])
            clock.advance(by: 10)
            _ = try await first.updateRestaurant(id: restaurant.id, ownerID: owner) { $0.isPaused = true }
            _ = try await second.index.refresh()
            #expect(try await second.nearby(here, limit: 10).results.isEmpty, "a pause on one instance hides it on the other after a refresh")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func tokensAreStoredHashedAndExpire(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: AccountStore.migrations) { db in
            let clock = ManualWallClock(Date())
            var settings = AccountService.Settings()
            settings.bcryptCost = 4
            settings.tokenLifetime = 3_600
            let accounts = AccountService(database: db, clock: clock, settings: settings)
            let account = try await accounts.signUp(email: " Ada@Example.com ", password: "correct horse", name: "Ada", role: .customer)
            #expect(account.email == "ada@example.com")
            await #expect(throws: AccountError.emailTaken("ada@example.com")) {
                try await accounts.signUp(email: "ada@example.com", password: "another one", name: "Ada 2", role: .customer)
            }
            let issued = try await accounts.logIn(email: "ADA@example.com", password: "correct horse")
            #expect(try await accounts.principal(forToken: issued.token)?.userID == account.id)
            let stored = try await db.read { sql in try await sql.raw("SELECT token_hash, password_hash FROM access_tokens, users").all() }
            let row = try #require(stored.first)
            #expect(try row.decode(column: "token_hash", as: String.self) != issued.token)
            #expect(try row.decode(column: "password_hash", as: String.self).hasPrefix("$2"))
            clock.advance(by: 3_601)
            #expect(try await accounts.principal(forToken: issued.token) == nil)
            await #expect(throws: AccountError.invalidCredentials) { try await accounts.logIn(email: "ada@example.com", password: "wrong horse") }
        }
    }
}

/// Runs only with a PostgreSQL server; without one the run reports this suite as skipped.
@Suite(
    "PostgreSQL",
    .enabled(
        if: TestPostgres.isConfigured || TestPostgres.isRequired,
        "PostgreSQL tests skipped: set TIFFIN_TEST_DATABASE_URL or run scripts/with-postgres.sh swift test"))
struct PostgreSQLTests {
    @Test func theServerIsConfiguredWhereverItIsRequired() {
        #expect(TestPostgres.isConfigured, "CI must run the PostgreSQL tests: TIFFIN_TEST_DATABASE_URL is not set")
    }
}
