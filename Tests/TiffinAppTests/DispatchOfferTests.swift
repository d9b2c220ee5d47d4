import Accounts
import Core
import Events
import Foundation
import Storage
import Testing
import TiffinTestSupport
import Catalog

@testable import Dispatching
@testable import Ordering
@testable import TiffinApp

/// The dispatch engine through the production wiring, on SQLite and PostgreSQL: offers and their
/// answers, bundles, one dispatcher at a time, earnings.
@Suite("Dispatch: offers, bundles, the lease, earnings")
struct DispatchOfferTests {
    static let card = approvedCard

    func acceptedOrder(_ s: TiffinServices, _ f: Fixture, deliverTo: GeoPoint? = nil) async throws -> Order {
        var request = f.request()
        if let deliverTo {
            request = OrderRequest(
                restaurantID: request.restaurantID, items: request.items, deliveryLocation: deliverTo, deliveryAddress: request.deliveryAddress)
        }
        let order = try await s.orders.place(customerID: f.customer.id, idempotencyKey: UUID().uuidString, request: request, card: Self.card).order
        return try await s.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.staff.id, reason: nil)
    }

    @Test(arguments: TestDatabaseKind.available)
    func anOfferIsAnsweredOnceAndADeclinedOrExpiredOneIsNeverRepeatedToThatCourier(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            let order = try await acceptedOrder(s, f)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            let first = try #require(try await s.dispatch.assignmentRound().first)
            #expect(first.courierID == f.courier.id && first.orderIDs == [order.id] && first.status == .pending)
            #expect(first.candidates.map(\.courierID) == [f.courier.id] && first.reason.contains("1 candidates"))
            // Another courier free: still, an order in a pending offer is not offered again.
            _ = try await s.dispatch.goOnline(courierID: f.farCourier.id, at: f.home)
            #expect(try await s.dispatch.assignmentRound().isEmpty, "an order in a pending offer is not offered again")
            _ = try await s.dispatch.goOffline(courierID: f.farCourier.id)
            let stored = try #require(try await s.dispatch.pendingOffers(courierID: f.courier.id).offers.first)
            #expect(stored.id == first.id)
            // Where the job goes, for the courier to judge it, as stored and read back.
            #expect(stored.stops.first?.restaurantID == f.restaurant.id)
            #expect(stored.stops.first?.pickup == f.restaurant.location)
            let dropoff = try #require(stored.stops.first?.dropoff)
            #expect(dropoff != f.home, "not the customer's exact point before the courier takes the job")
            #expect(abs(dropoff.lat - f.home.lat) <= 0.0015 && abs(dropoff.lon - f.home.lon) <= 0.0025, "within about 300 m of it")
            #expect(try await s.dispatch.pendingOffers(courierID: f.farCourier.id).offers.isEmpty, "nobody sees another courier's offers")
            await #expect(throws: NotFoundError.self) { try await s.dispatch.accept(offerID: first.id, courierID: f.farCourier.id) }
            await #expect(throws: NotFoundError.self) { try await s.dispatch.decline(offerID: first.id, courierID: f.farCourier.id, reason: nil) }

            // Declined: back to the next round, to the other courier only.
            _ = try await s.dispatch.decline(offerID: first.id, courierID: f.courier.id, reason: "flat tyre")
            await #expect(throws: DispatchError.offerClosed(status: .declined)) {
                try await s.dispatch.accept(offerID: first.id, courierID: f.courier.id)
            }
            #expect(try await s.dispatch.assignmentRound().isEmpty, "the only courier declined it")
            clock.advance(by: 1)
            _ = try await s.dispatch.goOnline(courierID: f.farCourier.id, at: f.home)
            let second = try #require(try await s.dispatch.assignmentRound().first)
            #expect(second.courierID == f.farCourier.id)

            // Not answered in time: expired at the next round, and that courier is excluded too.
            clock.advance(by: 31)
            _ = try await s.dispatch.goOnline(courierID: f.farCourier.id, at: f.home)  // a fresh fix
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            #expect(try await s.dispatch.assignmentRound().isEmpty, "both couriers are out for this order")
            await #expect(throws: DispatchError.offerClosed(status: .expired)) {
                try await s.dispatch.accept(offerID: second.id, courierID: f.farCourier.id)
            }
            #expect(try await s.orders.order(id: order.id, viewer: principal(f.customer)).courierAssigned == false)

            // Operators see every offer, its candidates and what came of it.
            let record = try await s.dispatch.dispatchRecord(orderID: order.id)
            #expect(record.offers.map(\.status) == [.declined, .expired])
            #expect(record.offers.allSatisfy { !$0.candidates.isEmpty && !$0.reason.isEmpty })
            await #expect(throws: NotFoundError.self) { try await s.dispatch.dispatchRecord(orderID: UUID()) }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func acceptingAssignsAndAnOrderThatEndedMeanwhileIsWithdrawn(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let order = try await acceptedOrder(s, f)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            let offer = try #require(try await s.dispatch.assignmentRound().first)
            _ = try await s.orders.restaurantMove(orderID: order.id, to: .cancelled, staffID: f.staff.id, reason: "out of dough")
            await #expect(throws: DispatchError.offerWithdrawn) { try await s.dispatch.accept(offerID: offer.id, courierID: f.courier.id) }
            #expect(try await s.dispatch.dispatchRecord(orderID: order.id).offers.map(\.status) == [.withdrawn])

            let next = try await acceptedOrder(s, f)
            let again = try #require(try await s.dispatch.assignmentRound().first)
            let accepted = try await s.dispatch.accept(offerID: again.id, courierID: f.courier.id)
            #expect(accepted.status == .accepted && accepted.orderIDs == [next.id])
            #expect(try await s.orders.order(id: next.id, viewer: principal(f.courier)).courierID == f.courier.id)
            let seen = try await s.orders.order(id: next.id, viewer: principal(f.customer))
            #expect(seen.courierAssigned == true && seen.courierID == nil, "the customer learns a courier is assigned, not who")
            _ = try await acceptedOrder(s, f)  // waiting, and this courier is the only one online
            #expect(try await s.dispatch.assignmentRound().isEmpty, "a courier with an order not yet picked up gets no more")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func ordersFromOneRestaurantGoingTheSameWayAreOfferedTogether(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            // Two customers a few hundred metres apart, north-east of the restaurant.
            let a = try await acceptedOrder(s, f, deliverTo: GeoPoint(uncheckedLat: 52.5390, lon: 13.4150))
            let b = try await acceptedOrder(s, f, deliverTo: GeoPoint(uncheckedLat: 52.5410, lon: 13.4180))
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            let offers = try await s.dispatch.assignmentRound()
            #expect(offers.count == 1 && Set(offers[0].orderIDs) == [a.id, b.id], "one courier, both orders")
            #expect(offers[0].reason.contains("bundle of 2 orders"))
            let accepted = try await s.dispatch.accept(offerID: offers[0].id, courierID: f.courier.id)
            #expect(accepted.stops.count == 2)
            for order in [a, b] {
                #expect(try await s.orders.order(id: order.id, viewer: principal(f.courier)).courierID == f.courier.id)
            }
        }
    }

    /// Two instances on one database: only the lease holder makes offers; when it stops (or its
    /// lease runs out), the other takes over.
    @Test(arguments: TestDatabaseKind.available)
    func onlyOneInstanceDispatchesAndAnotherTakesOver(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: allMigrations) { database in
            let configuration = testConfiguration(databaseURL: "sqlite::memory:")
            let one = buildServices(configuration: configuration, database: database, clock: clock, logger: testLogger)
            let two = buildServices(configuration: configuration, database: database, clock: clock, logger: testLogger)
            let f = try await Fixture.make(one)
            // Enough free couriers for every round below; each offer takes one of them.
            var couriers: [UUID] = []
            for n in 0..<6 {
                couriers.append(
                    try await one.accounts.signUp(email: "lease-\(n)-\(UUID())@example.com", password: "correct horse", name: "K\(n)", role: .courier)
                        .id)
            }
            func online() async throws {
                for s in [one, two] { for courier in couriers { _ = try await s.dispatch.goOnline(courierID: courier, at: f.home) } }
            }
            /// With an order waiting and couriers free, `idle` makes no offer and `holder` makes one.
            func onlyTheHolderDispatches(holder: TiffinServices, idle: TiffinServices, _ why: String) async throws {
                _ = try await acceptedOrder(one, f)
                #expect(try await idle.dispatch.assignmentRound().isEmpty, "\(why)")
                #expect(try await holder.dispatch.assignmentRound().count == 1, "\(why): the order was there to dispatch")
            }
            try await online()
            _ = try await acceptedOrder(one, f)
            #expect(try await one.dispatch.assignmentRound().count == 1, "the first to ask takes the lease")
            try await onlyTheHolderDispatches(holder: one, idle: two, "the other instance holds the lease")
            // The holder dies without a word: its lease runs out and the other takes over.
            clock.advance(by: 11)
            try await online()  // fresh fixes
            _ = try await acceptedOrder(one, f)
            #expect(try await two.dispatch.assignmentRound().count == 1, "taken over once the lease ran out")
            try await onlyTheHolderDispatches(holder: two, idle: one, "the lease is the other's now")
            // A clean stop hands over at once.
            await two.dispatch.releaseLease()
            _ = try await acceptedOrder(one, f)
            #expect(try await one.dispatch.assignmentRound().count == 1, "handed over at once")
            try await onlyTheHolderDispatches(holder: one, idle: two, "the lease is back with the first")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aDeliveryEarnsTheCourierOnceByTheFeeModel(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let order = try await acceptedOrder(s, f)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            #expect(try await s.dispatchRound().count == 1)
            for status in [OrderStatus.preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: order.id, to: status, staffID: f.staff.id, reason: nil)
            }
            _ = try await s.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: f.courier.id)
            _ = try await s.orders.courierMove(orderID: order.id, to: .delivered, courierID: f.courier.id)
            try await react(s)
            try await s.dispatch.recordEarnings(orderID: order.id, courierID: f.courier.id, deliveredAt: Date())  // a repeat changes nothing
            let earnings = try await s.dispatch.earnings(courierID: f.courier.id)
            let metres = Int((CourierIndex.metres(from: order.pickupLocation, to: order.deliveryLocation) * TravelModel().detourFactor).rounded())
            #expect(earnings.earnings.count == 1 && earnings.earnings[0].orderID == order.id && earnings.earnings[0].distanceMetres == metres)
            #expect(earnings.earnings[0].amount == Money(EarningsModel().amount(distanceMetres: metres, bundled: false), "EUR"))
            #expect(earnings.today == earnings.earnings[0].amount && earnings.lastSevenDays == earnings.today)
            #expect(try await s.dispatch.earnings(courierID: f.farCourier.id).earnings.isEmpty)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func whoCarriesWhatIsReadInPagesThatAddUpToEveryUndeliveredAssignedOrder(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            var assigned: Set<UUID> = []
            for n in 0..<5 {
                let order = try await acceptedOrder(s, f)
                guard n > 0 else { continue }  // the first waits for a courier: not carried by anyone
                #expect(
                    try await s.orders.assignCourier(
                        orderID: order.id, courierID: n.isMultiple(of: 2) ? f.courier.id : f.farCourier.id, reason: "test"))
                assigned.insert(order.id)
            }
            let delivered = try #require(assigned.first)
            for status in [OrderStatus.preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: delivered, to: status, staffID: f.staff.id, reason: nil)
            }
            _ = try await s.orders.courierMove(
                orderID: delivered, to: .pickedUp, courierID: try #require(try await s.orders.route(orderID: delivered)?.courierID))
            #expect(try await s.orders.activeDeliveries(pageSize: 1).first { $0.orderID == delivered }?.status == .pickedUp)
            _ = try await s.orders.courierMove(
                orderID: delivered, to: .delivered, courierID: try #require(try await s.orders.route(orderID: delivered)?.courierID))
            assigned.remove(delivered)
            for pageSize in [1, 2, 3, 1_000] {
                let deliveries = try await s.orders.activeDeliveries(pageSize: pageSize)
                #expect(deliveries.count == assigned.count && Set(deliveries.map(\.orderID)) == assigned, "page size \(pageSize)")
            }
        }
    }
}
