import Accounts
import Core
import Foundation
import Storage
import Testing
import TiffinTestSupport

@testable import Catalog
@testable import DemoCityData

@Suite("Demo city")
struct DemoCityTests {
    @Test("The demo city has at least 60 restaurants of many cuisines")
    func demoCityHasAtLeastSixtyRestaurants() {
        #expect(DemoCity.restaurants.count >= 60)
        #expect(Set(DemoCity.restaurants.map(\.cuisine)).count >= 15)
        let allDay = DemoCity.restaurants.filter(\.isOpenAllDay).count
        #expect(allDay * 4 >= DemoCity.restaurants.count, "about a third are open 24/7")
    }

    @Test("Restaurant, section, item and option IDs are unique and stable")
    func idsAreUniqueAndStable() {
        #expect(DemoCity.restaurants[0].id == DemoCity.firstRestaurantID)
        #expect(DemoCity.firstRestaurantID.uuidString == "C7504AB2-830C-4019-8A6E-B0046771F040")
        #expect(DeterministicID.make("tiffin-demo/restaurant/1") == DemoCity.firstRestaurantID)
        #expect(DeterministicID.make("tiffin-demo/restaurant/2") == DemoCity.restaurants[1].id)

        var ids: [UUID] = []
        for restaurant in DemoCity.restaurants {
            ids.append(restaurant.id)
            for section in restaurant.sections {
                ids.append(section.id)
                for item in section.items {
                    ids.append(item.id)
                    for group in item.optionGroups {
                        ids.append(group.id)
                        ids += group.options.map(\.id)
                    }
                }
            }
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test("Generated IDs are well-formed version-4 UUIDs")
    func generatedIDsAreVersionFourUUIDs() {
        for name in ["", "tiffin-demo/restaurant/1", "tiffin-demo/courier/7", "ü/😀"] {
            let text = DeterministicID.make(name).uuidString
            let characters = Array(text)
            #expect(characters[14] == "4", "version nibble of \(text)")
            #expect("89AB".contains(characters[19]), "variant of \(text)")
            #expect(DeterministicID.make(name) == DeterministicID.make(name))
        }
    }

    @Test("Every hour of the week has enough open restaurants, enough of them delivering to the demo customer")
    func coverageProblemsIsEmpty() {
        #expect(DemoCity.coverageProblems() == [])
    }

    @Test("The coverage check reports hours when too few restaurants are open")
    func coverageCheckReportsGaps() {
        let bakeries = DemoCity.restaurants.filter { $0.cuisine == "Bakery & Café" }
        let problems = DemoCity.coverageProblems(restaurants: bakeries)
        #expect(problems.contains { $0.hasPrefix("Mon 03:00: only 0 restaurants open") })
    }

    @Test("Every restaurant lies in Berlin with realistic delivery settings and valid opening hours")
    func restaurantsHaveRealisticSettings() throws {
        for restaurant in DemoCity.restaurants {
            #expect((52.44...52.58).contains(restaurant.location.lat), "\(restaurant.name)")
            #expect((13.25...13.55).contains(restaurant.location.lon), "\(restaurant.name)")
            #expect((3_000...7_000).contains(restaurant.deliveryRadiusMetres), "\(restaurant.name)")
            #expect((800...2_000).contains(restaurant.minimumOrder.amount), "\(restaurant.name)")
            #expect(restaurant.minimumOrder.currency == "EUR")
            #expect((10...30).contains(restaurant.prepMinutes), "\(restaurant.name)")
            #expect(restaurant.timeZone == "Europe/Berlin")
            #expect(!restaurant.description.isEmpty && !restaurant.address.isEmpty)
            for (index, rule) in restaurant.openingHours.enumerated() {
                try rule.validate(field: "\(restaurant.name).openingHours.\(index)")
            }
        }
    }

    @Test("Every restaurant has a menu with at least two sections of priced items")
    func everyRestaurantHasAPricedMenu() {
        for restaurant in DemoCity.restaurants {
            #expect((2...5).contains(restaurant.sections.count), "\(restaurant.name)")
            for section in restaurant.sections {
                #expect((3...8).contains(section.items.count), "\(restaurant.name) / \(section.name)")
                for item in section.items {
                    #expect(item.price.amount > 0, "\(restaurant.name) / \(item.name)")
                    #expect(item.price.currency == "EUR")
                }
            }
        }
        let items = DemoCity.restaurants.flatMap { $0.sections.flatMap(\.items) }
        let soldOut = items.filter(\.isSoldOut).count
        #expect(soldOut > 0, "a few items are sold out so the flag is visible")
        #expect(soldOut < items.count / 20)
    }

    @Test("Option groups are valid, and most restaurants offer some")
    func optionGroupsAreValid() throws {
        var restaurantsWithOptions = 0
        for restaurant in DemoCity.restaurants {
            let groups = restaurant.sections.flatMap { $0.items.flatMap(\.optionGroups) }
            if !groups.isEmpty { restaurantsWithOptions += 1 }
            for (index, group) in groups.enumerated() {
                try group.validate(field: "\(restaurant.name).optionGroups.\(index)")
            }
        }
        #expect(restaurantsWithOptions * 2 > DemoCity.restaurants.count)
    }

    @Test("There is one demo account per role, and every restaurant and courier has its own account")
    func accountsCoverEveryRole() {
        #expect(DemoCity.demoAccounts.map(\.role) == [.customer, .staff, .courier, .operator])
        #expect(DemoCity.restaurants[0].ownerEmail == "staff@tiffin.demo")
        #expect(DemoCity.restaurants[1].ownerEmail == "restaurant-02@tiffin.demo")
        #expect(Set(DemoCity.restaurants.map(\.ownerEmail)).count == DemoCity.restaurants.count)
        #expect(DemoCity.couriers.count == 25)
        #expect(DemoCity.couriers[0].email == "courier@tiffin.demo")
        #expect(Set(DemoCity.couriers.map(\.email)).count == DemoCity.couriers.count)
        for courier in DemoCity.couriers {
            #expect(courier.start.distance(to: DemoCity.centre) < 10_000, "\(courier.email)")
        }
    }

    @Test("Seeding creates the whole city once, and a second seed changes nothing", arguments: TestDatabaseKind.available)
    func seedingIsIdempotent(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: Outbox.migrations + AccountService.migrations + CatalogService.migrations) { database in
            var settings = AccountService.Settings()
            settings.bcryptCost = 4
            let accounts = AccountService(database: database, clock: ManualWallClock(), settings: settings)
            let catalog = makeCatalog(database, clock: ManualWallClock())

            let first = try await DemoCity.seed(accounts: accounts, catalog: catalog)
            #expect(first.restaurantsCreated == DemoCity.restaurants.count)
            #expect(first.restaurantsTotal == DemoCity.restaurants.count)
            #expect(first.couriers.map { $0.account.email } == DemoCity.couriers.map(\.email))
            #expect(first.couriers.allSatisfy { $0.account.role == .courier })

            let second = try await DemoCity.seed(accounts: accounts, catalog: catalog)
            #expect(second.restaurantsCreated == 0)
            #expect(second.couriers.map { $0.account.id } == first.couriers.map { $0.account.id })
            #expect(try await catalog.store.restaurantCount() == DemoCity.restaurants.count)

            let staff = try await accounts.logIn(email: "staff@tiffin.demo", password: DemoCity.password)
            let staffRestaurant = try await catalog.restaurant(ownedBy: staff.account.id)
            #expect(staffRestaurant.id == DemoCity.firstRestaurantID)

            let menu = try await catalog.menu(restaurantID: DemoCity.firstRestaurantID)
            let expected = DemoCity.restaurants[0].sections
            #expect(menu.map(\.id) == expected.map(\.id))
            #expect(Set(menu.flatMap(\.items).map(\.id)) == Set(expected.flatMap(\.items).map(\.id)))
        }
    }
}
