import Accounts
import Core
import Dispatching
import Events
import Foundation
import HTTPTypes
import Live
import Testing
import TiffinTestSupport
import HummingbirdTesting

@testable import Ordering
@testable import TiffinApp

/// One rule for who sees a courier (`CourierVisibility`), asked of the API and of the socket for
/// every state of an order and every party: the answers must be the same, and the rule's.
@Suite("Who sees the courier: the API and the socket agree")
struct CourierVisibilityTests {
    /// What a party is told: the position, that it is not shared now, or that the order does not exist.
    enum Answer: String, CustomStringConvertible {
        case position, notShared = "not shared", notFound = "not found"
        var description: String { rawValue }
    }

    @Test(arguments: TestDatabaseKind.available)
    func theAPIAndTheSocketGiveTheSameAnswerForEveryStateAndParty(kind: TestDatabaseKind) async throws {
        try await withApp(kind, mode: .live) { api, s in
            let port = try #require(api.client.port)
            let f = try await Fixture.make(s)
            let parties: [(name: String, account: Account)] = [
                ("customer", f.customer), ("restaurant", f.staff), ("courier", f.courier), ("operator", f.operatorAccount),
                ("another customer", f.otherCustomer), ("another restaurant", f.otherStaff), ("another courier", f.farCourier),
            ]
            var tokens: [String: String] = [:]
            for party in parties { tokens[party.name] = try await s.accounts.logIn(email: party.account.email, password: "correct horse").token }
            let near = GeoPoint(uncheckedLat: 52.5301, lon: 13.4005)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: near)
            let order = try await s.orders.place(
                customerID: f.customer.id, idempotencyKey: UUID().uuidString, request: f.request(), card: approvedCard
            ).order
            // An operator's socket on the order: once it hears a change, the live layer has followed it.
            let watcher = try await LiveTestClient(port: port, headers: RealtimeTests.bearer(try #require(tokens["operator"])))
            watcher.send(#"{"type":"subscribe","topic":"order","id":"\#(order.id)"}"#)
            _ = try await watcher.next("subscribed") { $0["type"] as? String == "subscribed" }
            func heard(_ eventType: String) async throws {
                _ = try await watcher.next(eventType, seconds: 10) { $0["eventType"] as? String == eventType }
            }

            /// Every party's answer from the API and from the socket, for the order as it is now.
            func answers(_ state: String) async throws -> [String: (api: Answer, socket: Answer)] {
                var result: [String: (api: Answer, socket: Answer)] = [:]
                var sockets: [(String, LiveTestClient)] = []
                for party in parties {
                    let token = try #require(tokens[party.name])
                    let reply = try await api.call(.get, "/v1/orders/\(order.id)/courier", token: token)
                    let viaAPI: Answer =
                        switch reply.status.code {
                        case 200: .position
                        case 409: .notShared
                        case 404 where reply.string("type")?.hasSuffix("/not-found") == true: .notFound
                        default: throw TestFailure(description: "\(state), \(party.name): unexpected \(reply.status) \(reply.json)")
                        }
                    result[party.name] = (viaAPI, .notShared)
                    // Whose account id each party is told: the courier's is for operators and that
                    // courier (`Order.seen(by:)`); the position names no one but to operators.
                    if reply.status.code == 200 {
                        #expect((reply.json["courierID"] != nil) == (party.name == "operator"), "\(state), \(party.name): \(reply.json)")
                    }
                    let read = try await api.call(.get, "/v1/orders/\(order.id)", token: token)
                    if read.status.code == 200 {
                        let assigned = try #require(read.json["courierAssigned"] as? Bool, "\(state), \(party.name): \(read.json)")
                        let named = read.json["courierID"] as? String
                        if ["operator", "courier"].contains(party.name) {
                            #expect(named == (assigned ? f.courier.id.uuidString : nil), "\(state), \(party.name): \(read.json)")
                        } else {
                            #expect(named == nil, "\(state), \(party.name) is told the courier's id")
                        }
                    }
                    let socket = try await LiveTestClient(port: port, headers: RealtimeTests.bearer(token))
                    socket.send(#"{"type":"subscribe","topic":"order","id":"\#(order.id)"}"#)
                    sockets.append((party.name, socket))
                }
                for (name, socket) in sockets {
                    let first = try await socket.next("an answer to the subscription") { ["subscribed", "error"].contains($0["type"] as? String) }
                    if first.message["type"] as? String == "error" {
                        #expect(first.message["code"] as? String == "not-found", "\(state), \(name): \(first.message)")
                        result[name]?.socket = .notFound
                    }
                }
                // A fix from the courier now: whoever may see it is sent it.
                _ = await s.dispatch.report(courierID: f.courier.id, PositionFix(location: near, recordedAt: nil))
                try await Task.sleep(for: .milliseconds(600))
                for (name, socket) in sockets {
                    let positions = await socket.all().filter { $0["type"] as? String == "position" && $0["orderID"] as? String == order.id.uuidString }
                    if !positions.isEmpty { result[name]?.socket = .position }
                    // The order's topic names no courier to anyone: not in an event (replayed or
                    // live), not in a position.
                    if name != "courier" {
                        let told = await socket.inbox.snapshot().filter { $0.localizedCaseInsensitiveContains(f.courier.id.uuidString) }
                        #expect(told.isEmpty, "\(state), \(name) was told the courier's id: \(told)")
                    }
                    await socket.close()
                }
                return result
            }

            /// Checks that the API and the socket agree for each party, and that they say `expected`.
            func expect(_ state: String, _ expected: [String: Answer]) async throws {
                let got = try await answers(state)
                for party in parties {
                    let answer = try #require(got[party.name])
                    #expect(answer.api == answer.socket, "\(state), \(party.name): the API says \(answer.api), the socket \(answer.socket)")
                    #expect(answer.api == expected[party.name], "\(state), \(party.name): \(answer.api), expected \(expected[party.name]!)")
                }
            }
            let strangers: [String: Answer] = ["another customer": .notFound, "another restaurant": .notFound, "another courier": .notFound]
            func table(customer: Answer, restaurant: Answer, courier: Answer, operator: Answer) -> [String: Answer] {
                strangers.merging(["customer": customer, "restaurant": restaurant, "courier": courier, "operator": `operator`]) { $1 }
            }

            try await expect("confirmed", table(customer: .notShared, restaurant: .notShared, courier: .notFound, operator: .notShared))
            _ = try await s.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.staff.id, reason: nil)
            let offer = try #require(
                try await eventually { () -> DispatchOffer? in try await s.dispatch.pendingOffers(courierID: f.courier.id).offers.first })
            _ = try await s.dispatch.accept(offerID: offer.id, courierID: f.courier.id)
            try await heard("order.courier_assigned")
            let onTheWay = table(customer: .notShared, restaurant: .position, courier: .notShared, operator: .position)
            try await expect("accepted, the courier on the way", onTheWay)
            _ = try await s.orders.restaurantMove(orderID: order.id, to: .preparing, staffID: f.staff.id, reason: nil)
            try await heard("order.preparing")
            try await expect("preparing", onTheWay)
            _ = try await s.orders.restaurantMove(orderID: order.id, to: .ready, staffID: f.staff.id, reason: nil)
            try await heard("order.ready")
            try await expect("ready", onTheWay)
            _ = try await s.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: f.courier.id)
            try await heard("order.picked_up")
            try await expect("picked up", table(customer: .position, restaurant: .notShared, courier: .notShared, operator: .position))
            _ = try await s.orders.courierMove(orderID: order.id, to: .delivered, courierID: f.courier.id)
            try await heard("order.delivered")
            try await expect("delivered", table(customer: .notShared, restaurant: .notShared, courier: .notShared, operator: .notShared))
            await watcher.close()
        }
    }

    @Test func theRuleShowsEachPartyWhatItMaySee() {
        let shown = CourierVisibility.Party.allCases.flatMap { party in
            CourierVisibility.Phase.allCases.filter { CourierVisibility.shows(party, $0) }.map { "\(party.rawValue) \($0.rawValue)" }
        }
        #expect(Set(shown) == ["customer carrying", "restaurant onTheWay", "operator onTheWay", "operator carrying"])
    }
}
