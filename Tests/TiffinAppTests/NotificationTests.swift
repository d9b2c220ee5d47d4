import Core
import Events
import Foundation
import Notifications
import Ordering
import Outbound
import Storage
import Synchronization
import Testing
import TiffinTestSupport
import Accounts
import Dispatching
import Payments
import SQLKit

@testable import TiffinApp

/// Who hears what, through which channel, on SQLite and (when configured) PostgreSQL.
@Suite("Notifications")
struct NotificationTests {
    /// Every kind in `userID`'s feed, oldest first.
    static func kinds(_ s: TiffinServices, _ userID: UUID) async throws -> [NotificationKind] {
        try await s.notifications.activity(userID: userID, cursor: nil, limit: 100).items.map(\.kind).reversed()
    }

    static func feed(_ s: TiffinServices, _ userID: UUID) async throws -> [ActivityItem] {
        try await s.notifications.activity(userID: userID, cursor: nil, limit: 100).items
    }

    @Test(arguments: TestDatabaseKind.available)
    func everyPartyHearsEveryStepOfTheJourneyAndEveryWayItEnds(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            func place() async throws -> Order { try await f.place(in: s) }

            // The journey, step by step.
            let order = try await place()
            try await react(s)
            #expect(try await Self.kinds(s, f.customer.id) == [.orderConfirmed])
            #expect(try await Self.kinds(s, f.staff.id) == [.restaurantNewOrder], "the restaurant hears of its new order")
            _ = try await s.orders.restaurantMove(orderID: order.id, to: .accepted, staffID: f.staff.id, reason: nil)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            let offers = try await s.dispatch.assignmentRound()
            try await react(s)
            #expect(try await Self.kinds(s, f.courier.id) == [.courierOffer])
            _ = try await s.dispatch.accept(offerID: try #require(offers.first).id, courierID: f.courier.id)
            try await s.orders.recordProximity(orderID: order.id, courierID: f.courier.id, milestone: .courierArriving, distanceMetres: 250)
            try await s.orders.recordProximity(orderID: order.id, courierID: f.courier.id, milestone: .courierArriving, distanceMetres: 120)
            for status in [OrderStatus.preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: order.id, to: status, staffID: f.staff.id, reason: nil)
            }
            _ = try await s.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: f.courier.id)
            try await s.orders.recordProximity(orderID: order.id, courierID: f.courier.id, milestone: .courierNearby, distanceMetres: 350)
            _ = try await s.orders.courierMove(orderID: order.id, to: .delivered, courierID: f.courier.id)
            try await react(s)
            #expect(
                try await Self.kinds(s, f.customer.id) == [
                    .orderConfirmed, .orderAccepted, .courierAssigned, .orderPickedUp, .courierNearby, .orderDelivered,
                ])
            #expect(try await Self.kinds(s, f.staff.id) == [.restaurantNewOrder, .restaurantCourierArriving], "arriving told once")
            let accepted = try #require(try await Self.feed(s, f.customer.id).first { $0.kind == .orderAccepted })
            #expect(accepted.body.contains("about \(order.etaMinutes) minutes"), "accepted with an estimated time: \(accepted.body)")
            #expect(accepted.orderID == order.id && accepted.readAt == nil)

            // Rejected by the restaurant: the customer hears it, and of the hold released.
            let rejected = try await place()
            _ = try await s.orders.restaurantMove(orderID: rejected.id, to: .rejected, staffID: f.staff.id, reason: "out of dough")
            try await react(s)
            let afterReject = try await Self.feed(s, f.customer.id).filter { $0.orderID == rejected.id }.map(\.kind)
            #expect(Set(afterReject) == [.orderConfirmed, .orderRejected, .paymentReleased])
            #expect(try await Self.feed(s, f.customer.id).first { $0.kind == .orderRejected }?.body.contains("out of dough") == true)

            // Cancelled by an operator after a courier was assigned: customer, restaurant and courier hear it.
            let assigned = try await place()
            _ = try await s.orders.restaurantMove(orderID: assigned.id, to: .accepted, staffID: f.staff.id, reason: nil)
            _ = try await s.dispatchRound()
            _ = try await s.orders.cancel(orderID: assigned.id, by: f.operatorAccount.principal, reason: "kitchen fire")
            try await react(s)
            let about = { (user: UUID) in try await Self.feed(s, user).filter { $0.orderID == assigned.id }.map(\.kind) }
            #expect(Set(try await about(f.customer.id)) == [.orderConfirmed, .orderAccepted, .courierAssigned, .orderCancelled, .paymentReleased])
            #expect(Set(try await about(f.staff.id)) == [.restaurantNewOrder, .restaurantOrderCancelled])
            #expect(try await about(f.courier.id).contains(.courierOrderCancelled))

            // Unanswered: a reminder before the deadline, then the expiry and its void.
            let waiting = try await place()
            let deadline = try #require(waiting.acceptDeadline)
            #expect(try await s.orders.remindUnansweredOrders() == 0, "not yet")
            clock.set(deadline.addingTimeInterval(-100))
            #expect(try await s.orders.remindUnansweredOrders() == 1)
            #expect(try await s.orders.remindUnansweredOrders() == 0, "reminded once")
            try await react(s)
            #expect(try await Self.feed(s, f.staff.id).first?.kind == .restaurantAcceptReminder)
            clock.set(deadline.addingTimeInterval(1))
            #expect(try await s.orders.expireOverdue() == 1)
            try await react(s)
            #expect(
                Set(try await Self.feed(s, f.customer.id).filter { $0.orderID == waiting.id }.map(\.kind)) == [
                    .orderConfirmed, .orderExpired, .paymentReleased,
                ])
            #expect(try await s.payments.payment(orderID: waiting.id)?.status == .voided, "the expiry voided the hold")
            #expect(try await Self.feed(s, f.staff.id).first { $0.orderID == waiting.id && $0.kind == .restaurantOrderCancelled } != nil)

            // Offered, then cancelled: the offer is withdrawn at once and the courier told.
            let offered = try await place()
            _ = try await s.orders.restaurantMove(orderID: offered.id, to: .accepted, staffID: f.staff.id, reason: nil)
            _ = try await s.dispatch.goOnline(courierID: f.farCourier.id, at: f.home)
            let pending = try await s.dispatch.assignmentRound()
            let offeredTo = try #require(pending.first { $0.orderIDs.contains(offered.id) }).courierID
            _ = try await s.orders.cancel(orderID: offered.id, by: f.operatorAccount.principal, reason: "customer called")
            try await react(s)
            try await react(s)  // the withdrawal's own event
            #expect(try await Self.kinds(s, offeredTo).last == .courierOfferWithdrawn)
            #expect(try await s.dispatch.pendingOffers(courierID: offeredTo).offers.isEmpty)

            // Waiting too long for a courier: every operator hears it.
            let stuck = try await place()
            _ = try await s.dispatch.goOffline(courierID: f.courier.id)
            _ = try await s.dispatch.goOffline(courierID: f.farCourier.id)
            _ = try await s.orders.restaurantMove(orderID: stuck.id, to: .accepted, staffID: f.staff.id, reason: nil)
            clock.advance(by: 601)
            try await s.orders.flagOrdersNeedingAttention()
            try await react(s)
            #expect(try await Self.feed(s, f.operatorAccount.id).contains { $0.kind == .operatorOrderNeedsAttention && $0.orderID == stuck.id })

            // Delivered twice by the relay, still told once.
            let confirmedEvent = try #require(
                try await s.database.read { db in try await Outbox.events(aggregateID: order.id, on: db) }.first { $0.type == "order.confirmed" })
            try await s.notifications.handle(confirmedEvent.event)
            #expect(try await Self.feed(s, f.customer.id).filter { $0.orderID == order.id && $0.kind == .orderConfirmed }.count == 1)
        }
    }

    /// Sends nothing: records what it was given, and refuses one address for good.
    final class RecordingMail: MailTransport {
        let sent = Mutex<[MailMessage]>([])
        let refused: String?
        init(refusing refused: String? = nil) { self.refused = refused }
        func send(_ message: MailMessage) async throws {
            if message.to == refused { throw MailError.permanent("550 no such mailbox") }
            sent.withLock { $0.append(message) }
        }
        var recipients: [String] { sent.withLock { $0.map(\.to) } }
    }

    @Test(arguments: TestDatabaseKind.available)
    func preferencesChooseTheChannelsAndAFailedEmailShowsInTheFeed(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: allMigrations) { database in
            let mail = RecordingMail()
            let s = buildServices(
                configuration: testConfiguration(databaseURL: "sqlite::memory:"), database: database, clock: SystemWallClock(), logger: testLogger,
                mailTransport: mail)
            let f = try await Fixture.make(s)
            var settings = EmailSender.Settings(from: "tiffin@example.org")
            settings.maximumAttempts = 2
            let sender = EmailSender(
                database: database, transport: mail, breaker: CircuitBreaker(), clock: s.clock, settings: settings, wake: Doorbell(),
                logger: testLogger)

            // The customer wants no confirmation anywhere, and the delivery only by email.
            _ = try await s.notifications.setPreferences(
                of: f.customer.principal,
                [NotificationPreference(kind: .orderConfirmed, channels: []), NotificationPreference(kind: .orderDelivered, channels: [.email])])
            let mine = try await s.notifications.preferences(of: f.customer.principal).preferences
            #expect(mine.first { $0.kind == .orderConfirmed }?.channels == [])
            #expect(mine.allSatisfy { $0.kind.audience.contains(.customer) }, "only the kinds a customer receives")
            await #expect(throws: NotificationsError.channelRequired(kind: "restaurant_new_order", index: 0)) {
                try await s.notifications.setPreferences(of: f.staff.principal, [NotificationPreference(kind: .restaurantNewOrder, channels: [])])
            }
            await #expect(throws: NotificationsError.kindNotForRole(kind: "restaurant_new_order", role: "customer", index: 0)) {
                try await s.notifications.setPreferences(
                    of: f.customer.principal, [NotificationPreference(kind: .restaurantNewOrder, channels: [.email])])
            }

            let order = try await s.orders.place(customerID: f.customer.id, idempotencyKey: "prefs", request: f.request(), card: approvedCard).order
            try await react(s)
            try await sender.sendDue()
            #expect(mail.recipients == [f.staff.email], "the kitchen's new order by email (its default); no confirmation to the customer")
            let confirmed = try #require(try await Self.feed(s, f.customer.id).first)
            #expect(confirmed.kind == .orderConfirmed, "kept in the feed all the same")
            #expect(confirmed.readAt != nil, "no in-app: kept read, so it does not count as unread")
            #expect(confirmed.deliveries.map(\.status) == [.off, .off])
            let staffMail = try #require(mail.sent.withLock { $0.first })
            #expect(staffMail.subject.hasPrefix("New order"))
            #expect(staffMail.body.contains("Accept it before") && staffMail.messageID.hasSuffix("@tiffin>"))
            #expect(try await Self.feed(s, f.staff.id).first?.deliveries.last?.status == .delivered)

            // An address the server refuses: marked failed, unread again, and shown with the reason.
            let refusing = RecordingMail(refusing: f.customer.email)
            let failing = EmailSender(
                database: database, transport: refusing, breaker: CircuitBreaker(), clock: s.clock, settings: settings, wake: Doorbell(),
                logger: testLogger)
            _ = try await s.orders.restaurantMove(orderID: order.id, to: .rejected, staffID: f.staff.id, reason: "closed early")
            try await react(s)
            try await failing.sendDue()
            let rejected = try #require(try await Self.feed(s, f.customer.id).first { $0.kind == .orderRejected })
            let email = try #require(rejected.deliveries.first { $0.channel == .email })
            #expect(email.status == .failed && email.detail?.contains("550") == true)
            #expect(rejected.readAt == nil)

            // The feed pages by cursor, and marking read counts down.
            let first = try await s.notifications.activity(userID: f.customer.id, cursor: nil, limit: 1)
            let second = try await s.notifications.activity(userID: f.customer.id, cursor: first.nextCursor, limit: 1)
            #expect(first.items.count == 1 && second.items.count == 1 && first.items[0].id != second.items[0].id)
            #expect(first.items[0].createdAt >= second.items[0].createdAt, "newest first")
            let unread = first.unreadCount
            #expect(unread >= 1)
            #expect(try await s.notifications.markRead(userID: f.customer.id, ids: [rejected.id]).unreadCount == unread - 1)
            #expect(try await s.notifications.markRead(userID: f.staff.id, ids: [rejected.id]).unreadCount >= 1, "others' ids change nothing")
            #expect(try await s.notifications.markRead(userID: f.customer.id, ids: nil).unreadCount == 0)
            await #expect(throws: ValidationError.self) { try await s.notifications.activity(userID: f.customer.id, cursor: "nope", limit: 1) }
        }
    }

    /// Answers 200 at once, except to `slowHost`, whose requests hang until cancelled.
    final class HangingTransport: WebhookTransport {
        let slowHost: String
        let started = Mutex<[String: Int]>([:])
        init(slowHost: String) { self.slowHost = slowHost }
        func post(_ request: OutboundRequest) async throws -> OutboundResponse {
            let host = request.url.host ?? ""
            started.withLock { $0[host, default: 0] += 1 }
            if host == slowHost { try await Task.sleep(for: .seconds(3_600)) }
            return OutboundResponse(status: 200, excerpt: "ok", latency: .zero, remoteAddress: "192.0.2.1:443")
        }
        func count(_ host: String) -> Int { started.withLock { $0[host] ?? 0 } }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aSlowWebhookEndpointHoldsOnlyItsOwnSendingSlots(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let op = f.operatorAccount.principal
            let slow = try await s.webhooks.create(by: op, url: "https://slow.example/hook", eventTypes: ["order.confirmed"], description: nil)
            let fast = try await s.webhooks.create(by: op, url: "https://fast.example/hook", eventTypes: ["order.confirmed"], description: nil)
            for _ in 0..<6 { _ = try await s.webhooks.ping(slow.endpoint.id, by: op) }
            _ = try await s.webhooks.ping(fast.endpoint.id, by: op)  // queued behind all of the slow endpoint's
            let transport = HangingTransport(slowHost: "slow.example")
            var settings = WebhookSender.Settings()
            settings.concurrency = 4
            settings.perEndpoint = 2
            let sender = WebhookSender(
                database: s.database, transport: transport, breaker: CircuitBreaker(), notifications: s.notifications,
                directory: s.outbound.directory, clock: s.clock, settings: settings, wake: Doorbell(), logger: testLogger)
            let sending = Task { try await sender.run() }
            defer { sending.cancel() }
            for _ in 0..<500 where transport.count("fast.example") == 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(transport.count("fast.example") == 1, "the other endpoint's delivery went out while the slow one hangs")
            #expect(transport.count("slow.example") == 2, "the slow endpoint holds no more than its own two slots")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func oldActivitySentEmailsAndWebhookLogsArePrunedAndUnsentDeliveriesFailWithTheirWindow(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withTestDatabase(kind, migrations: allMigrations) { database in
            let mail = RecordingMail()
            let s = buildServices(
                configuration: testConfiguration(databaseURL: "sqlite::memory:"), database: database, clock: clock, logger: testLogger,
                mailTransport: mail)
            struct Count: Decodable { let n: Int64 }
            func count(_ table: String) async throws -> Int64 {
                try await database.read { db in
                    try await db.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \(unsafeRaw: table)").first(decoding: Count.self)?.n ?? -1
                }
            }
            let f = try await Fixture.make(s)
            _ = try await s.orders.place(customerID: f.customer.id, idempotencyKey: "old", request: f.request(), card: approvedCard)
            try await react(s)
            let mailer = EmailSender(
                database: database, transport: mail, breaker: CircuitBreaker(), clock: clock, settings: .init(from: "tiffin@example.org"),
                wake: Doorbell(), logger: testLogger)
            try await mailer.sendDue()
            let op = f.operatorAccount.principal
            let endpoint = try await s.webhooks.create(by: op, url: "https://hooks.example/a", eventTypes: ["order.confirmed"], description: nil)
            let sender = WebhookSender(
                database: database, transport: HangingTransport(slowHost: "none"), breaker: CircuitBreaker(), notifications: s.notifications,
                directory: s.outbound.directory, clock: clock, settings: .init(), wake: Doorbell(), logger: testLogger)
            _ = try await s.webhooks.ping(endpoint.endpoint.id, by: op)
            #expect(try await sender.sendDue() == 1)
            let unsent = try await s.webhooks.ping(endpoint.endpoint.id, by: op)  // never sent: as if the endpoint were disabled
            let notifications = try await count("notifications")
            #expect(notifications >= 2 && mail.recipients.count >= 2)
            #expect(try await count("notification_emails") == Int64(mail.recipients.count))
            #expect(try await count("webhook_attempts") == 1)
            func deliveries() async throws -> [WebhookDelivery] {
                try await s.webhooks.deliveries(endpoint.endpoint.id, by: op, cursor: nil, limit: 10).deliveries
            }

            clock.advance(by: 2 * 86_400)
            let late = try await s.webhooks.ping(endpoint.endpoint.id, by: op)
            try await sender.prune(logRetention: 30 * 86_400)
            let states = Dictionary(uniqueKeysWithValues: try await deliveries().map { ($0.id, $0.status) })
            #expect(states[unsent.id] == .failed, "its 24-hour window closed unsent: failed, and shown so")
            #expect(states[late.id] == .pending && states.count == 3, "one within its window stays pending; nothing deleted yet")

            clock.advance(by: 29 * 86_400)
            try await s.notifications.prune(feed: 90 * 86_400, emails: 30 * 86_400)
            try await sender.prune(logRetention: 30 * 86_400)
            #expect(try await count("notification_emails") == 0, "sent emails go after 30 days")
            #expect(try await count("notifications") == notifications, "the feed keeps them for 90")
            #expect(try await count("webhook_attempts") == 0, "the sent delivery goes with its attempt log")
            #expect(try await deliveries().map(\.id) == [late.id], "settled deliveries older than 30 days go; a younger one stays")

            clock.advance(by: 60 * 86_400)
            try await s.notifications.prune(feed: 90 * 86_400, emails: 30 * 86_400)
            #expect(try await count("notifications") == 0)
            #expect(try await s.notifications.activity(userID: f.customer.id, cursor: nil, limit: 10).unreadCount == 0)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func concurrentRegistrationsKeepTheLimitAndConcurrentRotationsHaveOneWinner(kind: TestDatabaseKind) async throws {
        try await withServices(kind) { s in
            let f = try await Fixture.make(s)
            let op = f.operatorAccount.principal
            let webhooks = s.webhooks
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<40 {
                    group.addTask {
                        do {
                            _ = try await webhooks.create(
                                by: op, url: "https://hooks.example/\(n)", eventTypes: ["order.confirmed"], description: nil)
                            return true
                        } catch WebhookError.tooManyEndpoints { return false }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(created == 20, "40 at once, and no more than the owner's 20")
            let endpoint = try #require(try await webhooks.list(by: op).endpoints.first)
            let rotated = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await webhooks.rotateSecret(endpoint.id, by: op, overlap: 3_600)
                            return true
                        } catch let error as ConflictError where error.type == "rotation-overlapping" { return false }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(rotated == 1, "one rotation wins; the others see its overlap running")
        }
    }
}
