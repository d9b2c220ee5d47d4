import Accounts
import Core
import Payments
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TiffinHTTP
import TiffinTestSupport

@testable import TiffinApp

@Suite("Overload: shed, don't queue")
struct AdmissionTests {
    @Test func lowerClassesMayUseLessOfTheServerAndHealthIsNeverRefused() {
        var settings = AdmissionSettings()
        settings.maximumInFlight = 16
        let control = AdmissionControl(settings: settings)
        for _ in 0..<8 { #expect(control.admit(.reads)) }
        #expect(!control.admit(.reads), "reads may hold half")
        #expect(!control.admit(.telemetry))
        for _ in 0..<4 { #expect(control.admit(.actions)) }
        #expect(!control.admit(.quote), "actions and quotes three quarters")
        for _ in 0..<4 { #expect(control.admit(.placement)) }
        #expect(!control.admit(.placement), "placements all of it")
        #expect(control.admit(.unlimited), "health, readiness and metrics always")
        control.finished(.reads, after: .milliseconds(1))
        #expect(!control.admit(.reads), "one read out is not room for reads while checkout fills the rest")
        control.finished(.placement, after: .milliseconds(1))
        #expect(control.admit(.placement))
    }

    /// Admits `count` placements, then finishes them all, each after `latency`.
    static func run(_ control: AdmissionControl, _ count: Int, taking latency: Duration) {
        for _ in 0..<count { #expect(control.admit(.placement)) }
        for _ in 0..<count { control.finished(.placement, after: latency) }
    }

    @Test func aClassLimitShrinksWhenItsLatencyMissesTheTargetAndGrowsBackWhenItIsMet() {
        var settings = AdmissionSettings()
        settings.window = .zero
        settings.initialLimit = 40
        let control = AdmissionControl(settings: settings)
        func run(_ count: Int, taking latency: Duration) { Self.run(control, count, taking: latency) }
        run(10, taking: .milliseconds(2))
        #expect(control.limit(.placement) == 40, "fast, and the limit not reached: no change")
        run(10, taking: .milliseconds(200))
        #expect(control.limit(.placement) == 40, "slow with 10 in flight: not a queue a limit cures")
        run(20, taking: .milliseconds(200))
        #expect(control.limit(.placement) == 36, "slow with 20 in flight: 10 % less")
        for _ in 0..<30 { run(min(20, control.limit(.placement)), taking: .milliseconds(200)) }
        #expect((14...16).contains(control.limit(.placement)), "down to where a queue can still be told (16 in flight)")
        // At the limit and fast: one more per window (the first window may still hold slow answers).
        let floor = control.limit(.placement)
        for _ in 0..<3 { run(control.limit(.placement), taking: .milliseconds(2)) }
        #expect(control.limit(.placement) > floor, "at the limit and fast: it grows")
        // Fast but not at the limit: no reason to grow.
        let grown = control.limit(.placement)
        run(2, taking: .milliseconds(2))
        #expect(control.limit(.placement) == grown)
    }

    /// On hardware where a class is slow even unloaded (a disk with fsync), the target becomes
    /// twice its unloaded latency: the limit stops queueing, not the work the machine can do.
    @Test func theTargetFollowsTheClassesUnloadedLatencyWhenThatIsSlowerThanTheBudget() {
        var settings = AdmissionSettings()
        settings.window = .zero
        settings.initialLimit = 40
        let control = AdmissionControl(settings: settings)
        func run(_ count: Int, taking latency: Duration) { Self.run(control, count, taking: latency) }
        run(20, taking: .milliseconds(60))
        #expect(control.limit(.placement) == 36, "no baseline yet: 60 ms with 20 in flight misses 40 ms")
        run(10, taking: .milliseconds(60))
        run(20, taking: .milliseconds(60))
        #expect(control.limit(.placement) == 36, "60 ms with 10 in flight is the baseline, and 2 × 60 ms the target")
        run(20, taking: .milliseconds(200))
        #expect(control.limit(.placement) == 32, "200 ms is queueing")
    }

    /// Over HTTP: slow checkouts hold half the server; a read is then refused at once with
    /// `503 overloaded`, while `/health` and another checkout are served.
    @Test func underLoadReadsAreRefusedFastWhileCheckoutAndHealthGoOn() async throws {
        try await withApp(
            .sqlite, mode: .live,
            configure: { c in
                c.admission.enabled = true
                c.admission.maximumInFlight = 16
                c.payments.authorizationTimeout = .seconds(10)
                c.payments.sandboxSlowCard = .seconds(3)
            }
        ) { api, services in
            let f = try await Fixture.make(services)
            let customer = try await services.accounts.logIn(email: f.customer.email, password: "correct horse").token
            let slow = OutageTests.orderBody(f).replacingOccurrences(of: "4242 4242 4242 4242", with: "4000 0000 0000 0077")
            let port = try #require(api.client.port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        // Each on a connection of its own, all at once.
                        _ = try await RawConnection.exchange(
                            port: port, "POST", "/v1/orders", json: slow,
                            headers: ["Authorization": "Bearer \(customer)", "Idempotency-Key": "slow-\(index)"])
                    }
                }
                // Wait until the eight hold their places (their authorisations are at the provider).
                try await Task.sleep(for: .milliseconds(1_500))
                let read = try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010")
                #expect(read.status == .serviceUnavailable && read.string("type") == "https://tiffin.dev/problems/overloaded")
                #expect(read.headers[.retryAfter] == "1")
                #expect(try await api.call(.get, "/health").status == .ok)
                let placed = try await OutageTests.place(api, f, token: customer).reply
                #expect(placed.status == .created, "checkout still has room: \(placed.status)")
                try await group.waitForAll()
            }
            #expect(try await api.call(.get, "/v1/restaurants/nearby?lat=52.5296&lon=13.4010").status == .ok, "and reads come back")
        }
    }
}
