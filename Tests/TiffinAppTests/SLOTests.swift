import Accounts
import Catalog
import Core
import Dispatching
import Events
import Foundation
import HTTPTypes
import HummingbirdTesting
import Operations
import Notifications
import Ordering
import Storage
import Testing
import TiffinHTTP
import TiffinTestSupport

@testable import TiffinApp

/// The journeys' SLOs: counting, burn rates against the SRE workbook's worked examples, the
/// guard for quiet cities, hysteresis, persistence and the API.
@Suite("Journey SLOs, budgets and burn-rate alerts")
struct SLOTests {
    static let browse = Journey.named(.browse)
    static let checkout = Journey.named(.checkout)

    /// Counts per window for a steady stream of `perSecond` events, every one good until
    /// `badFrom` seconds before now, then a share `badShare` bad.
    static func steady(perSecond: Double, badFor seconds: Double, badShare: Double) -> [SLOWindow: WindowCounts] {
        var counts: [SLOWindow: WindowCounts] = [:]
        for window in BurnRates.windows {
            let length = Double(window.minutes) * 60
            let valid = perSecond * length
            let bad = perSecond * min(seconds, length) * badShare
            counts[window] = WindowCounts(good: Int64((valid - bad).rounded()), valid: Int64(valid.rounded()))
        }
        return counts
    }

    @Test func aTotalOutagePagesAfterAbout52SecondsAtNinetyNinePointNine() {
        let first = (1...600).first { second in
            !BurnRates.firing(Self.browse, Self.steady(perSecond: 10, badFor: Double(second), badShare: 1)).isEmpty
        }
        #expect(first == 52, "the 1 h/5 m pair at 14.4× needs 1.44 % of an hour: 51.8 s")
        let rules = BurnRates.firing(Self.browse, Self.steady(perSecond: 10, badFor: 52, badShare: 1))
        #expect(rules.map(\.name) == ["1h/5m at 14.4×"] && BurnRates.wanted(rules) == .page)
    }

    @Test func aSteadyTwoPercentErrorRatePagesAfterAbout43Minutes() {
        let first = (1...240).first { minute in
            !BurnRates.firing(Self.browse, Self.steady(perSecond: 10, badFor: Double(minute) * 60, badShare: 0.02)).isEmpty
        }
        #expect(first == 44, "2 % over an hour reaches 1.44 % after 43.2 minutes")
    }

    @Test func aSteadyPointTwoPercentNeverPagesAndOpensATicketAfterADayAndAHalf() {
        let hours = (1...96).map { hour in
            BurnRates.wanted(BurnRates.firing(Self.browse, Self.steady(perSecond: 10, badFor: Double(hour) * 3_600, badShare: 0.002)))
        }
        #expect(!hours.contains(.page))
        let ticket = hours.firstIndex(of: .ticket).map { $0 + 1 }
        #expect(ticket.map { (36...37).contains($0) } == true, "the 3 d/6 h pair at 1× needs 0.1 % over three days: 36 h at 0.2 % (\(String(describing: ticket)))")
    }

    @Test func aQuietCityDoesNotPageOnOneFailedOrder() {
        // 60 orders an hour: one failure is 1.7 % of the hour, over the 14.4× line of 99.95 %.
        var counts: [SLOWindow: WindowCounts] = [:]
        for window in BurnRates.windows { counts[window] = WindowCounts(good: Int64(window.minutes) - 1, valid: Int64(window.minutes)) }
        #expect(BurnRates.firing(Self.checkout, counts).isEmpty, "one bad order is below the minimum of three")
        for window in BurnRates.windows { counts[window] = WindowCounts(good: Int64(window.minutes) - 3, valid: Int64(window.minutes)) }
        #expect(BurnRates.wanted(BurnRates.firing(Self.checkout, counts)) == .page, "three in an hour is a burn")
        // Too few events at all: a brand-new city with 10 orders, all failed, opens no alert.
        for window in BurnRates.windows { counts[window] = WindowCounts(good: 0, valid: 10) }
        #expect(BurnRates.firing(Self.checkout, counts).isEmpty)
    }

