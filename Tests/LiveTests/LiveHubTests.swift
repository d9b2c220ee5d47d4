import Core
import Events
import Foundation
import Testing

@testable import Live

/// The hub, the connections' queues and who-carries-what, without a server.
@Suite("Live: hub, queues, carrying")
struct LiveHubTests {
    static func session() -> Session {
        Session(
            principal: Principal(userID: UUID(), role: .customer, email: "a@example.com"), id: UUID().uuidString,
            expiresAt: Date().addingTimeInterval(3_600))
    }

    @Test func aClientThatCannotKeepUpIsDroppedAndPositionsCoalesce() async throws {
        let connection = LiveConnection(session: Self.session())
        for i in 0..<10_000 { connection.send(#"{"n":\#(i)}"#, coalescing: "position") }
        #expect(await connection.next() == [#"{"n":9999}"#], "positions: the latest wins")
        for i in 0..<LiveConnection.maximumQueued { connection.send("\(i)") }
        #expect(connection.ending == nil)
        connection.send("one too many")
        #expect(connection.ending == .overflowed)
        #expect(await connection.next() == nil, "dropped: it reconnects and resumes")
    }

    @Test func theHeartbeatPingsEveryConnectionOncePerPeriodSpreadEvenly() async throws {
        let hub = LiveHub()
        let connections = (0..<8_000).map { _ in LiveConnection(session: Self.session()) }
        for connection in connections { hub.register(connection) }
        hub.remove(connections[0])  // gone: never pinged
        let perTick = (0..<LiveHub.heartbeatBuckets).map { hub.ping(tick: $0, now: Date()) }
        #expect(perTick.reduce(0, +) == connections.count - 1, "once each per period")
        let share = connections.count / LiveHub.heartbeatBuckets
        #expect(perTick.allSatisfy { (share - 1...share).contains($0) }, "spread evenly: \(perTick)")
        // A ping waiting to be written is not queued twice, and goes after the messages queued.
        let bucket = try #require(hub.bucket(of: connections[1]))
        connections[1].send("event")
        hub.ping(tick: bucket, now: Date())
        hub.ping(tick: bucket + LiveHub.heartbeatBuckets, now: Date())
        #expect(await connections[1].next() == ["event", LiveConnection.ping])
    }

    @Test func aResyncReadBeforeAnEventCannotUndoIt() {
        let here = GeoPoint(uncheckedLat: 52.53, lon: 13.40)
        let (order, other, courier, otherCourier, restaurant) = (UUID(), UUID(), UUID(), UUID(), UUID())
        func row(_ id: UUID, _ by: UUID) -> ActiveDelivery {
            ActiveDelivery(orderID: id, restaurantID: restaurant, courierID: by, status: .pickedUp, pickup: here, dropoff: here)
        }
        var carrying = LiveTracking.Carrying()
        carrying.follow(order, to: row(order, courier))
        // A resync begins reading (the order still carried), the order is delivered, then the read lands.
        let since = carrying.generation
        carrying.follow(order, to: nil)
        carrying.replace(with: [row(order, courier), row(other, otherCourier)], since: since)
        #expect(carrying.carriers[order] == nil, "the delivery stands: its courier is not shown again")
        #expect(carrying.carriers[other] == otherCourier, "what no event touched comes from the read")
        // The next resync, begun after the event, takes the database as it is.
        carrying.replace(with: [row(order, courier)], since: carrying.generation)
        #expect(carrying.carriers == [order: courier] && carrying.deliveries[otherCourier] == nil)
    }

    @Test func aConnectionEndsWhenItsSignInExpires() async throws {
        let hub = LiveHub()
        let now = Date()
        let principal = Principal(userID: UUID(), role: .customer, email: "a@example.com")
        let expiring = LiveConnection(session: Session(principal: principal, id: "a", expiresAt: now.addingTimeInterval(10)))
        let lasting = LiveConnection(session: Session(principal: principal, id: "b", expiresAt: now.addingTimeInterval(3_600)))
        hub.register(expiring)
        hub.register(lasting)
        for tick in 0..<LiveHub.heartbeatBuckets { hub.ping(tick: tick, now: now.addingTimeInterval(60)) }
        #expect(expiring.ending == .sessionExpired)
        #expect(await expiring.next() == nil)
        #expect(lasting.ending == nil)
        #expect(await lasting.next() == [LiveConnection.ping])
    }

    @Test func theOrdersAndTheRestaurantsTopicsAreToldACourierIsAssignedNotWho() throws {
        let courier = UUID()
        let payload = try String(
            decoding: TiffinJSON.encoder.encode([
                "orderID": UUID().uuidString, "courierID": courier.uuidString, "reason": #"said "courierID":"x" twice"#,
            ]), as: UTF8.self)
        let shown = LiveMessage.Event.withoutCourierID(payload)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])
        #expect(object["courierID"] == nil && object["courierAssigned"] as? Bool == true)
        #expect(object["reason"] as? String == #"said "courierID":"x" twice"#, "text that only looks like the field is kept")
        #expect(!shown.contains(courier.uuidString))
        // Written some other way (spaces, lower case): still taken out.
        let spaced = #"{"orderID": "a", "courierID" : "\#(courier.uuidString.lowercased())"}"#
        let other = LiveMessage.Event.withoutCourierID(spaced)
        #expect(!other.contains(courier.uuidString.lowercased()) && other.contains(#""courierAssigned":true"#))
        let none = #"{"orderID":"a","to":"ready"}"#
        #expect(LiveMessage.Event.withoutCourierID(none) == none)
    }
}
