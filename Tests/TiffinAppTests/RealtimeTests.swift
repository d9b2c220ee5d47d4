import Accounts
import Core
import Events
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOFoundationCompat
import Testing
import TiffinTestSupport
import WSClient
import Catalog
import HummingbirdTesting
import NIOWebSocket
import Live

@testable import Dispatching
@testable import Ordering
@testable import TiffinApp

/// A WebSocket client for tests: what arrives is kept in order; `send` writes a text frame.
final class LiveTestClient: Sendable {
    actor Inbox {
        var messages: [String] = []
        var sent: [String] = []
        var closed = false
        func append(_ text: String) { messages.append(text) }
        func appendSent(_ text: String) { sent.append(text) }
        func sentSnapshot() -> [String] { sent }
        func close() { closed = true }
        func snapshot() -> [String] { messages }
    }

    let inbox = Inbox()
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, any Error>

    /// Connects to `/v1/realtime`; throws when the server refuses the upgrade.
    init(port: Int, headers: HTTPFields) async throws {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        outgoing = continuation
        let inbox = inbox
        let connected = AsyncStream<Result<Void, any Error>>.makeStream()
        task = Task {
            do {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/v1/realtime", configuration: .init(additionalHeaders: headers), logger: testLogger
                ) { inbound, outbound, _ in
                    connected.continuation.yield(.success(()))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in stream { try await outbound.write(.text(text)) }
                            try await outbound.close(.normalClosure, reason: nil)
                        }
                        group.addTask {
                            for try await message in inbound.messages(maxSize: 1 << 20) {
                                if case .text(let text) = message { await inbox.append(text) }
                            }
                            await inbox.close()
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
                connected.continuation.yield(.failure(Refused()))
            } catch {
                connected.continuation.yield(.failure(error))
            }
        }
        for await result in connected.stream {
            try result.get()
            return
        }
    }

    struct Refused: Error {}
    struct TimedOut: Error, CustomStringConvertible {
        let what: String
        let seen: [String]
        var description: String { "no \(what) in time; received: \(seen.joined(separator: "\n"))" }
    }

    func send(_ json: String) {
        outgoing.yield(json)
        let inbox = inbox
        Task { await inbox.appendSent(json) }
    }

    func close() async {
        outgoing.finish()
        _ = try? await task.value
    }

