import Accounts
import Catalog
import Core
import Events
import Foundation
import Ordering
import Testing
import TiffinTestSupport
import Dispatching

@testable import Notifications
@testable import TiffinApp

/// A city with two of every party, signed in over HTTP: customer, staff (each with a restaurant,
/// section and item), courier; and an operator. Customer A's order at restaurant A is accepted
/// and assigned to courier A. The B parties own nothing of A's.
struct World: Sendable {
    struct Party: Sendable {
        let account: Account
        let token: String
        var principal: Principal { account.principal }
    }

    let fixture: Fixture
    let customerA: Party
    let customerB: Party
    let staffA: Party
    let staffB: Party
    let courierA: Party
    let courierB: Party
    let operatorParty: Party
    let orderA: Order
    /// Staff A's webhook endpoint (disabled, so nothing is sent while the matrix runs) and one delivery of it.
    let webhookA: UUID
    let deliveryA: UUID

    /// Concrete ids for path parameters, all belonging to the A parties.
    var pathIDs: [String: String] {
        [
            "orderID": orderA.id.uuidString, "restaurantID": fixture.restaurant.id.uuidString,
            "sectionID": fixture.pizza.sectionID.uuidString, "itemID": fixture.pizza.id.uuidString,
            "webhookID": webhookA.uuidString, "deliveryID": deliveryA.uuidString,
        ]
    }

    /// The other party of the same role as the owner: B for customers, staff and couriers.
    func other(_ role: Role) -> Party? {
        switch role {
        case .customer: customerB
        case .staff: staffB
        case .courier: courierB
        case .operator: nil
        }
    }

    func party(_ role: Role) -> Party {
        switch role {
        case .customer: customerA
        case .staff: staffA
        case .courier: courierA
        case .operator: operatorParty
        }
    }

    static func make(_ services: TiffinServices) async throws -> World {
        let f = try await Fixture.make(services)
        let a = services.accounts
        func party(_ account: Account) async throws -> Party {
            Party(account: account, token: try await a.logIn(email: account.email, password: "correct horse").token)
        }
        let staffB = try await party(f.otherStaff)
        _ = try await services.catalog.createRestaurant(
            ownerID: f.otherStaff.id,
            draft: .init(
                name: "Other", cuisine: "Soup", description: "", address: "Elsewhere 1", location: f.home, timeZone: "Europe/Berlin",
                openingHours: OpeningHoursRule.allDay, deliveryRadiusMetres: 3_000, minimumOrder: Money(0, "EUR"), prepMinutes: 10))
        let order = try await services.orders.place(
            customerID: f.customer.id, idempotencyKey: "world", request: f.request(), card: "4242424242424242"
        )
        .order
        _ = try await services.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.staff.id, reason: nil)
        _ = try await services.dispatch.goOnline(courierID: f.courier.id, at: f.home)
        _ = try await services.dispatchRound()
        let hook = try await services.webhooks.create(
            by: f.staff.principal, url: "https://hooks.example.com/tiffin", eventTypes: ["order.confirmed"], description: nil)
        _ = try await services.webhooks.update(hook.endpoint.id, by: f.staff.principal, url: nil, eventTypes: nil, description: nil, enabled: false)
        let deliveryID = UUID()
        try await WebhookStore(database: services.database).enqueue(
            [.init(id: deliveryID, endpointID: hook.endpoint.id, eventID: UUID(), eventType: "order.confirmed", body: "{}")], at: Date(),
            giveUpAt: Date().addingTimeInterval(3_600))
        return World(
            fixture: f, customerA: try await party(f.customer), customerB: try await party(f.otherCustomer), staffA: try await party(f.staff),
            staffB: staffB, courierA: try await party(f.courier), courierB: try await party(f.farCourier),
            operatorParty: try await party(f.operatorAccount),
            orderA: try await services.orders.order(
                id: order.id,
                viewer: f.customer.principal), webhookA: hook.endpoint.id, deliveryA: deliveryID)
    }

    /// `path` with every `:name` replaced by the A parties' ids.
    func concrete(_ path: String) -> String {
        "/"
            + path.split(separator: "/").map { segment in
                segment.hasPrefix(":") ? (pathIDs[String(segment.dropFirst())] ?? UUID().uuidString) : String(segment)
            }.joined(separator: "/")
    }
}