    @Test func anInvariantPagesOnItsFirstBadEvent() {
        let money = Journey.named(.money)
        var counts: [SLOWindow: WindowCounts] = [:]
        for window in BurnRates.windows { counts[window] = WindowCounts(good: 10_000, valid: 10_000) }
        #expect(BurnRates.firing(money, counts).isEmpty)
        counts[.h1] = WindowCounts(good: 9_999, valid: 10_000)
        #expect(BurnRates.wanted(BurnRates.firing(money, counts)) == .page)
    }

    @Test func alertsGoUpAtOnceAndDownOnlyAfterStayingQuiet() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var status = AlertStatus(level: .ok, since: t0)
        status = status.next(wanted: .ticket, at: t0)
        #expect(status.level == .ticket)
        status = status.next(wanted: .page, at: t0 + 30)
        #expect(status.level == .page && status.since == t0 + 30)
        status = status.next(wanted: .ok, at: t0 + 60)
        #expect(status.level == .page && status.quietSince == t0 + 60, "quiet, but not for long enough")
        status = status.next(wanted: .page, at: t0 + 90)
        #expect(status.level == .page && status.quietSince == nil, "the burn came back: the quiet period starts over")
        status = status.next(wanted: .ok, at: t0 + 120)
        status = status.next(wanted: .ok, at: t0 + 120 + 599)
        #expect(status.level == .page)
        status = status.next(wanted: .ticket, at: t0 + 120 + 600)
        #expect(status.level == .ticket && status.since == t0 + 720, "a page steps down after 10 quiet minutes")
        status = status.next(wanted: .ok, at: t0 + 720)
        status = status.next(wanted: .ok, at: t0 + 720 + 1_800)
        #expect(status.level == .ok, "a ticket after 30")
    }

    @Test func eachAnswerCountsForItsJourneyAsTheJourneySays() {
        let fast = Duration.milliseconds(50)
        #expect(RequestOutcomes.classify(.browse, status: 200, problemType: nil, elapsed: fast) == .good)
        #expect(RequestOutcomes.classify(.browse, status: 200, problemType: nil, elapsed: .milliseconds(250)) == .bad(cause: "slow"))
        #expect(RequestOutcomes.classify(.browse, status: 404, problemType: "not-found", elapsed: fast) == .excluded)
        #expect(RequestOutcomes.classify(.browse, status: 503, problemType: "overloaded", elapsed: fast) == .bad(cause: "overloaded"))
        #expect(RequestOutcomes.classify(.checkout, status: 201, problemType: nil, elapsed: .milliseconds(900)) == .good)
        #expect(RequestOutcomes.classify(.checkout, status: 201, problemType: nil, elapsed: .milliseconds(1_100)) == .bad(cause: "slow"))
        #expect(RequestOutcomes.classify(.checkout, status: 402, problemType: "payment-declined", elapsed: fast) == .good, "a clean refusal")
        #expect(RequestOutcomes.classify(.checkout, status: 409, problemType: "sold-out", elapsed: fast) == .good)
        #expect(RequestOutcomes.classify(.checkout, status: 422, problemType: "invalid-field", elapsed: fast) == .excluded)
        #expect(RequestOutcomes.classify(.checkout, status: 429, problemType: "rate-limited", elapsed: fast) == .excluded)
        #expect(
            RequestOutcomes.classify(.checkout, status: 503, problemType: "payment-unavailable", elapsed: fast) == .bad(cause: "payment.unavailable"))
        #expect(
            RequestOutcomes.classify(.checkout, status: 503, problemType: "database-unavailable", elapsed: fast) == .bad(cause: "db.unavailable"))
        #expect(RequestOutcomes.classify(.checkout, status: 500, problemType: "internal", elapsed: fast) == .bad(cause: "http.5xx"))

        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(EventOutcomes.restaurantAnswer(answered: false) == .bad(cause: "restaurant.timeout"))
        #expect(EventOutcomes.dispatch(readyAt: nil, assignedAt: t0) == .good, "a courier on the way before the food is ready")
        #expect(EventOutcomes.dispatch(readyAt: t0, assignedAt: t0 + 299) == .good)
        #expect(EventOutcomes.dispatch(readyAt: t0, assignedAt: t0 + 301) == .bad(cause: "no_courier"))
        #expect(EventOutcomes.deliveryPromise(placedAt: t0, promisedMinutes: 30, deliveredAt: t0 + 40 * 60) == .good)
        #expect(EventOutcomes.deliveryPromise(placedAt: t0, promisedMinutes: 30, deliveredAt: t0 + 40 * 60 + 1) == .bad(cause: "delivery.late"))
        #expect(EventOutcomes.notification(eventAt: t0, writtenAt: t0 + 61) == .bad(cause: "notifications.late"))
        // Every journey measured from requests is a journey.
        for journey in RequestJourney.allCases { #expect(JourneyID(rawValue: journey.rawValue) != nil) }
    }

    @Test(arguments: TestDatabaseKind.available)
    func countsAreKeptPerMinuteSurviveARestartAndAddUpAcrossInstances(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: allMigrations) { database in
            let clock = ManualWallClock()
            // Two instances on one database: each counts in memory and adds its counts to the rows.
            let a = SLOService(database: database, recorder: JourneyRecorder(clock: clock, city: "default"), clock: clock, logger: testLogger)
            let b = SLOService(database: database, recorder: JourneyRecorder(clock: clock, city: "default"), clock: clock, logger: testLogger)
            for _ in 0..<30 { a.recorder.record(.checkout, .good) }
            a.recorder.record(.checkout, .bad(cause: "payment.unavailable"))
            a.recorder.record(.checkout, .excluded)
            for _ in 0..<20 { b.recorder.record(.checkout, .good) }
            b.recorder.record(.checkout, .bad(cause: "payment.unavailable"))
            b.recorder.record(.checkout, .bad(cause: "slow"))
            // Not yet written: each instance's report already has its own counts.
            #expect(try await window(a, .checkout, "5m") == [30, 31])
            try await a.flush()
            try await b.flush()
            #expect(try await window(a, .checkout, "5m") == [50, 53], "both instances' counts, summed")
            clock.advance(by: 60)
            for _ in 0..<10 { b.recorder.record(.browse, .good) }
            try await b.flush()
            try await a.flush()  // nothing new: adds nothing

            // A restart: a new service over the same rows.
            let restarted = SLOService(database: database, recorder: JourneyRecorder(clock: clock, city: "default"), clock: clock, logger: testLogger)
            let report = try await restarted.report()
            let checkout = try #require(report.journeys.first { $0.id == .checkout })
            #expect(checkout.windows.first { $0.window == "5m" }.map { [$0.good, $0.valid] } == [50, 53])
            #expect(checkout.causes.map(\.cause) == ["payment.unavailable", "slow"])
            #expect(checkout.causes.first?.lastHour == 2 && abs((checkout.causes.first?.share ?? 0) - 2.0 / 3) < 1e-9)
            #expect(try await window(restarted, .browse, "1h") == [10, 10])
            #expect(Set(report.journeys.map(\.id)) == Set(JourneyID.allCases))

            // Minutes leave the windows as time passes: six minutes on, the 5-minute window is empty.
            clock.advance(by: 6 * 60)
            #expect(try await window(restarted, .checkout, "5m") == [0, 0])
            #expect(try await window(restarted, .checkout, "1h") == [50, 53])
            // And the 28-day budget: 3 bad of 53 at 99.95 % is far over budget.
            let budget = try #require(try await restarted.report().journeys.first { $0.id == .checkout }?.budget)
            #expect(budget.bad == 3 && budget.remaining < 0)
            #expect(try await restarted.policy().decision == .freeze)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func aBurnPagesOnceAcrossInstancesAndStepsDownAfterItStops(kind: TestDatabaseKind) async throws {
        try await withTestDatabase(kind, migrations: allMigrations) { database in
            let clock = ManualWallClock()
            let a = SLOService(database: database, recorder: JourneyRecorder(clock: clock, city: "default"), clock: clock, logger: testLogger)
            let b = SLOService(database: database, recorder: JourneyRecorder(clock: clock, city: "default"), clock: clock, logger: testLogger)
            // An hour of healthy checkout traffic, then a payment outage.
            for _ in 0..<60 {
                for _ in 0..<50 { a.recorder.record(.checkout, .good) }
                try await a.flush()
                clock.advance(by: 60)
            }
            #expect(try await a.evaluate().isEmpty, "healthy: nothing to say")
            #expect(try await b.evaluate().isEmpty)
            for _ in 0..<60 { b.recorder.record(.checkout, .bad(cause: "payment.unavailable")) }
            try await b.flush()
            let first = try await a.evaluate()
            let second = try await b.evaluate()
            #expect(first.map(\.to) == [.page] && second.isEmpty, "one transition, written by whichever instance got there first")
            #expect(try await a.transitions().map(\.to) == [.page])
            let checkout = try #require(try await b.report().journeys.first { $0.id == .checkout })
            #expect(checkout.alert.level == .page && checkout.alert.firing.contains("1h/5m at 14.4×"))
            #expect(checkout.causes.first?.cause == "payment.unavailable" && checkout.causes.first?.share == 1)

            // The outage ends; healthy traffic again. The 1 h/5 m pair goes quiet after 5 minutes, the
            // 6 h/30 m pair after 30; ten quiet minutes later the page steps down, to a ticket: the
            // 1 d/2 h pair still sees the outage in its 2-hour window.
            for minute in 0..<45 {
                for _ in 0..<50 { a.recorder.record(.checkout, .good) }
                try await a.flush()
                clock.advance(by: 60)
                try await a.evaluate()
                if minute == 35 {
                    let still = try await b.report().journeys.first { $0.id == .checkout }?.alert.level
                    #expect(still == .page, "30 minutes for the short window, then not yet 10 quiet ones")
                }
            }
            let after = try #require(try await b.report().journeys.first { $0.id == .checkout })
            #expect(after.alert.level == .ticket, "stepped down once quiet: \(after.alert)")
            #expect(try await a.transitions().first.map { [$0.from, $0.to] } == [.page, .ticket])
        }
    }

    /// Good and valid events of `journey` over the window called `name`.
    func window(_ service: SLOService, _ journey: JourneyID, _ name: String) async throws -> [Int64] {
        try await service.report().journeys.first { $0.id == journey }?.windows.first { $0.window == name }.map { [$0.good, $0.valid] } ?? []
    }

    @Test(arguments: TestDatabaseKind.available)
    func theAPICountsBrowseAndCheckoutAndIsForOperatorsOnly(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, s in
            let f = try await Fixture.make(s)
            let customer = try await s.accounts.logIn(email: f.customer.email, password: "correct horse").token
            let ops = try await s.accounts.logIn(email: f.operatorAccount.email, password: "correct horse").token
            #expect(try await api.call(.get, "/v1/restaurants/nearby?lat=52.53&lon=13.40", token: customer).status == .ok)
            #expect(try await api.call(.get, "/v1/restaurants/\(f.restaurant.id)/menu").status == .ok)
            #expect(try await api.call(.get, "/v1/restaurants/\(UUID())/menu").status == .notFound)
            let body = OutageTests.orderBody(f)
            let placed = try await api.call(.post, "/v1/orders", token: customer, json: body, headers: ["Idempotency-Key": UUID().uuidString])
            #expect(placed.status == .created)
            let invalid = try await api.call(
                .post, "/v1/orders", token: customer, json: #"{"restaurantID":"nope"}"#, headers: ["Idempotency-Key": UUID().uuidString])
            #expect(invalid.status.code == 422 || invalid.status.code == 400)

            #expect(try await api.call(.get, "/v1/ops/slos", token: customer).status == .forbidden)
            #expect(try await api.call(.get, "/v1/ops/slos").status == .unauthorized)
            let reply = try await api.call(.get, "/v1/ops/slos", token: ops)
            #expect(reply.status == .ok)
            let journeys = try #require(reply.json["journeys"] as? [[String: Any]])
            func fiveMinutes(_ id: String) -> (Int, Int)? {
                guard let journey = journeys.first(where: { $0["id"] as? String == id }),
                    let window = (journey["windows"] as? [[String: Any]])?.first(where: { $0["window"] as? String == "5m" })
                else { return nil }
                return ((window["good"] as? Int) ?? -1, (window["valid"] as? Int) ?? -1)
            }
            #expect(fiveMinutes("browse").map { $0.1 } == 2, "the nearby search and the menu; the unknown restaurant (404) is left out")
            #expect(fiveMinutes("checkout").map { $0.1 } == 1, "the placement; the invalid body is left out")
            #expect(journeys.map { $0["id"] as? String } == JourneyID.allCases.map(\.rawValue))
            let policy = try await api.call(.get, "/v1/ops/policy", token: ops)
            #expect(policy.status == .ok && (policy.string("decision") == "normal" || policy.string("decision") == "freeze"))
            #expect(try await api.call(.get, "/v1/ops/alerts", token: ops).status == .ok)
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func orderEventsCountForTheRestaurantDispatchPromiseAndNotificationJourneys(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            func place() async throws -> UUID { try await f.place(in: s).id }
            func ready(_ id: UUID) async throws {
                for step in [OrderStatus.accepted, .preparing, .ready] {
                    _ = try await s.orders.restaurantMove(orderID: id, to: step, staffID: f.staff.id, reason: nil)
                }
            }
            // On time all along: answered, a courier at once, delivered within the promise.
            let good = try await place()
            try await ready(good)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: f.home)
            #expect(try await s.dispatchRound().count == 1)
            _ = try await s.orders.courierMove(orderID: good, to: .pickedUp, courierID: f.courier.id)
            _ = try await s.orders.courierMove(orderID: good, to: .delivered, courierID: f.courier.id)
            // Never answered: expired.
            _ = try await place()
            clock.advance(by: 601)
            try await s.orders.expireOverdue()
            // Ready, and six minutes on the shelf before a courier, then delivered an hour late.
            let late = try await place()
            try await ready(late)
            clock.advance(by: 360)
            _ = try await s.dispatch.goOnline(courierID: f.farCourier.id, at: f.home)
            #expect(try await s.dispatchRound().count == 1)
            clock.advance(by: 3_600)
            _ = try await s.orders.courierMove(orderID: late, to: .pickedUp, courierID: f.farCourier.id)
            _ = try await s.orders.courierMove(orderID: late, to: .delivered, courierID: f.farCourier.id)
            try await react(s)

            let report = try await s.slos.report()
            func counted(_ id: JourneyID) -> [Int64] {
                report.journeys.first { $0.id == id }?.windows.first { $0.window == "1d" }.map { [$0.good, $0.valid] } ?? []
            }
            func causes(_ id: JourneyID) -> [String] { report.journeys.first { $0.id == id }?.causes.map(\.cause) ?? [] }
            #expect(counted(.restaurantAnswers) == [2, 3] && causes(.restaurantAnswers) == ["restaurant.timeout"])
            #expect(counted(.dispatch) == [1, 2] && causes(.dispatch) == ["no_courier"])
            #expect(counted(.deliveryPromise) == [1, 2] && causes(.deliveryPromise) == ["delivery.late"])
            let notifications = counted(.notifications)
            #expect(notifications.count == 2 && notifications[1] > 0, "every event the notifications consumer handled")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func eachNewFixPushedToTheWatchingCustomerCountsForTrackingFreshness(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withApp(kind, mode: .live, clock: clock) { api, s in
            let port = try #require(api.client.port)
            let f = try await Fixture.make(s)
            let near = GeoPoint(uncheckedLat: 52.5301, lon: 13.4005)
            _ = try await s.dispatch.goOnline(courierID: f.courier.id, at: near)
            let order = try await s.orders.place(
                customerID: f.customer.id, idempotencyKey: UUID().uuidString, request: f.request(), card: approvedCard
            ).order
            for step in [OrderStatus.accepted, .preparing, .ready] {
                _ = try await s.orders.restaurantMove(orderID: order.id, to: step, staffID: f.staff.id, reason: nil)
            }
            // The instance's own dispatch loop makes the offer.
            let offer = try #require(
                try await eventually { () -> DispatchOffer? in try await s.dispatch.pendingOffers(courierID: f.courier.id).offers.first })
            _ = try await s.dispatch.accept(offerID: offer.id, courierID: f.courier.id)
            _ = try await s.orders.courierMove(orderID: order.id, to: .pickedUp, courierID: f.courier.id)
            let token = try await s.accounts.logIn(email: f.customer.email, password: "correct horse").token
            let customer = try await LiveTestClient(port: port, headers: RealtimeTests.bearer(token))
            customer.send(#"{"type":"subscribe","topic":"order","id":"\#(order.id)"}"#)
            _ = try await customer.next("subscribed") { $0["type"] as? String == "subscribed" }
            @Sendable func tracked() async throws -> [Int64] {
                try await s.slos.report().journeys.first { $0.id == .trackingFreshness }?.windows.first { $0.window == "5m" }
                    .map { [$0.good, $0.valid] } ?? []
            }
            let before = try await tracked()
            // Each fix newer than the last (an older one is ignored), pushed as it comes: one from a
            // buffer 90 s old (left out), one a phone held 5 s (lagging), one taken now (good).
            clock.advance(by: 200)
            for age in [90, 5, 0] {
                _ = await s.dispatch.report(
                    courierID: f.courier.id, PositionFix(location: near, recordedAt: clock.now().addingTimeInterval(-Double(age))))
                _ = try await customer.next("the fix \(age) s old") { $0["type"] as? String == "position" && $0["ageSeconds"] as? Int == age }
            }
            // The last wait may have matched an earlier push of age 0: wait for the counts.
            let expected = before.count == 2 ? [before[0] + 1, before[1] + 2] : []
            let after = try await eventually { () -> [Int64]? in
                let now = try await tracked()
                return now == expected ? now : nil
            }
            let last = try await tracked()
            #expect(after == expected, "one good, one lagging, one left out, after \(before): \(last)")
            await customer.close()
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func moneyStillInDoubtFifteenMinutesAfterAnOrderEndedPagesAtOnce(kind: TestDatabaseKind) async throws {
        let clock = ManualWallClock(Date())
        try await withServices(kind, clock: clock) { s in
            let f = try await Fixture.make(s)
            func placeAndCancel() async throws -> UUID {
                let id = try await f.place(in: s).id
                _ = try await s.orders.cancel(orderID: id, by: principal(f.customer), reason: nil)
                return id
            }
            // Cancelled, and its hold released by the reaction: settled.
            _ = try await placeAndCancel()
            try await react(s)
            // Cancelled, and the reaction never ran: the hold is still on the card.
            let stuck = try await placeAndCancel()
            try await s.moneyChecks.orderEnded(stuck, at: clock.now())
            #expect(try await s.moneyChecks.runDue() == 0, "not due for 15 minutes")
            clock.advance(by: 901)
            #expect(try await s.moneyChecks.runDue() == 2)
            #expect(try await s.moneyChecks.runDue() == 0, "each order checked once")
            let money = try #require(try await s.slos.report().journeys.first { $0.id == .money })
            #expect(money.windows.first { $0.window == "1h" }.map { [$0.good, $0.valid] } == [1, 2])
            #expect(money.causes.map(\.cause) == ["payment.in_doubt"])
            let transitions = try await s.slos.evaluate()
            #expect(transitions.map { [$0.journey.rawValue, $0.to.rawValue] } == [["money", "page"]], "an invariant pages on one bad event")
            #expect(try await s.slos.policy().journeys.first { $0.journey == .money }?.decision == .freeze)
            // Operators hear of it, through the outbox: their feed names the journey and the cause.
            try await react(s)
            let feed = try await s.notifications.activity(userID: f.operatorAccount.id, cursor: nil, limit: 20).items
            let alert = try #require(feed.first { $0.kind == .operatorSLOAlert })
            #expect(alert.title == "SLO page: money (default)")
            #expect(alert.body.contains("payment.in_doubt (100 %)"), "\(alert.body)")
            let events = try await s.database.read { db in try await Outbox.events(aggregateID: SLOService.alertID(.money, "default"), on: db) }
            #expect(events.map(\.type) == ["slo.alert"], "one event, for webhooks too")
        }
    }
}
