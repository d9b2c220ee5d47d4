import Foundation
import Metrics

/// Dispatch's metrics (swift-metrics; exported by the app's Prometheus registry).
enum DispatchMetrics {
    static func offers(_ outcome: DispatchOffer.Status) {
        Counter(label: "tiffin_dispatch_offers_total", dimensions: [("outcome", outcome == .pending ? "made" : outcome.rawValue)]).increment()
    }

    static func round(_ duration: Duration, orders: Int, couriers: Int) {
        Timer(label: "tiffin_dispatch_round_seconds", preferredDisplayUnit: .seconds).recordNanoseconds(Int64(duration / .nanoseconds(1)))
        Gauge(label: "tiffin_dispatch_round_orders").record(orders)
        Gauge(label: "tiffin_dispatch_round_couriers").record(couriers)
    }

    /// Made once: a fix is the hottest path there is.
    static let appliedFixes = Counter(label: "tiffin_courier_fixes_total", dimensions: [("outcome", "applied")])
    static let olderFixes = Counter(label: "tiffin_courier_fixes_total", dimensions: [("outcome", "older")])

    static func fixes(applied: Bool) {
        (applied ? appliedFixes : olderFixes).increment()
    }

    /// Wall-clock intervals are clamped at zero: a clock stepped back (or another instance's, a
    /// little behind) would record a negative duration, and the Prometheus histogram's sum then
    /// cannot be rendered — `/metrics` crashed the process on it.
    static func readyToAssignment(_ seconds: TimeInterval) {
        Timer(label: "tiffin_dispatch_ready_to_assignment_seconds", preferredDisplayUnit: .seconds).recordSeconds(max(0, seconds))
    }

    static func acceptance(_ seconds: TimeInterval) {
        Timer(label: "tiffin_dispatch_offer_answer_seconds", preferredDisplayUnit: .seconds).recordSeconds(max(0, seconds))
    }
}
