import Core
import Dispatching
import Foundation
import Storage
import Testing
import TiffinTestSupport

@testable import Ordering
@testable import Payments
@testable import TiffinApp

/// Ordering, payments and dispatch through the production wiring, on SQLite and PostgreSQL.
@Suite("Order flow across domains")
struct OrderFlowTests {
    /// Delivers pending outbox events once, as the relay would.
    func react(_ services: TiffinServices) async throws {
        let relay = OutboxRelay(database: services.database, subscriptions: outboxSubscriptions(services), clock: services.clock, logger: testLogger)
        while try await relay.drainOnce() > 0 {}
    }

    func confirmedOrder(_ s: TiffinServices, _ f: Fixture, key: String = UUID().uuidString) async throws -> Order {
        try await s.orders.place(customerID: f.customer.id, idempotencyKey: key, request: f.request(), card: "4242424242424242").order
    }

    @Test(arguments: TestDatabaseKind.available)
    func placingAnOrderAuthorisesThePaymentAndConfirmsIt(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let order = try await confirmedOrder(s, f)
            #expect(order.status == .confirmed)
            #expect(order.total == Money(900 * 2 + 199 + 90, "EUR"))
            let payment = try await s.payments.payment(orderID: order.id)
            #expect(payment.status == .authorized)
            #expect(payment.amount == order.total)
            #expect(payment.cardLast4 == "4242")
            let history = try #require(
                try await s.orders.order(id: order.id, viewer: Principal(userID: f.customer.id, role: .customer, email: "")).history)
            #expect(history.map(\.to) == [.placed, .confirmed])
            let events = try await s.database.read { db in try await Outbox.events(aggregateID: order.id, on: db) }
            #expect(events.map(\.type) == ["order.placed", "order.confirmed"])
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aDeclinedCardLeavesNoConfirmedOrder(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            for (card, reason) in [
                ("4000000000000002", "card_declined"), ("4000 0000 0000 9995", "insufficient_funds"), ("4000000000000119", "processing_error"),
            ] {
                do {
                    _ = try await s.orders.place(customerID: f.customer.id, idempotencyKey: UUID().uuidString, request: f.request(), card: card)
                    Issue.record("card \(card) should be declined")
                } catch OrderingError.paymentDeclined(_, let got) {
                    #expect(got == reason)
                }
            }
            let orders = try await s.orders.customerOrders(customerID: f.customer.id, limit: 10)
            #expect(orders.count == 3)
            #expect(orders.allSatisfy { $0.status == .paymentFailed })
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func anUnreachableProviderFailsFastWithoutHoldingMoney(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            for card in ["4000000000000036", "4000000000000077"] {  // network error; slow beyond the deadline
                await #expect(throws: OrderingError.self) {
                    try await s.orders.place(customerID: f.customer.id, idempotencyKey: UUID().uuidString, request: f.request(), card: card)
                }
            }
            try await react(s)
            for order in try await s.orders.customerOrders(customerID: f.customer.id, limit: 10) {
                #expect(order.status == .paymentFailed)
                #expect(try await s.payments.payment(orderID: order.id).status == .failed)
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aRetryWithTheSameKeyReturnsTheSameOrderAndAnotherBodyIsRefused(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let first = try await s.orders.place(customerID: f.customer.id, idempotencyKey: "k-1", request: f.request(), card: "4242424242424242")
            let retry = try await s.orders.place(customerID: f.customer.id, idempotencyKey: "k-1", request: f.request(), card: "4242424242424242")
            #expect(!first.replayed && retry.replayed)
            #expect(retry.order.id == first.order.id)
            await #expect(throws: OrderingError.idempotencyKeyReused) {
                try await s.orders.place(customerID: f.customer.id, idempotencyKey: "k-1", request: f.request(quantity: 3), card: "4242424242424242")
            }
            // Keys belong to a customer: another customer may use the same string.
            let other = try await s.orders.place(
                customerID: f.otherCustomer.id, idempotencyKey: "k-1", request: f.request(), card: "4242424242424242")
            #expect(other.order.id != first.order.id)
            #expect(try await s.orders.customerOrders(customerID: f.customer.id, limit: 10).count == 1)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func concurrentDuplicatesPlaceExactlyOneOrder(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            let placement = try await s.orders.place(
                                customerID: f.customer.id, idempotencyKey: "same", request: f.request(), card: "4242424242424242")
                            return placement.replayed ? "replayed" : "created"
                        } catch OrderingError.requestInProgress {
                            return "conflict"
                        } catch {
                            return "unexpected: \(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "created" }.count == 1, "\(outcomes)")
            #expect(outcomes.allSatisfy { ["created", "replayed", "conflict"].contains($0) }, "\(outcomes)")
            #expect(try await s.orders.customerOrders(customerID: f.customer.id, limit: 10).count == 1)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func rejectionAndCancellationVoidTheAuthorisation(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let rejected = try await confirmedOrder(s, f)
            _ = try await s.orders.restaurantMove(orderID: rejected.id, to: .rejected, staffID: f.staff.id, reason: "out of dough")
            let cancelled = try await confirmedOrder(s, f)
            _ = try await s.orders.cancel(orderID: cancelled.id, customerID: f.customer.id, reason: nil)
            try await react(s)
            #expect(try await s.payments.payment(orderID: rejected.id).status == .voided)
            #expect(try await s.payments.payment(orderID: cancelled.id).status == .voided)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func onlyTheOwningRestaurantMovesAnOrderAndOnlyTheOwnerCancels(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let order = try await confirmedOrder(s, f)
            await #expect(throws: NotFoundError.self) {
                try await s.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.otherStaff.id, reason: nil)
            }
            await #expect(throws: NotFoundError.self) { try await s.orders.cancel(orderID: order.id, customerID: f.otherCustomer.id, reason: nil) }
            await #expect(throws: NotFoundError.self) {
                try await s.orders.order(id: order.id, viewer: Principal(userID: f.otherCustomer.id, role: .customer, email: ""))
            }
            await #expect(throws: NotFoundError.self) {
                try await s.orders.order(id: order.id, viewer: Principal(userID: f.otherStaff.id, role: .staff, email: ""))
            }
            _ = try await s.orders.order(id: order.id, viewer: Principal(userID: f.staff.id, role: .staff, email: ""))
            _ = try await s.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.staff.id, reason: nil)
            await #expect(throws: OrderingError.illegalTransition(from: .accepted, to: .cancelled)) {
                try await s.orders.cancel(orderID: order.id, customerID: f.customer.id, reason: nil)
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func anUnansweredOrderExpiresAndItsAuthorisationIsVoided(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            let order = try await confirmedOrder(s, f)
            clock.advance(by: 599)
            #expect(try await s.orders.expireOverdue() == 0)
            clock.advance(by: 2)
            #expect(try await s.orders.expireOverdue() == 1)
            try await react(s)
            let expired = try await s.orders.order(id: order.id, viewer: Principal(userID: f.customer.id, role: .customer, email: ""))
            #expect(expired.status == .expired)
            #expect(try await s.payments.payment(orderID: order.id).status == .voided)
            await #expect(throws: OrderingError.illegalTransition(from: .expired, to: .accepted)) {
                try await s.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.staff.id, reason: nil)
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func theNearestFreeCourierGetsTheOrderAndDeliveryCapturesPayment(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: GeoPoint(uncheckedLat: 52.5300, lon: 13.4010))  // ~120 m away
            _ = try await s.dispatch.goOnline(courierID: f.farCourier.id, at: GeoPoint(uncheckedLat: 52.5000, lon: 13.4500))  // ~4.5 km away
            let first = try await confirmedOrder(s, f)
            #expect(try await s.dispatch.assignmentRound().isEmpty, "a confirmed order is not yet accepted")
            _ = try await s.orders.restaurantMove(orderID: first.id, to: .accepted, staffID: f.staff.id, reason: nil)
            let made = try await s.dispatch.assignmentRound()
            #expect(made.map(\.courierID) == [f.courier.id])

            // The near courier is busy now: the next order goes to the far one.
            let second = try await confirmedOrder(s, f)
            _ = try await s.orders.restaurantMove(orderID: second.id, to: .accepted, staffID: f.staff.id, reason: nil)
            #expect(try await s.dispatch.assignmentRound().map(\.courierID) == [f.farCourier.id])

            for status in [OrderStatus.preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: first.id, to: status, staffID: f.staff.id, reason: nil)
            }
            await #expect(throws: NotFoundError.self) { try await s.orders.courierMove(orderID: first.id, to: .pickedUp, courierID: f.farCourier.id) }
            _ = try await s.orders.courierMove(orderID: first.id, to: .pickedUp, courierID: f.courier.id)
            _ = try await s.orders.courierMove(orderID: first.id, to: .delivered, courierID: f.courier.id)
            try await react(s)
            #expect(try await s.payments.payment(orderID: first.id).status == .captured)
            #expect(try await s.payments.payment(orderID: second.id).status == .authorized)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func theCustomerSeesTheCourierOnlyWhileCarryingAndStaleWhenQuiet(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            let customer = Principal(userID: f.customer.id, role: .customer, email: "")
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: GeoPoint(uncheckedLat: 52.5300, lon: 13.4010))
            let order = try await confirmedOrder(s, f)
            for status in [OrderStatus.accepted, .preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: order.id, to: status, staffID: f.staff.id, reason: nil)
            }
            _ = try await s.dispatch.assignmentRound()
            await #expect(throws: DispatchError.notCarrying(status: "ready")) {
                try await s.dispatch.courierPosition(orderID: order.id, viewer: customer)
            }
            _ = try await s.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: f.courier.id)
            _ = await s.dispatch.report(courierID: f.courier.id, location: GeoPoint(uncheckedLat: 52.5298, lon: 13.4012), recordedAt: nil)
            let fresh = try await s.dispatch.courierPosition(orderID: order.id, viewer: customer)
            #expect(!fresh.isStale && fresh.ageSeconds == 0 && fresh.location.lat == 52.5298)
            clock.advance(by: 45)
            let quiet = try await s.dispatch.courierPosition(orderID: order.id, viewer: customer)
            #expect(quiet.isStale && quiet.ageSeconds == 45 && quiet.location.lat == 52.5298)
            await #expect(throws: NotFoundError.self) {
                try await s.dispatch.courierPosition(orderID: order.id, viewer: Principal(userID: f.otherCustomer.id, role: .customer, email: ""))
            }
            _ = try await s.orders.courierMove(orderID: order.id, to: .delivered, courierID: f.courier.id)
            await #expect(throws: DispatchError.notCarrying(status: "delivered")) {
                try await s.dispatch.courierPosition(orderID: order.id, viewer: customer)
            }
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func courierPositionsSurviveARestartThroughTheBatchedSnapshot(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: nil)
            _ = await s.dispatch.report(courierID: f.courier.id, location: GeoPoint(uncheckedLat: 52.51, lon: 13.39), recordedAt: nil)
            try await s.dispatch.flush()
            let restarted = DispatchService(database: s.database, orders: DispatchOrdersAdapter(orders: s.orders), clock: s.clock, logger: testLogger)
            try await restarted.restore()
            let state = await restarted.state(courierID: f.courier.id)
            #expect(state.isOnline && state.location?.lat == 52.51)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func anItemSoldOutAfterTheQuoteCannotBeOrdered(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            _ = try await s.orders.quote(f.request())
            _ = try await s.catalog.updateItem(restaurantID: f.restaurant.id, ownerID: f.staff.id, itemID: f.pizza.id) { $0.isSoldOut = true }
            await #expect(throws: OrderingError.itemUnavailable(field: "items.0.itemID", name: "Margherita")) {
                try await s.orders.place(customerID: f.customer.id, idempotencyKey: "k", request: f.request(), card: "4242424242424242")
            }
            // The key was released: fixing the problem and retrying with it works.
            _ = try await s.catalog.updateItem(restaurantID: f.restaurant.id, ownerID: f.staff.id, itemID: f.pizza.id) { $0.isSoldOut = false }
            #expect(
                try await s.orders.place(customerID: f.customer.id, idempotencyKey: "k", request: f.request(), card: "4242424242424242").order.status
                    == .confirmed)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aPlacementInterruptedByACrashIsFailedAndItsHoldVoided(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            // What a crash between writing the order and settling its payment leaves behind.
            let quote = try await s.orders.quote(f.request())
            let now = clock.now()
            let order = Order(
                id: UUID(), customerID: f.customer.id, restaurantID: f.restaurant.id, restaurantName: quote.restaurantName, status: .placed,
                lines: quote.lines, subtotal: quote.subtotal, deliveryFee: quote.deliveryFee, serviceFee: quote.serviceFee, total: quote.total,
                deliveryLocation: quote.deliveryLocation, deliveryAddress: quote.deliveryAddress, pickupLocation: f.restaurant.location,
                etaMinutes: quote.etaMinutes, paymentID: nil, courierID: nil, placedAt: now, updatedAt: now, acceptDeadline: nil, history: nil)
            try await s.database.transaction { db in
                try await s.orders.store.insert(order, on: db)
                try await s.orders.store.record(
                    OrderStatusChange(from: nil, to: .placed, actor: .customer, actorID: f.customer.id, reason: nil, at: now), of: order, on: db)
            }
            _ = try await s.payments.store.insertPending(
                Payment(
                    id: UUID(), orderID: order.id, customerID: f.customer.id, amount: order.total, status: .pending, cardLast4: "4242",
                    provider: "sandbox", providerReference: nil, failureReason: nil, createdAt: now, updatedAt: now))

            #expect(try await s.orders.failInterruptedPlacements() == 0, "a placement in flight is left alone")
            clock.advance(by: 121)
            #expect(try await s.orders.failInterruptedPlacements() == 1)
            try await react(s)
            let failed = try await s.orders.order(id: order.id, viewer: Principal(userID: f.customer.id, role: .customer, email: ""))
            #expect(failed.status == .paymentFailed)
            #expect(failed.history?.last?.reason == "placement interrupted before the payment settled")
            #expect(try await s.payments.payment(orderID: order.id).status == .voided)
        }
    }
}
