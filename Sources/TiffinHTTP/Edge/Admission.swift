public import Core
import Foundation
public import Hummingbird
import Metrics
import Synchronization

/// Admission control: past capacity, refuse fast instead of queueing.
///
/// Each route class (`RateClass`) has a limit on its requests in flight that adapts to what the
/// server sustains (AIMD, as TCP's congestion window or Netflix's concurrency-limits): every
/// `window`, when more than 2 % of the class's requests took longer than its latency target while
/// at least 16 were in flight the limit shrinks by 10 %; when the limit was reached and latency was on target it grows by one. A
/// request over its class's limit is answered `503 overloaded` with `Retry-After` at once, so
/// the requests admitted keep their latency and the rest do not wait in a queue that only grows.
///
/// Priorities: all classes share `maximumInFlight`, and the lower ones may use only part of it —
/// browse and other reads, sign-ups and telemetry half; tickets, logins, quotes and other
/// actions three quarters; placements and courier fixes all of it. So under overload reads are
/// refused first and checkout last. `/health`, `/ready`, `/metrics` and the apps' files are never
/// refused.
public struct AdmissionSettings: Sendable {
    public var enabled = true
    /// Requests in flight at once, all classes together.
    public var maximumInFlight = 1_024
    /// Where each class's adaptive limit starts, and its floor.
    public var initialLimit = 64
    public var minimumLimit = 8
    /// How often limits adapt.
    public var window: Duration = .milliseconds(200)
    /// The latency each class should keep (its 95th percentile), the server's share of the
    /// journey budgets in docs/edge.md — or twice what the class takes unloaded, when that is
    /// more (a slow disk: the limit should stop queueing, not the work the hardware can do).
    public var targets: [RateClass: Duration] = [
        .placement: .milliseconds(40), .quote: .milliseconds(25), .reads: .milliseconds(25), .actions: .milliseconds(40),
        .courierFix: .milliseconds(15), .login: .milliseconds(250), .signUp: .milliseconds(250), .telemetry: .milliseconds(25),
        .liveTicket: .milliseconds(25),
    ]

    public init() {}

    /// - `TIFFIN_ADMISSION`: `on` (default) or `off` (the benchmarks of capacity turn it off).
    /// - `TIFFIN_MAX_IN_FLIGHT`: requests in flight at once (16…100000, default 1024).
    public init(reader: SettingsReader) {
        if let on = reader.bool("TIFFIN_ADMISSION") { enabled = on }
        if let v: Int = reader.number("TIFFIN_MAX_IN_FLIGHT", 16...100_000) { maximumInFlight = v }
    }

    /// The share of `maximumInFlight` a class may use: lower priorities less.
    static func share(_ rateClass: RateClass) -> Double {
        switch rateClass {
        case .placement, .courierFix, .unlimited: 1
        case .actions, .quote, .login, .liveTicket: 0.75
        case .reads, .signUp, .telemetry: 0.5
        }
    }
}

/// The adaptive limits and the count of requests in flight (`AdmissionSettings`).
public final class AdmissionControl: Sendable {
    public let settings: AdmissionSettings

    private struct ClassState {
        var limit: Double
        var inFlight = 0
        var windowStart: ContinuousClock.Instant
        var finished = 0
        var slow = 0
        var total: Duration = .zero
        var reachedLimit = false
        /// The most requests in flight at once in this window.
        var peak = 0
        /// The lowest window mean seen with few in flight, rising 2 % a window so it follows a
        /// change of hardware.
        var baseline: Duration?
    }

    private struct State {
        var total = 0
        var classes: [RateClass: ClassState]
    }

    private let state: Mutex<State>
    private static let shed = Dictionary(
        uniqueKeysWithValues: RateClass.allCases.map { ($0, Counter(label: "tiffin_http_shed_total", dimensions: [("class", $0.rawValue)])) })
    private static let limits = Dictionary(
        uniqueKeysWithValues: RateClass.allCases.map { ($0, Gauge(label: "tiffin_admission_limit", dimensions: [("class", $0.rawValue)])) })

    public init(settings: AdmissionSettings) {
        self.settings = settings
        let now = ContinuousClock.now
        state = Mutex(
            State(classes: Dictionary(uniqueKeysWithValues: RateClass.allCases.map { ($0, ClassState(limit: Double(settings.initialLimit), windowStart: now)) })))
    }

