import Core
import Foundation
import Notifications
import Ordering
import Outbound
import Storage
import Testing
import TiffinTestSupport
import Accounts
import Catalog
import HTTPTypes

@testable import TiffinApp

/// Partner webhooks against real HTTP receivers on loopback (`scripts/webhook-receiver.py`, which
/// checks signatures as docs/notifications.md says, written from that page alone), and email
/// against a real SMTP server (aiosmtpd).
@Suite("Webhooks and email")
struct WebhookTests {
    static let receiverScript = DocumentationTests.repository.appendingPathComponent("scripts/webhook-receiver.py").path

    struct Received: Decodable {
        let eventId: String?
        let eventType: String?
        let verified: Bool
        let reason: String
        let body: String
        let status: Int
    }

    /// A receiver answering `status`; its secrets are read from `secrets` on each request.
    static func withReceiver<T>(
        in directory: URL, status: Int = 200, _ body: (_ url: String, _ secrets: URL, _ log: () throws -> [Received]) async throws -> T
    ) async throws -> T {
        let name = UUID().uuidString
        let secrets = directory.appendingPathComponent("\(name).secrets")
        let log = directory.appendingPathComponent("\(name).log")
        try Data().write(to: secrets)
        return try await withPortPrintingPython(
            [receiverScript, "--secret-file", secrets.path, "--log", log.path, "--status", "\(status)"], in: directory
        ) { port in
            try await body("http://127.0.0.1:\(port)/hooks/tiffin", secrets) {
                guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
                return try text.split(separator: "\n").map { try JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
            }
        }
    }

    /// Waits (at most 10 s) until `done` holds, while the application's own senders work.
    static func eventually(_ what: String, _ done: () async throws -> Bool) async throws {
        for _ in 0..<500 {
            if try await done() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("still not \(what) after 10 s")
    }

    @Test(arguments: TestDatabaseKind.available)
    func signedDeliveriesRetriesDisablingRedeliveryPingAndRotation(kind: TestDatabaseKind) async throws {
        try await withTemporaryDirectory { directory in
            try await withApp(
                kind,
                configure: {
                    $0.notifications.webhooks.allowPrivateNetworks = true
                    $0.notifications.webhookDeliveries.baseBackoff = 0.02
                    $0.notifications.webhookDeliveries.disableAfterFailures = 3
                    $0.notifications.webhookDeliveries.disableAfter = 0
                }
            ) { api, s in
                let world = try await World.make(s)
                try await react(s)
                let staff = world.staffA.token
                try await Self.withReceiver(in: directory) { goodURL, goodSecrets, goodLog in
                    try await Self.withReceiver(in: directory, status: 500) { badURL, badSecrets, badLog in
                        let created = try await api.call(
                            .post, "/v1/webhooks", token: staff, json: #"{"url":"\#(goodURL)","eventTypes":["order.confirmed","order.cancelled"]}"#)
                        #expect(created.status == .created)
                        let good = try #require(created.json["endpoint"] as? [String: Any])
                        let goodID = try #require(good["id"] as? String)
                        let secret = try #require(created.string("secret"))
                        #expect(secret.hasPrefix("whsec_") && secret.count == 70)
                        try Data(secret.utf8).write(to: goodSecrets)
                        let read = try await api.call(.get, "/v1/webhooks/\(goodID)", token: staff)
                        #expect(read.status == .ok && !String(decoding: read.body, as: UTF8.self).contains(secret), "the secret is shown once")
                        #expect(try await api.call(.get, "/v1/webhooks/\(goodID)", token: world.staffB.token).status == .notFound)
                        #expect(try await api.call(.get, "/v1/webhooks", token: world.customerA.token).status == .forbidden)
                        let bad = try await api.call(
                            .post, "/v1/webhooks", token: staff, json: #"{"url":"\#(badURL)","eventTypes":["order.confirmed"]}"#)
                        let badID = try #require((bad.json["endpoint"] as? [String: Any])?["id"] as? String)
                        try Data(try #require(bad.string("secret")).utf8).write(to: badSecrets)

                        // An order: both endpoints get it; the good one verifies its signature.
                        let order = try await s.orders.place(
                            customerID: world.fixture.customer.id, idempotencyKey: "hook", request: world.fixture.request(), card: approvedCard
                        ).order
                        try await react(s)
                        try await Self.eventually("delivered") { try goodLog().count == 1 && badLog().count >= 1 }
                        let first = try #require(try goodLog().first)
                        #expect(first.verified, "\(first.reason)")
                        #expect(first.eventType == "order.confirmed")
                        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any])
                        #expect(json["id"] as? String == first.eventId && json["type"] as? String == "order.confirmed")
                        #expect((json["data"] as? [String: Any])?["orderID"] as? String == order.id.uuidString)
                        #expect(try badLog().allSatisfy(\.verified), "signed alike, even where the receiver fails")

                        // The failing endpoint: retried, every attempt logged, then disabled and its owner told.
                        try await Self.eventually("disabled") {
                            try await api.call(.get, "/v1/webhooks/\(badID)", token: staff).string("status") == "disabled"
                        }
                        #expect(try badLog().count == 3)
                        let page = try await api.call(.get, "/v1/webhooks/\(badID)/deliveries", token: staff)
                        let delivery = try #require((page.json["deliveries"] as? [[String: Any]])?.first)
                        #expect(delivery["lastStatusCode"] as? Int == 500 && delivery["attempts"] as? Int == 3)
                        let detail = try await api.call(
                            .get, "/v1/webhooks/\(badID)/deliveries/\(try #require(delivery["id"] as? String))", token: staff)
                        let attempts = try #require(detail.json["attempts"] as? [[String: Any]])
                        #expect(attempts.count == 3 && attempts.allSatisfy { $0["statusCode"] as? Int == 500 })
                        #expect(attempts.first?["responseExcerpt"] as? String == "receiver failing on purpose")
                        #expect(attempts.allSatisfy { $0["latencyMilliseconds"] is Int })
                        // Told after the endpoint is disabled, not in the same step: waited for.
                        for user in [world.staffA.account.id, world.operatorParty.account.id] {
                            try await Self.eventually("\(user) is told the endpoint was disabled") {
                                try await s.notifications.activity(userID: user, cursor: nil, limit: 10).items
                                    .contains { $0.kind == .webhookDisabled && $0.subjectID?.uuidString == badID }
                            }
                        }
                        #expect(try await api.call(.post, "/v1/webhooks/\(badID)/ping", token: staff).status == .conflict)

                        // A test ping; then a redelivery carries the same event id again.
                        #expect(try await api.call(.post, "/v1/webhooks/\(goodID)/ping", token: staff).status == .accepted)
                        try await Self.eventually("pinged") { try goodLog().count == 2 }
                        #expect(try goodLog().last?.eventType == "webhook.ping" && goodLog().last?.verified == true)
                        let goodPage = try await api.call(.get, "/v1/webhooks/\(goodID)/deliveries", token: staff)
                        let confirmed = try #require(
                            (goodPage.json["deliveries"] as? [[String: Any]])?.first { $0["eventType"] as? String == "order.confirmed" })
                        let again = try await api.call(
                            .post, "/v1/webhooks/\(goodID)/deliveries/\(try #require(confirmed["id"] as? String))/redeliver", token: staff)
                        #expect(again.status == .accepted)
                        try await Self.eventually("redelivered") { try goodLog().count == 3 }
                        #expect(try goodLog().last?.eventId == first.eventId)

                        // A rotated secret: the old one keeps signing through the overlap, beside the new.
                        let rotated = try await api.call(
                            .post, "/v1/webhooks/\(goodID)/rotate-secret", token: staff, json: #"{"overlapSeconds":3600}"#)
                        let newSecret = try #require(rotated.string("secret"))
                        #expect(newSecret != secret)
                        for (secrets, count) in [(secret, 4), (newSecret, 5)] {
                            try Data(secrets.utf8).write(to: goodSecrets)
                            _ = try await api.call(.post, "/v1/webhooks/\(goodID)/ping", token: staff)
                            try await Self.eventually("pinged") { try goodLog().count == count }
                            #expect(try goodLog().last?.verified == true)
                        }
                        try Data("whsec_not-the-secret".utf8).write(to: goodSecrets)
                        _ = try await api.call(.post, "/v1/webhooks/\(goodID)/ping", token: staff)
                        try await Self.eventually("pinged") { try goodLog().count == 6 }
                        #expect(try goodLog().last?.verified == false, "the receiver's check can fail")
                    }
                }
            }
        }
    }

    @Test func endpointsOnLoopbackPrivateNetworksOrPlainHTTPAreRefusedByDefault() async throws {
        try await withServices(.sqlite) { s in
            let f = try await Fixture.make(s)
            let guarded = WebhookService(
                database: s.database, directory: s.outbound.directory, clock: s.clock, settings: .init(), queued: Doorbell(), logger: testLogger)
            for url in [
                "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/", "https://169.254.169.254/latest/meta-data",
                "https://[::1]/", "https://192.168.0.10/", "http://hooks.example.com/", "https://user:pw@hooks.example.com/", "ftp://example.com/",
            ] {
                await #expect(throws: ValidationError.self, "\(url)") {
                    try await guarded.create(by: f.staff.principal, url: url, eventTypes: ["order.confirmed"], description: nil)
                }
            }
            await #expect(
                throws: ValidationError(field: "eventTypes.0", reason: "'order.eaten' is not an event type; see the webhooks documentation")
            ) {
                try await guarded.create(by: f.staff.principal, url: "https://hooks.example.com/", eventTypes: ["order.eaten"], description: nil)
            }
            let created = try await guarded.create(
                by: f.staff.principal, url: "https://hooks.example.com/tiffin", eventTypes: ["order.confirmed"], description: nil)
            #expect(created.endpoint.restaurantID == f.restaurant.id, "a restaurant's endpoint hears its own orders only")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func emailGoesThroughARealSMTPServer(kind: TestDatabaseKind) async throws {
        try await SMTPTestServer.with(mode: "plain") { server in
            try await withApp(
                kind,
                configure: {
                    $0.notifications.smtp = SMTPSettings(host: "127.0.0.1", port: server.port, security: .none)
                    $0.notifications.email.from = "orders@tiffin.example"
                }
            ) { api, s in
                let f = try await Fixture.make(s)
                #expect(s.outbound.mail != nil, "SMTP configured: email is on")
                _ = try await s.orders.place(customerID: f.customer.id, idempotencyKey: "mail", request: f.request(), card: approvedCard)
                try await react(s)
                try await Self.eventually("received") { try server.received().count == 2 }
                let received = try server.received()
                let byRecipient = Dictionary(uniqueKeysWithValues: received.map { ($0.to, $0) })
                let toKitchen = try #require(byRecipient[f.staff.email])
                #expect(toKitchen.subject.hasPrefix("New order") && toKitchen.fromAddress == "orders@tiffin.example")
                #expect(toKitchen.body.contains("Accept it before"))
                let toCustomer = try #require(byRecipient[f.customer.email])
                #expect(toCustomer.subject.contains("Order confirmed") && toCustomer.body.contains("Hello \(f.customer.name)"))
                try await Self.eventually("marked delivered") {
                    let feed = try await s.notifications.activity(userID: f.customer.id, cursor: nil, limit: 5).items
                    return feed.first?.deliveries.first { $0.channel == .email }?.status == .delivered
                }
            }
        }
    }
}
