public import Foundation

/// Every journey's SLO for one city, as `GET /v1/ops/slos` answers.
public struct SLOReport: Sendable, Codable, Equatable {
    public let city: String
    public let generatedAt: Date
    public let journeys: [JourneySLO]
}

/// One journey: its declaration, its SLI over each window with the burn rate, the budget left,
/// the alert and what burned it.
public struct JourneySLO: Sendable, Codable, Equatable {
    public struct Window: Sendable, Codable, Equatable {
        public let window: String
        public let good: Int64
        public let valid: Int64
        /// Good over valid; absent without events.
        public let sli: Double?
        /// The error ratio over the budget's (1 spends exactly the budget over the period).
        public let burnRate: Double
    }

    public struct Budget: Sendable, Codable, Equatable {
        /// Bad events the objective allows over the period, at this period's traffic.
        public let allowedBad: Double
        public let bad: Int64
        /// 1 is untouched, 0 is spent, below 0 overspent.
        public let remaining: Double
    }

    public struct Alert: Sendable, Codable, Equatable {
        public let level: AlertLevel
        public let since: Date?
        /// The rules firing at the last evaluation (e.g. "1h/5m at 14.4×").
        public let firing: [String]
    }

    public struct Cause: Sendable, Codable, Equatable {
        public let cause: String
        public let lastHour: Int64
        public let period: Int64
        /// This cause's share of the last hour's bad events (of the period's when the hour had none).
        public let share: Double
    }

    public let id: JourneyID
    public let title: String
    public let goodWhen: String
    public let validWhen: String
    public let measuredFrom: String
    public let kind: Journey.Kind
    public let objective: Double
    public let windowDays: Int
    public let owner: String
    public let reason: String
    public let windows: [Window]
    public let budget: Budget
    public let alert: Alert
    public let causes: [Cause]

    init(journey: Journey, counts: [SLOWindow: WindowCounts], causes: [String: (recent: Int64, total: Int64)], alert: SLOStore.StoredAlert?, now: Date) {
        id = journey.id
        title = journey.title
        goodWhen = journey.goodWhen
        validWhen = journey.validWhen
        measuredFrom = journey.measuredFrom
        kind = journey.kind
        objective = journey.objective
        windowDays = journey.windowDays
        owner = journey.owner
        reason = journey.reason
        windows = BurnRates.windows.map { window in
            let c = counts[window] ?? WindowCounts()
            let burn = BurnRates.burnRate(c, journey)
            return Window(
                window: window.name, good: c.good, valid: c.valid, sli: c.valid > 0 ? Double(c.good) / Double(c.valid) : nil,
                burnRate: burn.isFinite ? burn : Double(c.bad) * 1_000_000)
        }
        let period = counts[.d28] ?? WindowCounts()
        let allowed = Double(period.valid) * journey.errorBudget
        budget = Budget(
            allowedBad: allowed, bad: period.bad,
            remaining: allowed > 0 ? 1 - Double(period.bad) / allowed : (period.bad > 0 ? -Double(period.bad) : 1))
        self.alert = Alert(level: alert?.status.level ?? .ok, since: alert?.status.since, firing: alert?.firing ?? [])
        let hour = causes.values.reduce(0) { $0 + $1.recent }
        let total = causes.values.reduce(0) { $0 + $1.total }
        self.causes = causes.map { cause, count in
            Cause(
                cause: cause, lastHour: count.recent, period: count.total,
                share: hour > 0 ? Double(count.recent) / Double(hour) : total > 0 ? Double(count.total) / Double(total) : 0)
        }.sorted { ($0.share, $0.period, $1.cause) > ($1.share, $1.period, $0.cause) }
    }
}

/// The error-budget policy as state (`GET /v1/ops/policy`): a journey whose budget is spent
/// freezes changes to it until the budget recovers; an invariant that pages freezes too.
public struct ErrorBudgetPolicy: Sendable, Codable, Equatable {
    public enum Decision: String, Sendable, Codable, CaseIterable { case normal, freeze }

    public struct Entry: Sendable, Codable, Equatable {
        public let journey: JourneyID
        public let decision: Decision
        public let budgetRemaining: Double
        public let alert: AlertLevel
        public let why: String
    }

    public let city: String
    public let generatedAt: Date
    /// `freeze` when any journey says so: deploy only fixes.
    public let decision: Decision
    public let journeys: [Entry]

    init(_ report: SLOReport) {
        city = report.city
        generatedAt = report.generatedAt
        journeys = report.journeys.map { journey in
            let spent = journey.budget.remaining <= 0
            let invariantBroken = journey.kind == .invariant && journey.alert.level == .page
            let decision: Decision = spent || invariantBroken ? .freeze : .normal
            let why =
                invariantBroken
                ? "the invariant is broken: \(journey.goodWhen)"
                : spent
                    ? "the \(journey.windowDays)-day error budget is spent (\(journey.budget.bad) bad events against \(String(format: "%.2f", journey.budget.allowedBad)) allowed): only changes that restore reliability"
                    : String(format: "%.0f %% of the error budget left", max(0, journey.budget.remaining) * 100)
            return Entry(journey: journey.id, decision: decision, budgetRemaining: journey.budget.remaining, alert: journey.alert.level, why: why)
        }
        decision = journeys.contains { $0.decision == .freeze } ? .freeze : .normal
    }
}
