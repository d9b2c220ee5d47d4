import Core
import Foundation
import HTTPTypes
import Testing
import TiffinTestSupport
import Catalog
import Ordering

@testable import Accounts
@testable import TiffinApp

/// What a stranger could use against a deployment, refused.
@Suite("Safe by default")
struct SafeDefaultsTests {
    @Test(arguments: TestDatabaseKind.available)
    func textWithNULIsRefusedNamingTheFieldAndNothingIsStored(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, services in
            let world = try await World.make(services)
            let password = try await api.call(
                .post, "/v1/auth/signup", json: #"{"email":"nul@example.com","password":"\u0000aaaaaaaaaaaa","name":"N","role":"customer"}"#)
            #expect(password.status == .unprocessableContent && password.string("field") == "password")
            let email = try await api.call(
                .post, "/v1/auth/signup", json: #"{"email":"customer@tiffin.demo\u0000x","password":"correct horse","name":"N","role":"customer"}"#)
            #expect(email.status == .unprocessableContent && email.string("field") == "email")
            let stored = try await services.accounts.exists(email: "nul@example.com")
            let truncated = try await services.accounts.exists(email: "customer@tiffin.demo")
            #expect(!stored && !truncated)
            let login = try await api.call(.post, "/v1/auth/login", json: #"{"email":"nul@example.com","password":""}"#)
            #expect(login.status == .unauthorized, "no account was made whose password is empty")

            let f = world.fixture
            let order = """
                {"restaurantID":"\(f.restaurant.id)","items":[{"itemID":"\(f.pizza.id)","quantity":1,"options":["\(f.small)"]}],
                 "deliveryLocation":{"lat":52.5296,"lon":13.4010},"deliveryAddress":"Weinbergsweg 1\\u0000 and the rest","payment":{"card":"4242424242424242"}}
                """
            let placed = try await api.call(.post, "/v1/orders", token: world.customerA.token, json: order, headers: ["Idempotency-Key": "nul"])
            #expect(placed.status == .unprocessableContent && placed.string("field") == "deliveryAddress")
            #expect(try await services.orders.customerOrders(customerID: f.customer.id, limit: 10).count == 1, "only the world's order")
            let item = try await api.call(
                .patch, "/v1/restaurants/\(f.restaurant.id)/menu/items/\(f.pizza.id)", token: world.staffA.token,
                json: #"{"optionGroups":[{"name":"Size","minChoices":1,"maxChoices":1,"options":[{"name":"bad\u0000name","priceDelta":0}]}]}"#)
            #expect(item.status == .unprocessableContent && item.string("field") == "optionGroups.0.options.0.name")
        }
    }

    @Test func loginIsThrottledPerAccountAndPerAddress() async throws {
        let clock = ManualWallClock(Date())
        try await withApp(.sqlite, clock: clock) { api, services in
            _ = try await services.accounts.signUp(email: "ada@example.com", password: "correct horse", name: "Ada", role: .customer)
            let wrong = #"{"email":"ada@example.com","password":"wrong password"}"#
            for _ in 1...5 { #expect(try await api.call(.post, "/v1/auth/login", json: wrong).status == .unauthorized) }
            let throttled = try await api.call(.post, "/v1/auth/login", json: wrong)
            #expect(throttled.status == .tooManyRequests && throttled.isProblem)
            #expect(throttled.headers[.retryAfter] == "1")
            let rightButTooSoon = try await api.call(.post, "/v1/auth/login", json: #"{"email":"ada@example.com","password":"correct horse"}"#)
            #expect(rightButTooSoon.status == .tooManyRequests, "while throttled even the right password waits")
            clock.advance(by: 1)
            #expect(try await api.call(.post, "/v1/auth/login", json: wrong).status == .unauthorized)
            #expect(try await api.call(.post, "/v1/auth/login", json: wrong).headers[.retryAfter] == "2", "each further failure doubles the wait")
            clock.advance(by: 2)
            #expect(try await api.call(.post, "/v1/auth/login", json: #"{"email":"ada@example.com","password":"correct horse"}"#).status == .ok)

            // Many accounts from one address: 20 failures, then the address waits.
            for index in 0..<14 {
                _ = try await api.call(.post, "/v1/auth/login", json: #"{"email":"nobody\#(index)@example.com","password":"wrong password"}"#)
            }
            let byAddress = try await api.call(.post, "/v1/auth/login", json: #"{"email":"someone@example.com","password":"wrong password"}"#)
            #expect(byAddress.status == .tooManyRequests)
            clock.advance(by: 601)
            #expect(try await api.call(.post, "/v1/auth/login", json: #"{"email":"ada@example.com","password":"correct horse"}"#).status == .ok)
        }
    }

    @Test(arguments: ["Bearer %@", "bearer %@", "Bearer  %@", "  BEARER %@  "])
    func logoutRevokesTheTokenHoweverTheHeaderIsSpelled(format: String) async throws {
        try await withApp(.sqlite) { api, services in
            let customer = try await api.signUp(.customer)
            let header = String(format: format, customer.token)
            let me = try await api.call(.get, "/v1/me", headers: ["Authorization": header])
            #expect(me.status == .ok, "the middleware accepts \(format)")
            #expect(try await api.call(.post, "/v1/auth/logout", headers: ["Authorization": header]).status == .noContent)
            #expect(try await api.call(.get, "/v1/me", token: customer.token).status == .unauthorized, "\(format) revoked the token")
        }
    }

    @Test func theDecoyHashIsMadeAtTheConfiguredCostLikeRealOnes() async throws {
        try await withTestDatabase(.sqlite, migrations: allMigrations) { database in
            for cost: UInt8 in [4, 6] {
                var settings = AccountService.Settings()
                settings.bcryptCost = cost
                let accounts = AccountService(database: database, clock: SystemWallClock(), settings: settings)
                let costField = String(format: "$%02d$", cost)
                #expect(accounts.decoyHash.dropFirst(3).hasPrefix(costField), "\(accounts.decoyHash.prefix(7))")
                let account = try await accounts.signUp(email: "cost\(cost)@example.com", password: "correct horse", name: "C", role: .customer)
                let stored = try #require(try await accounts.store.user(email: account.email)).passwordHash
                #expect(stored.prefix(7) == accounts.decoyHash.prefix(7), "same algorithm and cost for unknown emails as for real ones")
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func publicReadsAndHistoriesDoNotExposeAccountIDs(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, services in
            let world = try await World.make(services)
            let staffID = world.staffA.account.id.uuidString
            let restaurant = try await api.call(.get, "/v1/restaurants/\(world.fixture.restaurant.id)")
            let nearby = try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010")
            let mine = try await api.call(.get, "/v1/restaurants/mine", token: world.staffA.token)
            let order = try await api.call(.get, "/v1/orders/\(world.orderA.id)", token: world.customerA.token)
            let list = try await api.call(.get, "/v1/orders", token: world.customerA.token)
            for reply in [restaurant, nearby, mine, order, list] {
                #expect(reply.status == .ok)
                #expect(!String(decoding: reply.body, as: UTF8.self).contains(staffID), "a staff account id is exposed")
                #expect(!String(decoding: reply.body, as: UTF8.self).contains("ownerID"))
            }
            let forOperator = try await api.call(.get, "/v1/orders/\(world.orderA.id)", token: world.operatorParty.token)
            #expect(String(decoding: forOperator.body, as: UTF8.self).contains(staffID), "operators see who did what")
        }
    }

    @Test func theDemoCityIsSeededByDefaultOnlyIntoTheEmbeddedDatabase() throws {
        func configuration(_ environment: [String: String]) throws -> TiffinConfiguration {
            try TiffinConfiguration.fromEnvironment(environment)
        }
        #expect(try configuration([:]).seedsDemoCity, "the embedded default gets the demo city")
        #expect(try !configuration(["TIFFIN_DATABASE_URL": "postgres://u:p@db:5432/tiffin"]).seedsDemoCity, "PostgreSQL only when asked")
        #expect(try configuration(["TIFFIN_DATABASE_URL": "postgres://u:p@db:5432/tiffin", "TIFFIN_DEMO": "true"]).seedsDemoCity)
        #expect(try !configuration(["TIFFIN_DEMO": "false"]).seedsDemoCity)
    }

    @Test(arguments: TestDatabaseKind.available)
    func aStartWithTheDefaultsLeavesNoDemoAccountInPostgreSQL(kind: TestDatabaseKind) async throws {
        try await withApp(kind, configure: { $0.seedDemoCity = nil }) { api, services in
            let seeded = try await services.accounts.exists(email: "operator@tiffin.demo")
            #expect(seeded == (kind == .sqlite), "demo operator on \(kind): \(seeded)")
            let home = String(decoding: try await api.call(.get, "/").body, as: UTF8.self)
            #expect(home.contains("tiffin-demo") == (kind == .sqlite))
        }
    }
}
