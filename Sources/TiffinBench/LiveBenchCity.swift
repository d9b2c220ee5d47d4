import Accounts
import Catalog
import Core
import Dispatching
import Events
public import Foundation
public import Logging
import Ordering
public import TiffinApp

/// A city in the middle of its dinner peak, for the push-latency benchmark (`tiffin
/// bench-live-city`, driven by `scripts/bench-live.sh`): every customer's order has been placed,
/// paid, accepted, prepared, assigned and picked up — each step through the same services the
/// API calls, so the server that then opens on this database restores exactly what it would after
/// a restart at 7 pm. Couriers carry `ordersPerCourier` orders each (a bundle), all from one
/// restaurant, and are online at it.
public struct LiveBenchCity: Sendable {
    public var customers: Int
    public var ordersPerCourier: Int
    public var restaurants: Int
    /// Steps in flight at once (SQLite commits them in groups).
    public var concurrency: Int

    public init(customers: Int, ordersPerCourier: Int, restaurants: Int, concurrency: Int) {
        self.customers = customers
        self.ordersPerCourier = ordersPerCourier
        self.restaurants = restaurants
        self.concurrency = concurrency
    }

    /// Signed-in parties: each courier's bearer token; each customer's token and order id.
    public struct Parties: Sendable {
        public var couriers: [String] = []
        public var watchers: [(token: String, orderID: UUID)] = []
    }

    static let password = "bench password"

    /// Builds the city in the configured database (migrated first) and signs everyone in.
    public func seed(configuration: TiffinConfiguration, logger: Logger) async throws -> Parties {
        try await withMigratedDatabase(configuration: configuration, logger: logger) { database, _ in
            let services = buildServices(configuration: configuration, database: database, logger: logger)
            return try await seed(services)
        }
    }

    func seed(_ services: TiffinServices) async throws -> Parties {
        let run = UUID().uuidString.prefix(8).lowercased()
        // Restaurants on a ring around the centre of Berlin, each with one dish.
        var built: [(restaurant: Restaurant, staffID: UUID, itemID: UUID)] = []
        for r in 0..<restaurants {
            let staff = try await services.accounts.signUp(
                email: "bench-\(run)-staff\(r)@bench.test", password: Self.password, name: "Staff \(r)", role: .staff)
            let angle = Double(r) / Double(restaurants) * 2 * .pi
            let restaurant = try await services.catalog.createRestaurant(
                ownerID: staff.id,
                draft: .init(
                    name: "Bench Kitchen \(r)", cuisine: "Bench", description: "", address: "Benchstraße \(r + 1), Berlin",
                    location: GeoPoint(uncheckedLat: 52.52 + 0.05 * sin(angle), lon: 13.405 + 0.08 * cos(angle)), timeZone: "Europe/Berlin",
                    openingHours: OpeningHoursRule.allDay, deliveryRadiusMetres: 5_000, minimumOrder: Money(0, "EUR"), prepMinutes: 10))
            let section = try await services.catalog.addSection(restaurantID: restaurant.id, ownerID: staff.id, name: "Mains", position: 0)
            let item = try await services.catalog.addItem(
                restaurantID: restaurant.id, ownerID: staff.id,
                draft: .init(sectionID: section.id, name: "Dal", description: "", price: 1_150, position: 0))
            built.append((restaurant, staff.id, item.id))
        }
        let kitchens = built
        let courierCount = (customers + ordersPerCourier - 1) / ordersPerCourier
        let couriers = try await inParallel(courierCount) { k -> (id: UUID, token: String) in
            let email = "bench-\(run)-courier\(k)@bench.test"
            let account = try await services.accounts.signUp(email: email, password: Self.password, name: "Courier \(k)", role: .courier)
            _ = try await services.dispatch.goOnline(
                courierID: account.id, at: kitchens[k % kitchens.count].restaurant.location, vehicle: .bicycle)
            return (account.id, try await services.accounts.logIn(email: email, password: Self.password).token)
        }
        let watchers = try await inParallel(customers) { c -> (token: String, orderID: UUID) in
            let courier = couriers[c / ordersPerCourier]
            let kitchen = kitchens[(c / ordersPerCourier) % kitchens.count]
            let email = "bench-\(run)-customer\(c)@bench.test"
            let customer = try await services.accounts.signUp(email: email, password: Self.password, name: "Customer \(c)", role: .customer)
            let home = GeoPoint(
                uncheckedLat: kitchen.restaurant.location.lat + Double(c % 7 - 3) * 0.003,
                lon: kitchen.restaurant.location.lon + Double(c % 5 - 2) * 0.004)
            let order = try await services.orders.place(
                customerID: customer.id, idempotencyKey: "bench-\(c)",
                request: OrderRequest(
                    restaurantID: kitchen.restaurant.id, items: [.init(itemID: kitchen.itemID, quantity: 1)], deliveryLocation: home,
                    deliveryAddress: "Benchweg \(c), Berlin"),
                card: "4242424242424242"
            ).order
            guard order.status == .confirmed else { throw LiveBenchCityError.notConfirmed(order.status) }
            _ = try await services.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: kitchen.staffID, reason: nil)
            guard try await services.orders.assignCourier(orderID: order.id, courierID: courier.id, reason: "benchmark bundle") else {
                throw LiveBenchCityError.notAssigned
            }
            _ = try await services.orders.restaurantMove(orderID: order.id, to: .preparing, staffID: kitchen.staffID, reason: nil)
            _ = try await services.orders.restaurantMove(orderID: order.id, to: .ready, staffID: kitchen.staffID, reason: nil)
            _ = try await services.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: courier.id)
            return (try await services.accounts.logIn(email: email, password: Self.password).token, order.id)
        }
        return Parties(couriers: couriers.map(\.token), watchers: watchers)
    }

    /// `body(0..<count)`, `concurrency` at a time, results in index order.
    private func inParallel<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            while next < min(concurrency, count) {
                let i = next
                group.addTask { (i, try await body(i)) }
                next += 1
            }
            while let (i, value) = try await group.next() {
                results[i] = value
                if next < count {
                    let n = next
                    group.addTask { (n, try await body(n)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}

enum LiveBenchCityError: Error, CustomStringConvertible {
    case notConfirmed(OrderStatus)
    case notAssigned

    var description: String {
        switch self {
        case .notConfirmed(let status): "a benchmark order was not confirmed (\(status.rawValue))"
        case .notAssigned: "a benchmark order could not be assigned"
        }
    }
}