    /// Takes a place for a request of `rateClass`; false when it must be refused.
    public func admit(_ rateClass: RateClass) -> Bool {
        guard settings.enabled, rateClass != .unlimited else { return true }
        let admitted = state.withLock { state -> Bool in
            let share = Int(Double(settings.maximumInFlight) * AdmissionSettings.share(rateClass))
            guard state.total < share, var entry = state.classes[rateClass] else { return false }
            if entry.inFlight >= Int(entry.limit) {
                entry.reachedLimit = true
                state.classes[rateClass] = entry
                return false
            }
            entry.inFlight += 1
            entry.peak = max(entry.peak, entry.inFlight)
            if entry.inFlight >= Int(entry.limit) { entry.reachedLimit = true }
            state.classes[rateClass] = entry
            state.total += 1
            return true
        }
        if !admitted { Self.shed[rateClass]?.increment() }
        return admitted
    }

    /// Gives the place back, with how long the request took; adapts the class's limit.
    public func finished(_ rateClass: RateClass, after latency: Duration) {
        guard settings.enabled, rateClass != .unlimited else { return }
        let configured = settings.targets[rateClass] ?? .milliseconds(50)
        let now = ContinuousClock.now
        let changed = state.withLock { state -> Double? in
            guard var entry = state.classes[rateClass] else { return nil }
            state.total -= 1
            entry.inFlight -= 1
            entry.finished += 1
            entry.total += latency
            let target = max(configured, (entry.baseline ?? .zero) * 2)
            if latency > target { entry.slow += 1 }
            var changed: Double?
            // A window closes once it is long enough and has something to say: 10 requests, or
            // the limit reached.
            if now - entry.windowStart >= settings.window && (entry.finished >= 10 || entry.reachedLimit) {
                // Slow while many were in flight: queueing, which a lower limit cures. Slow with a few
                // in flight is something else (a slow query, a busy machine) and no reason to
                // refuse the few.
                if entry.finished >= 10 && Double(entry.slow) > 0.02 * Double(entry.finished) && entry.peak >= 2 * settings.minimumLimit {
                    entry.limit = max(Double(settings.minimumLimit), entry.limit * 0.9)
                    changed = entry.limit
                } else if entry.reachedLimit && entry.slow == 0 {
                    entry.limit = min(Double(settings.maximumInFlight), entry.limit + 1)
                    changed = entry.limit
                }
                // Learned only while few were in flight: a mean measured in a queue is no baseline.
                if entry.peak < 2 * settings.minimumLimit {
                    let mean = entry.total / entry.finished
                    entry.baseline = min(mean, (entry.baseline ?? mean) * 1.02)
                }
                entry.windowStart = now
                entry.finished = 0
                entry.slow = 0
                entry.total = .zero
                entry.peak = entry.inFlight
                entry.reachedLimit = false
            }
            state.classes[rateClass] = entry
            return changed
        }
        if let changed { Self.limits[rateClass]?.record(Int(changed)) }
    }

    /// The limit of `rateClass` now (for tests and the console).
    public func limit(_ rateClass: RateClass) -> Int {
        state.withLock { Int($0.classes[rateClass]?.limit ?? 0) }
    }
}

/// Refuses what `AdmissionControl` does not admit: `503 overloaded` with `Retry-After: 1`, at
/// once. Right after the request id, before metrics and authentication, so a refusal costs next
/// to nothing (refusals are counted in `tiffin_http_shed_total`).
public struct AdmissionMiddleware: RouterMiddleware {
    public typealias Context = TiffinRequestContext
    let control: AdmissionControl

    public init(control: AdmissionControl) {
        self.control = control
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let rateClass = context.operation?.rateClass ?? .unlimited
        guard control.admit(rateClass) else {
            // Answered here, not thrown: a refusal must cost as little as possible.
            var problem = Problem(
                status: .serviceUnavailable, type: "overloaded", title: "Server busy",
                detail: "the server is at capacity for \(rateClass.rawValue) requests; retry in a moment")
            problem.retryAfterSeconds = 1
            return try problem.response(from: request, context: context)
        }
        let started = ContinuousClock.now
        defer { control.finished(rateClass, after: ContinuousClock.now - started) }
        return try await next(request, context)
    }
}
