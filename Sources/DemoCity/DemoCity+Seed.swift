public import Accounts
public import Catalog
import Core
import Foundation

extension DemoCity {
    /// Creates the demo accounts, restaurants and menus unless already present, and returns a
    /// summary with every courier account and its starting position.
    ///
    /// Idempotent: `ensureAccount` keeps existing accounts, and a restaurant whose deterministic
    /// ID already exists is left exactly as it is (with whatever menu edits staff made), so a
    /// later start only reads. Restaurants are checked one by one, so an interrupted first seed
    /// is completed on the next start. Accounts are hashed two at a time (bcrypt is slow).
    public static func seed(accounts: AccountService, catalog: CatalogService) async throws -> DemoCitySummary {
        let byEmail = try await ensureAccounts(accounts)
        func account(_ email: String) throws -> Account {
            guard let account = byEmail[AccountService.normalize(email: email)] else {
                throw NotFoundError(entity: "demo account", id: email)
            }
            return account
        }

        var created = 0
        for restaurant in restaurants where try await !catalog.exists(restaurantID: restaurant.id) {
            if try await create(restaurant, ownerID: try account(restaurant.ownerEmail).id, catalog: catalog) {
                created += 1
            }
        }
        return DemoCitySummary(
            restaurantsCreated: created, restaurantsTotal: restaurants.count,
            couriers: try couriers.map { (account: try account($0.email), start: $0.start) })
    }

    /// Every account the demo city needs: the role accounts, restaurant owners, couriers.
    static var accountSpecs: [DemoAccount] {
        var specs = demoAccounts
        specs += restaurants.dropFirst().map { DemoAccount(role: .staff, email: $0.ownerEmail, name: $0.ownerName) }
        specs += couriers.dropFirst().map { DemoAccount(role: .courier, email: $0.email, name: $0.name) }
        return specs
    }

    /// Ensures every account, at most two at a time; returns them by normalised email.
    private static func ensureAccounts(_ service: AccountService) async throws -> [String: Account] {
        try await withThrowingTaskGroup(of: Account.self) { group in
            var pending = accountSpecs.makeIterator()
            func startNext() {
                guard let spec = pending.next() else { return }
                group.addTask {
                    try await service.ensureAccount(email: spec.email, password: password, name: spec.name, role: spec.role)
                }
            }
            startNext()
            startNext()
            var result: [String: Account] = [:]
            while let account = try await group.next() {
                result[account.email] = account
                startNext()
            }
            return result
        }
    }

    /// Creates one restaurant with its sections and items. Returns false when another writer
    /// created it (or gave its owner a restaurant) first.
    private static func create(_ restaurant: DemoRestaurant, ownerID: UUID, catalog: CatalogService) async throws -> Bool {
        do {
            _ = try await catalog.createRestaurant(ownerID: ownerID, draft: restaurant.draft, id: restaurant.id)
        } catch CatalogError.alreadyOwnsRestaurant {
            return false
        }
        for section in restaurant.sections {
            _ = try await catalog.addSection(
                restaurantID: restaurant.id, ownerID: ownerID, name: section.name, position: section.position, id: section.id)
        }
        let drafts = restaurant.sections.flatMap { section in section.items.map { $0.draft(sectionID: section.id) } }
        _ = try await catalog.addItems(restaurantID: restaurant.id, ownerID: ownerID, drafts: drafts)
        return true
    }
}