    /// The first message received (from `from` on) that `matches`, waiting up to `seconds`.
    func next(
        _ what: String, from: Int = 0, seconds: Int = 5, _ matches: @escaping @Sendable ([String: Any]) -> Bool
    ) async throws -> (index: Int, message: [String: Any]) {
        for _ in 0..<(seconds * 100) {
            let all = await inbox.snapshot()
            for (i, text) in all.enumerated().dropFirst(from) {
                if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], matches(object) { return (i, object) }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TimedOut(what: what, seen: await inbox.snapshot())
    }

    func all() async -> [[String: Any]] {
        await inbox.snapshot().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

@Suite("Live connections over a real server")
struct RealtimeTests {
    static func ticketHeaders(_ api: APIClient, token: String) async throws -> HTTPFields {
        let reply = try await api.call(.post, "/v1/realtime/tickets", token: token)
        #expect(reply.status == .created)
        let ticket = try #require(reply.string("ticket"))
        return [.secWebSocketProtocol: "tiffin.v1, ticket.\(ticket)"]
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    @Test(arguments: TestDatabaseKind.available)
    func aCustomerFollowsTheCourierOnlyWhileCarriedMissesNothingAndNobodyElseSeesIt(kind: TestDatabaseKind) async throws {
        try await withApp(kind, mode: .live, configure: { $0.live.staleAfter = 1; $0.dispatch.staleAfter = 1 }) { api, s in
            let port = try #require(api.client.port)
            let f = try await Fixture.make(s)
            func token(_ account: Account) async throws -> String {
                try await s.accounts.logIn(email: account.email, password: "correct horse").token
            }
            let customerToken = try await token(f.customer)
            let order = try await s.orders.place(
                customerID: f.customer.id, idempotencyKey: UUID().uuidString, request: f.request(), card: "4242424242424242"
            ).order
            for status in [OrderStatus.accepted, .preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: order.id, to: status, staffID: f.staff.id, reason: nil)
            }

            // The customer: a ticket, spent once, then the order's history replayed on subscribe.
            let headers = try await Self.ticketHeaders(api, token: customerToken)
            let customer = try await LiveTestClient(port: port, headers: headers)
            _ = try await customer.next("welcome") { $0["type"] as? String == "welcome" && $0["role"] as? String == "customer" }
            await #expect(throws: (any Error).self, "a ticket opens one connection") { _ = try await LiveTestClient(port: port, headers: headers) }
            await #expect(throws: (any Error).self) {
                _ = try await LiveTestClient(port: port, headers: [.secWebSocketProtocol: "tiffin.v1, ticket.tkt_forged"])
            }
            await #expect(throws: (any Error).self, "no credentials, no connection") { _ = try await LiveTestClient(port: port, headers: [:]) }
            let plain = try await api.call(.get, "/v1/realtime", token: customerToken)
            // (A refused upgrade's answer is in LiveSessionTests.)
            #expect(plain.status == .badRequest && plain.string("type")?.hasSuffix("websocket-required") == true)

            customer.send(#"{"type":"subscribe","topic":"order","id":"\#(order.id)"}"#)
            let subscribed = try await customer.next("subscribed") { $0["type"] as? String == "subscribed" }
            #expect(subscribed.message["replayed"] as? Int == 5, "placed, confirmed, accepted, preparing, ready")
            let history = await customer.all().filter { $0["type"] as? String == "event" }.compactMap { $0["eventType"] as? String }
            #expect(history == ["order.placed", "order.confirmed", "order.accepted", "order.preparing", "order.ready"])
            customer.send(#"{"type":"subscribe","topic":"city"}"#)
            _ = try await customer.next("refusal of the city") { $0["type"] as? String == "error" && $0["code"] as? String == "forbidden" }
            customer.send(#"{"type":"nonsense"}"#)
            _ = try await customer.next("bad message") { $0["type"] as? String == "error" && $0["field"] as? String == "type" }

            // Someone else's customer and another restaurant's staff are refused the order.
            let stranger = try await LiveTestClient(port: port, headers: Self.bearer(try await token(f.otherCustomer)))
            stranger.send(#"{"type":"subscribe","topic":"order","id":"\#(order.id)"}"#)
            _ = try await stranger.next("refusal") { $0["type"] as? String == "error" && $0["code"] as? String == "not-found" }
            let otherStaff = try await LiveTestClient(port: port, headers: Self.bearer(try await token(f.otherStaff)))
            otherStaff.send(#"{"type":"subscribe","topic":"restaurant","id":"\#(f.restaurant.id)"}"#)
            _ = try await otherStaff.next("refusal") { $0["type"] as? String == "error" && $0["code"] as? String == "not-found" }
            let staff = try await LiveTestClient(port: port, headers: Self.bearer(try await token(f.staff)))
            staff.send(#"{"type":"subscribe","topic":"restaurant","id":"\#(f.restaurant.id)"}"#)
            _ = try await staff.next("subscribed") { $0["type"] as? String == "subscribed" }

            // The courier streams over the socket and is offered the order on it.
            let courier = try await LiveTestClient(port: port, headers: Self.bearer(try await token(f.courier)))
            courier.send(#"{"type":"fix","lat":52.5301,"lon":13.4005,"accuracy":6,"heading":90,"speed":3.5}"#)
            _ = try await api.call(.post, "/v1/courier/online", token: try await token(f.courier))
            let offer = try await courier.next("offer") { $0["type"] as? String == "offer" }
            let offerID = try #require((offer.message["offer"] as? [String: Any])?["id"] as? String)
            #expect(try await api.call(.post, "/v1/courier/offers/\(offerID)/accept", token: try await token(f.courier)).status == .ok)
            _ = try await staff.next("the assignment") { $0["eventType"] as? String == "order.courier_assigned" }
            courier.send(#"{"type":"fix","lat":52.5299,"lon":13.4003}"#)
            _ = try await staff.next("the courier on the way") { $0["type"] as? String == "position" && $0["etaSeconds"] != nil }

            // Picked up: the customer hears it, then every fix, with the ETA.
            _ = try await s.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: f.courier.id)
            let pickedUp = try await customer.next("picked up") { $0["eventType"] as? String == "order.picked_up" }
            // One socket delivers in order: nothing before the pickup event may be a position.
            #expect(
                await customer.all().prefix(pickedUp.index).allSatisfy { $0["type"] as? String != "position" },
                "no position before the food is carried")
            courier.send(#"{"type":"fix","lat":52.5310,"lon":13.4020,"heading":45,"speed":4.0}"#)
            let moving = try await customer.next("a position", from: pickedUp.index) {
                $0["type"] as? String == "position" && $0["lat"] as? Double == 52.5310
            }
            #expect(moving.message["isStale"] as? Bool == false && (moving.message["etaSeconds"] as? Int ?? 0) > 0)
            #expect(moving.message["heading"] as? Double == 45 && moving.message["speed"] as? Double == 4)
            let staffSeen = await staff.all().count
            courier.send(#"{"type":"fix","lat":52.5320,"lon":13.4030}"#)

            // Quiet: marked stale with its age, not frozen silently.
            let stale = try await customer.next("stale", from: moving.index) { $0["type"] as? String == "position" && $0["isStale"] as? Bool == true }
            #expect((stale.message["ageSeconds"] as? Int ?? 0) >= 1)
            #expect(
                await staff.all().dropFirst(staffSeen).allSatisfy { $0["type"] as? String != "position" },
                "the restaurant stops seeing the courier at pickup")

            // Dropped, the order delivered meanwhile, back: nothing missed.
            let lastSeen = try #require(pickedUp.message["id"] as? String)
            await customer.close()
            _ = try await s.orders.courierMove(orderID: order.id, to: .delivered, courierID: f.courier.id)
            let again = try await LiveTestClient(port: port, headers: try await Self.ticketHeaders(api, token: customerToken))
            again.send(#"{"type":"subscribe","topic":"order","id":"\#(order.id)","after":"\#(lastSeen)"}"#)
            let resumed = try await again.next("subscribed") { $0["type"] as? String == "subscribed" }
            #expect(resumed.message["replayed"] as? Int == 1)
            _ = try await again.next("delivered") { $0["eventType"] as? String == "order.delivered" }
            // The AsyncAPI document tells the truth about every message both ways.
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: try await api.client.execute(uri: "/asyncapi.json", method: .get).body))
                    as? [String: Any])
            #expect(document["asyncapi"] as? String == "3.0.0")
            let messages = try #require(((document["channels"] as? [String: Any])?["realtime"] as? [String: Any])?["messages"] as? [String: Any])
            let validator = OpenAPIValidator(document: [:])
            var seenTypes = Set<String>()
            for client in [customer, again, stranger, otherStaff, staff, courier] {
                let received = await client.inbox.snapshot()
                let sent = await client.inbox.sentSnapshot()
                for text in received + sent {
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                    let type = try #require(object["type"] as? String)
                    if type == "nonsense" { continue }  // the message sent to be refused
                    seenTypes.insert(type)
                    let schema = try #require((messages[type] as? [String: Any])?["payload"] as? [String: Any], "\(type) is not documented")
                    let problems = validator.validate(object, against: schema, at: type)
                    #expect(problems.isEmpty, "\(problems)")
                }
            }
            #expect(seenTypes.isSuperset(of: ["welcome", "subscribed", "event", "position", "offer", "error", "subscribe", "fix"]))
            for client in [again, stranger, otherStaff, staff, courier] { await client.close() }
        }
    }

    /// Two Tiffin instances on one PostgreSQL: a fix streamed to one reaches the customer
    /// connected to the other, and so do the order's events; both know the courier.
    @Test func aFixSentToOneInstanceReachesACustomerOnTheOther() async throws {
        try await withTestDatabaseURL(.postgres) { url in
            let configuration = testConfiguration(databaseURL: url)
            try await withApp(url: url, configuration: configuration, mode: .live) { apiA, a in
                try await withApp(url: url, configuration: configuration, mode: .live) { apiB, b in
                    let f = try await Fixture.make(a)
                    func token(_ account: Account) async throws -> String {
                        try await a.accounts.logIn(email: account.email, password: "correct horse").token
                    }
                    let order = try await a.orders.place(
                        customerID: f.customer.id, idempotencyKey: UUID().uuidString, request: f.request(), card: "4242424242424242"
                    ).order
                    for status in [OrderStatus.accepted, .preparing, .ready] {
                        _ = try await a.orders.restaurantMove(orderID: order.id, to: status, staffID: f.staff.id, reason: nil)
                    }
                    // The courier comes online on A; B learns of them through the bus.
                    let courierToken = try await token(f.courier)
                    _ = try await apiA.call(.post, "/v1/courier/online", token: courierToken, json: #"{"location":{"lat":52.5300,"lon":13.4010}}"#)
                    _ = try #require(try await eventually { await b.dispatch.state(courierID: f.courier.id).isOnline ? true : nil })
                    // Whichever instance holds the lease offers the order; the courier takes it.
                    let offer = try #require(
                        try await eventually { () -> DispatchOffer? in
                            try await a.dispatch.pendingOffers(courierID: f.courier.id).offers.first
                        })
                    _ = try await a.dispatch.accept(offerID: offer.id, courierID: f.courier.id)
                    _ = try await a.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: f.courier.id)

                    let customer = try await LiveTestClient(
                        port: try #require(apiB.client.port), headers: try await Self.ticketHeaders(apiB, token: try await token(f.customer)))
                    customer.send(#"{"type":"subscribe","topic":"order","id":"\#(order.id)"}"#)
                    _ = try await customer.next("picked up") { $0["eventType"] as? String == "order.picked_up" }
                    let courier = try await LiveTestClient(port: try #require(apiA.client.port), headers: Self.bearer(courierToken))
                    // Until B has followed the pickup, a fix may find no subscriber there: one a second.
                    var moving: [String: Any]?
                    for _ in 0..<10 where moving == nil {
                        courier.send(#"{"type":"fix","lat":52.5311,"lon":13.4022}"#)
                        moving = try? await customer.next("a position streamed to the other instance", seconds: 1) {
                            $0["type"] as? String == "position" && $0["lat"] as? Double == 52.5311
                        }.message
                    }
                    #expect(try #require(moving)["isStale"] as? Bool == false)
                    _ = try await a.orders.courierMove(orderID: order.id, to: .delivered, courierID: f.courier.id)
                    _ = try await customer.next("delivered, relayed by whichever instance") { $0["eventType"] as? String == "order.delivered" }
                    await customer.close()
                    await courier.close()
                }
            }
        }
    }
}
