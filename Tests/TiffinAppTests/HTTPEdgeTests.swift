import Events
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TiffinTestSupport
import Accounts
import Catalog
import Core
import Dispatching
import Ordering

@testable import TiffinApp

/// What the API answers to bad input, missing credentials and the wrong role: always a 4xx
/// problem+json naming the field or state, never a 500, never a partial write.
@Suite("HTTP edge: bad input, auth and roles")
struct HTTPEdgeTests {
    @Test func badBodiesGetProblemsNamingTheField() async throws {
        try await withApp(.sqlite) { api, services in
            let customer = try await api.signUp(.customer)
            let validOrder = #""restaurantID":"00000000-0000-0000-0000-000000000001","deliveryAddress":"x","payment":{"card":"4242424242424242"}"#
            let cases: [(body: String, status: HTTPResponse.Status, field: String?)] = [
                ("{not json", .badRequest, "body"),
                ("", .badRequest, "body"),
                (
                    #"{"# + validOrder
                        + #","items":[{"itemID":"00000000-0000-0000-0000-000000000002","quantity":"two"}],"deliveryLocation":{"lat":52.5,"lon":13.4}}"#,
                    .unprocessableContent, "items.0.quantity"
                ),
                (
                    #"{"# + validOrder
                        + #","items":[{"itemID":"00000000-0000-0000-0000-000000000002","quantity":-2}],"deliveryLocation":{"lat":52.5,"lon":13.4}}"#,
                    .unprocessableContent, "items.0.quantity"
                ),
                (
                    #"{"# + validOrder
                        + #","items":[{"itemID":"00000000-0000-0000-0000-000000000002","quantity":1}],"deliveryLocation":{"lat":95,"lon":13.4}}"#,
                    .unprocessableContent, "deliveryLocation.lat"
                ),
                (
                    #"{"# + validOrder
                        + #","items":[{"itemID":"00000000-0000-0000-0000-000000000002","quantity":1}],"deliveryLocation":{"lat":52.5,"lon":-190}}"#,
                    .unprocessableContent, "deliveryLocation.lon"
                ),
                (#"{"# + validOrder + #","items":[],"deliveryLocation":{"lat":52.5,"lon":13.4}}"#, .unprocessableContent, "items"),
                (#"{"# + validOrder + #","deliveryLocation":{"lat":52.5,"lon":13.4}}"#, .unprocessableContent, "items"),
                (
                    #"{"restaurantID":"nope","items":[],"deliveryLocation":{"lat":52.5,"lon":13.4},"deliveryAddress":"x","payment":{"card":"4242424242424242"}}"#,
                    .unprocessableContent, "restaurantID"
                ),
                (
                    #"{"restaurantID":"00000000-0000-0000-0000-000000000001","items":[{"itemID":"00000000-0000-0000-0000-000000000002","quantity":1}],"deliveryLocation":{"lat":52.5,"lon":13.4},"deliveryAddress":"x","payment":{"card":"1234"}}"#,
                    .unprocessableContent, "payment.card"
                ),
                (
                    #"{"restaurantID":"00000000-0000-0000-0000-000000000001","items":[{"itemID":"00000000-0000-0000-0000-000000000002","quantity":1}],"deliveryLocation":{"lat":52.5,"lon":13.4},"deliveryAddress":"x","payment":{"card":"4242424242424242"}}"#,
                    .notFound, nil
                ),
                ("[" + String(repeating: "1,", count: 40_000) + "1]", .contentTooLarge, nil),
            ]
            for (index, c) in cases.enumerated() {
                let reply = try await api.call(.post, "/v1/orders", token: customer.token, json: c.body, headers: ["Idempotency-Key": "bad-\(index)"])
                #expect(reply.status == c.status, "case \(index): \(String(decoding: reply.body, as: UTF8.self))")
                #expect(reply.isProblem, "case \(index)")
                #expect(reply.string("field") == c.field, "case \(index)")
                #expect(reply.json["status"] as? Int == Int(c.status.code))
            }
            // Nothing was written by any of them.
            #expect(try await services.orders.customerOrders(customerID: UUID(uuidString: customer.id)!, limit: 10).isEmpty)
        }
    }

    @Test func placingAnOrderNeedsAnIdempotencyKey() async throws {
        try await withApp(.sqlite) { api, _ in
            let customer = try await api.signUp(.customer)
            let reply = try await api.call(.post, "/v1/orders", token: customer.token, json: "{}")
            #expect(reply.status == .badRequest)
            #expect(reply.string("field") == "Idempotency-Key")
        }
    }

    @Test func routesStateTheirRolesAndCheckTokens() async throws {
        try await withApp(.sqlite) { api, _ in
            let customer = try await api.signUp(.customer)
            let courier = try await api.signUp(.courier)
            let anonymous = try await api.call(.get, "/v1/orders")
            #expect(anonymous.status == .unauthorized && anonymous.isProblem)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await api.call(.get, "/v1/orders", token: "tfn_forged").status == .unauthorized)
            // A bad token on a route open to anyone is as no token: a stale token must not break public pages.
            #expect(try await api.call(.get, "/health", token: "tfn_forged").status == .ok)
            #expect(try await api.call(.get, "/v1/restaurants/nearby?lat=52.52&lon=13.405", token: "tfn_forged").status == .ok)
            #expect(try await api.call(.get, "/v1/orders", token: "tfn_forged").headers[.wwwAuthenticate] == "Bearer")
            let wrongRole = try await api.call(.post, "/v1/restaurants", token: customer.token, json: "{}")
            #expect(wrongRole.status == .forbidden && wrongRole.isProblem)
            #expect(try await api.call(.post, "/v1/courier/online", token: customer.token).status == .forbidden)
            #expect(try await api.call(.post, "/v1/quotes", token: courier.token, json: "{}").status == .forbidden)
            #expect(try await api.call(.get, "/v1/me", token: customer.token).string("role") == "customer")
            // Operators are not open for sign-up.
            let operatorSignUp = try await api.call(
                .post, "/v1/auth/signup", json: #"{"email":"op@example.com","password":"correct horse","name":"Op","role":"operator"}"#)
            #expect(operatorSignUp.status == .forbidden && operatorSignUp.string("field") == "role")
            // Logging out revokes the token.
            #expect(try await api.call(.post, "/v1/auth/logout", token: customer.token).status == .noContent)
            #expect(try await api.call(.get, "/v1/me", token: customer.token).status == .unauthorized)
        }
    }

    @Test func headAnswersForEveryGetWithItsStatusAndLengthAndNoBody() async throws {
        try await withApp(.sqlite, mode: .live) { api, _ in
            let customer = try await api.signUp(.customer)
            for (path, token) in [("/health", nil), ("/app/", nil), ("/openapi.json", nil), ("/v1/me", customer.token), ("/v1/me", nil), ("/nope", nil)] {
                var headers = HTTPFields()
                if let token { headers[.authorization] = "Bearer \(token)" }
                let get = try await api.client.execute(uri: path, method: .get, headers: headers, body: nil)
                let head = try await api.client.execute(uri: path, method: .head, headers: headers, body: nil)
                #expect(head.status == get.status, "\(path)")
                #expect(head.body.readableBytes == 0, "\(path): no body")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path): the GET's length")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
            }
        }
    }

    @Test func signUpAndLoginRefuseBadCredentialsClearly() async throws {
        try await withApp(.sqlite) { api, _ in
            _ = try await api.signUp(.customer, email: "ada@example.com")
            let duplicate = try await api.call(
                .post, "/v1/auth/signup", json: #"{"email":"ADA@example.com","password":"correct horse","name":"Ada","role":"customer"}"#)
            #expect(duplicate.status == .conflict && duplicate.string("field") == "email")
            let short = try await api.call(
                .post, "/v1/auth/signup", json: #"{"email":"b@example.com","password":"short","name":"B","role":"customer"}"#)
            #expect(short.status == .unprocessableContent && short.string("field") == "password")
            let badRole = try await api.call(
                .post, "/v1/auth/signup", json: #"{"email":"c@example.com","password":"correct horse","name":"C","role":"chef"}"#)
            #expect(badRole.status == .unprocessableContent && badRole.string("field") == "role")
            let wrong = try await api.call(.post, "/v1/auth/login", json: #"{"email":"ada@example.com","password":"wrong password"}"#)
            #expect(wrong.status == .unauthorized && wrong.isProblem)
            let unknown = try await api.call(.post, "/v1/auth/login", json: #"{"email":"nobody@example.com","password":"wrong password"}"#)
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test func illegalTransitionsAre409NamingBothStates() async throws {
        try await withApp(.sqlite) { api, services in
            let fixture = try await Fixture.make(services)
            let order = try await services.orders.place(
                customerID: fixture.customer.id, idempotencyKey: "k", request: fixture.request(), card: "4242424242424242"
            ).order
            let staff = try await services.accounts.logIn(email: fixture.staff.email, password: "correct horse")
            let reply = try await api.call(.post, "/v1/orders/\(order.id)/ready", token: staff.token)
            #expect(reply.status == .conflict)
            #expect(reply.string("state") == "confirmed")
            #expect(reply.string("detail")?.contains("confirmed") == true && reply.string("detail")?.contains("ready") == true)
            let otherStaff = try await services.accounts.logIn(email: fixture.otherStaff.email, password: "correct horse")
            #expect(try await api.call(.post, "/v1/orders/\(order.id)/accept", token: otherStaff.token).status == .notFound)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func acceptingGivesAReadyTimeThatDispatchUsesAndTodayCountsTheDay(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, s in
            let f = try await Fixture.make(s)
            let place = { (key: String) in
                try await s.orders.place(customerID: f.customer.id, idempotencyKey: key, request: f.request(), card: approvedCard).order
            }
            let first = try await place("a")
            let second = try await place("b")
            let third = try await place("c")
            let staff = try await s.accounts.logIn(email: f.staff.email, password: "correct horse").token
            let tooLong = try await api.call(.post, "/v1/orders/\(first.id)/accept", token: staff, json: #"{"prepMinutes":181}"#)
            #expect(tooLong.status == .unprocessableContent && tooLong.string("field") == "prepMinutes")

            let before = Date()
            let accepted = try await api.call(.post, "/v1/orders/\(first.id)/accept", token: staff, json: #"{"prepMinutes":25}"#)
            let readyBy = try #require(
                accepted.string("readyBy").flatMap { try? Date($0, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) })
            #expect(abs(readyBy.timeIntervalSince(before) - 25 * 60) < 60)
            let need = try #require(try await s.orders.ordersAwaitingCourier(limit: 10).first { $0.orderID == first.id })
            #expect(abs(need.expectedReadyAt.timeIntervalSince(readyBy)) < 1, "dispatch plans with the time the kitchen gave")
            for status in [OrderStatus.preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: first.id, to: status, staffID: f.staff.id, reason: nil)
            }
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            // This round's offer, or the one the app's own dispatch loop made first.
            var offers = try await s.dispatch.assignmentRound()
            if offers.isEmpty { offers = try await s.dispatch.pendingOffers(courierID: f.courier.id).offers }
            let offer = try #require(offers.first { $0.orderIDs.contains(first.id) })
            _ = try await s.dispatch.accept(offerID: offer.id, courierID: f.courier.id)
            for status in [OrderStatus.pickedUp, .delivered] {
                _ = try await s.orders.courierMove(orderID: first.id, to: status, courierID: f.courier.id)
            }
            let usual = try await api.call(.post, "/v1/orders/\(second.id)/accept", token: staff)
            #expect(usual.string("readyBy") != nil, "without a time, the restaurant's usual one")
            let timedReject = try await api.call(.post, "/v1/orders/\(third.id)/reject", token: staff, json: #"{"prepMinutes":20}"#)
            #expect(timedReject.status == .unprocessableContent && timedReject.string("field") == "prepMinutes", "only accepting takes a time")
            #expect(try await s.orders.order(id: third.id, viewer: principal(f.staff)).status == .confirmed, "and nothing moved")
            _ = try await api.call(.post, "/v1/orders/\(third.id)/reject", token: staff, json: #"{"reason":"out of dough"}"#)
            let today = try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)/today", token: staff)
            #expect(today.status == .ok)
            #expect(today.json["orders"] as? Int == 3 && today.json["delivered"] as? Int == 1)
            #expect(today.json["inProgress"] as? Int == 1 && today.json["notFulfilled"] as? Int == 1)
            #expect((today.json["revenue"] as? [String: Any])?["amount"] as? Int == Int(first.subtotal.amount))
            #expect(today.string("timeZone") == "Europe/Berlin")
            let other = try await s.accounts.logIn(email: f.otherStaff.email, password: "correct horse").token
            #expect(try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)/today", token: other).status == .forbidden)
        }
    }

    @Test func staffManageOnlyTheirOwnRestaurant() async throws {
        try await withApp(.sqlite) { api, services in
            let fixture = try await Fixture.make(services)
            let other = try await services.accounts.logIn(email: fixture.otherStaff.email, password: "correct horse")
            let owner = try await services.accounts.logIn(email: fixture.staff.email, password: "correct horse")
            let path = "/v1/restaurants/\(fixture.restaurant.id)"
            #expect(try await api.call(.post, path + "/pause", token: other.token).status == .forbidden)
            #expect(try await api.call(.post, path + "/pause", token: owner.token).json["isPaused"] as? Bool == true)
            let nearby = try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010")
            #expect((nearby.json["restaurants"] as? [Any])?.isEmpty == true, "a paused restaurant is not listed")
            #expect(try await api.call(.post, path + "/resume", token: owner.token).json["isPaused"] as? Bool == false)
            let badHours = try await api.call(
                .put, path + "/hours", token: owner.token, json: #"{"openingHours":[{"weekday":8,"opens":"10:00","closes":"12:00"}]}"#)
            #expect(badHours.status == .unprocessableContent && badHours.string("field") == "openingHours.0.weekday")
            let badPrice = try await api.call(.patch, path + "/menu/items/\(fixture.drink.id)", token: owner.token, json: #"{"price":-5}"#)
            #expect(badPrice.status == .unprocessableContent && badPrice.string("field") == "price")
            let soldOut = try await api.call(.patch, path + "/menu/items/\(fixture.drink.id)", token: owner.token, json: #"{"isSoldOut":true}"#)
            #expect(soldOut.json["isSoldOut"] as? Bool == true)
        }
    }

    @Test func healthReadinessAndTheHomePageAnswer() async throws {
        try await withApp(.sqlite) { api, services in
            #expect(try await api.call(.get, "/health").string("status") == "ok")
            let ready = try await api.call(.get, "/ready")
            #expect(ready.status == .ok && ready.string("database") == "sqlite")
            let page = try await api.call(.get, "/")
            let home = String(decoding: page.body, as: UTF8.self)
            #expect(home.contains("/openapi.json") && home.contains("/asyncapi.json"))
            for app in ["app", "restaurant", "courier"] { #expect(home.contains(#"href="/\#(app)/""#), "links to /\(app)/") }
            #expect(!home.contains("customer@tiffin.demo") && !home.contains("tiffin-demo"), "no demo credentials where they do not exist")
            #expect(!home.contains("#/signin/demo"), "no one-click demo sign-in where there is no demo")
            #expect(!home.contains("<style") && !home.contains("<script") && !home.contains("style="), "nothing inline: the policy forbids it")
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            try await services.accounts.ensureAccount(email: "customer@tiffin.demo", password: "tiffin-demo", name: "Demo", role: .customer)
            let withDemo = String(decoding: try await api.call(.get, "/").body, as: UTF8.self)
            #expect(withDemo.contains("customer@tiffin.demo") && withDemo.contains("tiffin-demo"))
            #expect(withDemo.contains(#"href="/app/#/signin/demo""#) && withDemo.contains(#"href="/courier/#/signin/demo""#))
            let unknown = try await api.call(.get, "/v1/nothing-here")
            #expect(unknown.status == .notFound && unknown.isProblem)
        }
    }

    @Test func nearbySearchValidatesItsQuery() async throws {
        try await withApp(.sqlite) { api, _ in
            for (query, field) in [("lat=abc&lon=13", "lat"), ("lon=13", "lat"), ("lat=52&lon=200", "query.lon"), ("lat=52&lon=13&limit=0", "limit")]
            {
                let reply = try await api.call(.get, "/v1/restaurants/nearby?\(query)")
                #expect(reply.status == .unprocessableContent && reply.string("field") == field, "\(query)")
            }
        }
    }

    @Test func requestTimestampsAcceptTheAPIsOwnFormatAndNameTheFieldWhenMalformed() async throws {
        try await withApp(.sqlite) { api, _ in
            let courier = try await api.signUp(.courier)
            // The API writes timestamps with milliseconds; a client may send them back as they are.
            let echoed = try await api.call(
                .post, "/v1/courier/location", token: courier.token,
                json: #"{"location":{"lat":52.5,"lon":13.4},"recordedAt":"2026-11-21T09:00:35.185Z"}"#)
            #expect(echoed.status == .ok, "\(String(decoding: echoed.body, as: UTF8.self))")
            let whole = try await api.call(
                .post, "/v1/courier/location", token: courier.token,
                json: #"{"location":{"lat":52.5,"lon":13.4},"recordedAt":"2026-11-21T09:00:36Z"}"#)
            #expect(whole.status == .ok)
            let malformed = try await api.call(
                .post, "/v1/courier/location", token: courier.token, json: #"{"location":{"lat":52.5,"lon":13.4},"recordedAt":"yesterday"}"#)
            #expect(
                malformed.status == .unprocessableContent && malformed.string("field") == "recordedAt",
                "\(malformed.status) \(String(decoding: malformed.body, as: UTF8.self))")
        }
    }
}
