import Accounts
import Catalog
import Core
import Foundation
import Ordering
import TiffinApp
import Dispatching

/// A small city for service tests: one restaurant open all day with a pizza (size required,
/// extras optional) and a drink, a customer near it, and two couriers.
struct Fixture: Sendable {
    let customer: Account
    let otherCustomer: Account
    let staff: Account
    let otherStaff: Account
    let courier: Account
    let farCourier: Account
    let operatorAccount: Account
    let restaurant: Restaurant
    let pizza: MenuItem
    let drink: MenuItem
    let home: GeoPoint

    var small: UUID { pizza.optionGroups[0].options[0].id }
    var large: UUID { pizza.optionGroups[0].options[1].id }
    var cheese: UUID { pizza.optionGroups[1].options[0].id }

    static func make(_ services: TiffinServices) async throws -> Fixture {
        let a = services.accounts
        let staff = try await a.signUp(email: "staff-\(UUID())@example.com", password: "correct horse", name: "Staff", role: .staff)
        let otherStaff = try await a.signUp(email: "staff2-\(UUID())@example.com", password: "correct horse", name: "Staff 2", role: .staff)
        let restaurant = try await services.catalog.createRestaurant(
            ownerID: staff.id,
            draft: .init(
                name: "Testa", cuisine: "Pizza", description: "Test pizzeria", address: "Torstraße 1, Berlin",
                location: GeoPoint(uncheckedLat: 52.5290, lon: 13.4000), timeZone: "Europe/Berlin", openingHours: OpeningHoursRule.allDay,
                deliveryRadiusMetres: 4_000, minimumOrder: Money(1_000, "EUR"), prepMinutes: 15))
        let section = try await services.catalog.addSection(restaurantID: restaurant.id, ownerID: staff.id, name: "Mains", position: 0)
        let items = try await services.catalog.addItems(
            restaurantID: restaurant.id, ownerID: staff.id,
            drafts: [
                .init(
                    sectionID: section.id, name: "Margherita", description: "Tomato, mozzarella", price: 900, position: 0,
                    optionGroups: [
                        OptionGroup(
                            id: UUID(), name: "Size", minChoices: 1, maxChoices: 1,
                            options: [
                                MenuOption(id: UUID(), name: "26 cm", priceDelta: 0), MenuOption(id: UUID(), name: "32 cm", priceDelta: 250),
                            ]),
                        OptionGroup(
                            id: UUID(), name: "Extras", minChoices: 0, maxChoices: 2,
                            options: [MenuOption(id: UUID(), name: "Cheese", priceDelta: 100), MenuOption(id: UUID(), name: "Basil", priceDelta: 50)]),
                    ]),
                .init(sectionID: section.id, name: "Lemonade", description: "", price: 350, position: 1),
            ])
        return Fixture(
            customer: try await a.signUp(email: "c-\(UUID())@example.com", password: "correct horse", name: "Ada", role: .customer),
            otherCustomer: try await a.signUp(email: "c2-\(UUID())@example.com", password: "correct horse", name: "Bob", role: .customer),
            staff: staff, otherStaff: otherStaff,
            courier: try await a.signUp(email: "k-\(UUID())@example.com", password: "correct horse", name: "Kim", role: .courier),
            farCourier: try await a.signUp(email: "k2-\(UUID())@example.com", password: "correct horse", name: "Lou", role: .courier),
            operatorAccount: try await a.createOperator(email: "op-\(UUID())@example.com", password: "correct horse", name: "Oli"),
            restaurant: restaurant, pizza: items[0], drink: items[1], home: GeoPoint(uncheckedLat: 52.5296, lon: 13.4010))
    }

    /// The customer's order of `request()`, paid with the approved test card, under a new key.
    func place(in s: TiffinServices) async throws -> Order {
        try await s.orders.place(customerID: customer.id, idempotencyKey: UUID().uuidString, request: request(), card: approvedCard).order
    }

    func request(quantity: Int = 2, options: [UUID]? = nil) -> OrderRequest {
        OrderRequest(
            restaurantID: restaurant.id, items: [.init(itemID: pizza.id, quantity: quantity, options: options ?? [small])],
            deliveryLocation: home, deliveryAddress: "Weinbergsweg 1, Berlin")
    }
}

/// An order and the courier it went to.
struct Assigned: Equatable {
    let orderID: UUID
    let courierID: UUID
}

extension TiffinServices {
    /// A dispatch round whose offers are all accepted at once: the orders assigned, each with its courier.
    @discardableResult
    func dispatchRound() async throws -> [Assigned] {
        var assigned: [Assigned] = []
        for offer in try await dispatch.assignmentRound() {
            let accepted = try await dispatch.accept(offerID: offer.id, courierID: offer.courierID)
            assigned += accepted.orderIDs.map { Assigned(orderID: $0, courierID: accepted.courierID) }
        }
        return assigned
    }
}

/// The test card the sandbox approves.
let approvedCard = "4242424242424242"

/// The principal an account signs in as.
func principal(_ account: Accounts.Account) -> Principal { account.principal }

extension Accounts.Account {
    var principal: Principal { Principal(userID: id, role: role, email: email) }
}
