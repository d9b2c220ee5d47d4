import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TiffinTestSupport
import Core

@testable import TiffinApp

/// The whole journey through a real server over real HTTP, as a customer, restaurant staff and
/// a courier would walk it — once on SQLite, once on PostgreSQL.
@Suite("End-to-end journey over HTTP")
struct JourneyTests {
    @Test(arguments: TestDatabaseKind.available)
    func theWholeJourneyFromSignUpToCapturedPayment(kind: TestDatabaseKind) async throws {
        try await withApp(kind, mode: .live) { api, _ in
            // Accounts for every role.
            let staff = try await api.signUp(.staff)
            let customer = try await api.signUp(.customer)
            let courier = try await api.signUp(.courier)

            // Staff create a restaurant, a section and two items.
            let restaurant = try await api.call(
                .post, "/v1/restaurants", token: staff.token,
                json: """
                    {"name":"Journey Pizza","cuisine":"Pizza","address":"Torstraße 1, Berlin","location":{"lat":52.5290,"lon":13.4000},
                     "timeZone":"Europe/Berlin","openingHours":[\((1...7).map { #"{"weekday":\#($0),"opens":"00:00","closes":"24:00"}"# }.joined(separator: ","))],
                     "deliveryRadiusMetres":4000,"minimumOrder":{"amount":1000,"currency":"EUR"},"prepMinutes":12}
                    """)
            #expect(restaurant.status == .created, "\(String(decoding: restaurant.body, as: UTF8.self))")
            let restaurantID = try #require(restaurant.string("id"))
            let section = try await api.call(
                .post, "/v1/restaurants/\(restaurantID)/menu/sections", token: staff.token, json: #"{"name":"Pizza","position":0}"#)
            let sectionID = try #require(section.string("id"))
            let pizza = try await api.call(
                .post, "/v1/restaurants/\(restaurantID)/menu/items", token: staff.token,
                json: """
                    {"sectionID":"\(sectionID)","name":"Margherita","price":900,"optionGroups":[{"name":"Size","minChoices":1,"maxChoices":1,
                     "options":[{"name":"26 cm","priceDelta":0},{"name":"32 cm","priceDelta":250}]}]}
                    """)
            #expect(pizza.status == .created)
            let pizzaID = try #require(pizza.string("id"))
            let groups = try #require(pizza.json["optionGroups"] as? [[String: Any]])
            let large = try #require((groups.first?["options"] as? [[String: Any]])?.last?["id"] as? String)

            // The customer finds it nearby and reads the menu.
            let nearby = try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010")
            let found = try #require(nearby.json["restaurants"] as? [[String: Any]])
            #expect(found.contains { ($0["restaurant"] as? [String: Any])?["id"] as? String == restaurantID })
            let menu = try await api.call(.get, "/v1/restaurants/\(restaurantID)/menu")
            #expect(menu.status == .ok)

            // Quote, then place the order with an idempotency key; the retry returns the same order.
            let order = """
                {"restaurantID":"\(restaurantID)","items":[{"itemID":"\(pizzaID)","quantity":2,"options":["\(large)"]}],
                 "deliveryLocation":{"lat":52.5296,"lon":13.4010},"deliveryAddress":"Weinbergsweg 1, Berlin"
                """
            let quote = try await api.call(.post, "/v1/quotes", token: customer.token, json: order + "}")
            #expect(quote.status == .ok)
            let quotedTotal = try #require((quote.json["total"] as? [String: Any])?["amount"] as? Int)
            #expect(quotedTotal == 2 * 1150 + 199 + 115)
            let placeBody = order + #","payment":{"card":"4242 4242 4242 4242"}}"#
            let placed = try await api.call(.post, "/v1/orders", token: customer.token, json: placeBody, headers: ["Idempotency-Key": "journey-1"])
            #expect(placed.status == .created)
            #expect(placed.string("status") == "confirmed")
            let orderID = try #require(placed.string("id"))
            #expect((placed.json["total"] as? [String: Any])?["amount"] as? Int == quotedTotal)
            let retry = try await api.call(.post, "/v1/orders", token: customer.token, json: placeBody, headers: ["Idempotency-Key": "journey-1"])
            #expect(retry.status == .created, "a retry replays the first answer, status included")
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(retry.body == placed.body)

            // The restaurant sees it on its board, accepts, prepares, marks it ready.
            let board = try await api.call(.get, "/v1/restaurants/\(restaurantID)/orders", token: staff.token)
            #expect((board.json["orders"] as? [[String: Any]])?.map { $0["id"] as? String } == [orderID])
            for step in ["accept", "preparing", "ready"] {
                let moved = try await api.call(.post, "/v1/orders/\(orderID)/\(step)", token: staff.token)
                #expect(moved.status == .ok, "\(step): \(String(decoding: moved.body, as: UTF8.self))")
            }

            // A courier goes online nearby, is offered the order by the dispatch loop, and accepts.
            let online = try await api.call(
                .post, "/v1/courier/online", token: courier.token, json: #"{"location":{"lat":52.5300,"lon":13.4010},"vehicle":"scooter"}"#)
            #expect(online.status == .ok && online.string("vehicle") == "scooter")
            let offerID = try #require(
                try await eventually { () -> String? in
                    let offers = try await api.call(.get, "/v1/courier/offers", token: courier.token).json["offers"] as? [[String: Any]]
                    return offers?.first?["id"] as? String
                })
            let offer = try await api.call(.get, "/v1/courier/offers", token: courier.token)
            let stops = (offer.json["offers"] as? [[String: Any]])?.first?["stops"] as? [[String: Any]]
            #expect(stops?.first?["orderID"] as? String == orderID)
            let candidates = (offer.json["offers"] as? [[String: Any]])?.first?["candidates"] as? [Any]
            #expect(candidates?.isEmpty == true, "a courier is not shown the other couriers considered")
            let accepted = try await api.call(.post, "/v1/courier/offers/\(offerID)/accept", token: courier.token)
            #expect(accepted.status == .ok && accepted.string("status") == "accepted")
            #expect((accepted.json["candidates"] as? [Any])?.isEmpty == true)
            let again = try await api.call(.post, "/v1/courier/offers/\(offerID)/accept", token: courier.token)
            #expect(again.status == .conflict, "an offer is answered once")
            // Once assigned: is the courier's id kept from the customer?
            let anonymous = try await eventually { () -> Bool? in
                let json = try await api.call(.get, "/v1/orders/\(orderID)", token: customer.token).json
                return json["courierAssigned"] as? Bool == true ? json["courierID"] == nil : nil
            }
            #expect(anonymous == true, "the customer learns that a courier is assigned, not the courier's account")
            #expect(try await api.call(.get, "/v1/orders/\(orderID)", token: courier.token).string("courierID") == courier.id)
            let courierOrders = try await api.call(.get, "/v1/courier/orders", token: courier.token)
            #expect((courierOrders.json["orders"] as? [[String: Any]])?.first?["id"] as? String == orderID)

            // Pickup; the customer follows the courier; delivery.
            #expect(try await api.call(.post, "/v1/orders/\(orderID)/pickup", token: courier.token).string("status") == "picked_up")
            try await api.call(.post, "/v1/courier/location", token: courier.token, json: #"{"location":{"lat":52.5298,"lon":13.4012}}"#)
            let position = try await api.call(.get, "/v1/orders/\(orderID)/courier", token: customer.token)
            #expect(position.status == .ok)
            #expect((position.json["location"] as? [String: Any])?["lat"] as? Double == 52.5298)
            #expect(position.json["isStale"] as? Bool == false)
            #expect(try await api.call(.post, "/v1/orders/\(orderID)/deliver", token: courier.token).string("status") == "delivered")

            // The payment is captured by the outbox reaction.
            let captured = try await eventually { () -> String? in
                let status = try await api.call(.get, "/v1/orders/\(orderID)/payment", token: customer.token).string("status")
                return status == "captured" ? status : nil
            }
            #expect(captured == "captured")
            let history = try await api.call(.get, "/v1/orders/\(orderID)", token: customer.token).json["history"] as? [[String: Any]]
            #expect(
                history?.compactMap { $0["to"] as? String } == ["placed", "confirmed", "accepted", "preparing", "ready", "picked_up", "delivered"])

            // The courier's earnings for it, recorded by the reaction to the delivery.
            let earned = try await eventually { () -> Int? in
                let list = try await api.call(.get, "/v1/courier/earnings", token: courier.token).json["earnings"] as? [[String: Any]]
                guard let first = list?.first, first["orderID"] as? String == orderID else { return nil }
                return (first["amount"] as? [String: Any])?["amount"] as? Int
            }
            #expect((earned ?? 0) > 300, "a base fee and a distance fee")
        }
    }
}

/// Polls `probe` until it returns a value (at most ~10 s): for reactions of background loops.
func eventually<T: Sendable>(within seconds: Int = 10, _ probe: @Sendable () async throws -> T?) async throws -> T? {
    for _ in 0..<(seconds * 20) {
        if let value = try await probe() { return value }
        try await Task.sleep(for: .milliseconds(50))
    }
    return nil
}
