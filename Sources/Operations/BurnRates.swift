public import Foundation

/// A window over which good and valid events are summed.
public struct SLOWindow: Sendable, Hashable, Codable, Comparable {
    public let minutes: Int

    public init(minutes: Int) { self.minutes = minutes }

    public var name: String {
        if minutes % 1_440 == 0 { return "\(minutes / 1_440)d" }
        if minutes % 60 == 0 { return "\(minutes / 60)h" }
        return "\(minutes)m"
    }

    public static func < (a: SLOWindow, b: SLOWindow) -> Bool { a.minutes < b.minutes }

    public static let m5 = SLOWindow(minutes: 5), m30 = SLOWindow(minutes: 30), h1 = SLOWindow(minutes: 60), h2 = SLOWindow(minutes: 120)
    public static let h6 = SLOWindow(minutes: 360), d1 = SLOWindow(minutes: 1_440), d3 = SLOWindow(minutes: 4_320)
    public static let d28 = SLOWindow(minutes: 40_320)
}

/// Good and valid events in a window.
public struct WindowCounts: Sendable, Equatable, Codable {
    public var good: Int64
    public var valid: Int64

    public init(good: Int64 = 0, valid: Int64 = 0) {
        self.good = good
        self.valid = valid
    }

    public var bad: Int64 { valid - good }
    /// Bad over valid; 0 without events.
    public var errorRatio: Double { valid > 0 ? Double(bad) / Double(valid) : 0 }
}

/// How bad an alert is. Ordered: ok < ticket < page.
public enum AlertLevel: String, Sendable, Codable, Comparable, CaseIterable {
    case ok, ticket, page

    public static func < (a: AlertLevel, b: AlertLevel) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// A multiwindow burn-rate alert (the SRE workbook's, chapter 5): it fires when the error ratio
/// over both windows is at least `factor` times the budget's, so the long window proves the burn
/// matters and the short one that it is still going on (and lets the alert reset soon after it
/// stops).
public struct BurnAlertRule: Sendable, Hashable, Codable {
    public let level: AlertLevel
    public let long: SLOWindow
    public let short: SLOWindow
    public let factor: Double

    /// 1 h/5 m at 14.4× and 6 h/30 m at 6× page (2 % and 5 % of a 30-day budget spent); 1 d/2 h at
    /// 3× and 3 d/6 h at 1× open a ticket (10 % each).
    public static let all: [BurnAlertRule] = [
        BurnAlertRule(level: .page, long: .h1, short: .m5, factor: 14.4),
        BurnAlertRule(level: .page, long: .h6, short: .m30, factor: 6),
        BurnAlertRule(level: .ticket, long: .d1, short: .h2, factor: 3),
        BurnAlertRule(level: .ticket, long: .d3, short: .h6, factor: 1),
    ]

    public var name: String { "\(long.name)/\(short.name) at \(factor.formatted())×" }
}

extension Double {
    /// 14.4 → "14.4", 6.0 → "6".
    func formatted() -> String { self == rounded() ? String(Int(self)) : String(self) }
}

/// Burn rates and the alert level they call for: pure functions of the counts.
public enum BurnRates {
    /// Every window an evaluation or a report reads.
    public static let windows: [SLOWindow] = [.m5, .m30, .h1, .h2, .h6, .d1, .d3, .d28]
    /// The windows alerts need (the 28-day one only for the budget).
    public static let alertWindows: [SLOWindow] = [.m5, .m30, .h1, .h2, .h6, .d1, .d3]
    /// How far back an invariant's bad event keeps it paging.
    public static let invariantWindow = SLOWindow.h1

    /// How fast the budget burns in `counts`: the error ratio over the budget's ratio (1 is exactly
    /// on budget for the whole period).
    public static func burnRate(_ counts: WindowCounts, _ journey: Journey) -> Double {
        guard journey.errorBudget > 0 else { return counts.bad > 0 ? .infinity : 0 }
        return counts.errorRatio / journey.errorBudget
    }

    /// The rules firing now, given each window's counts. The guard keeps a quiet city from
    /// paging on one failed order: a rule needs `minimumEvents` valid and `minimumBadEvents`
    /// bad events in its long window.
    public static func firing(_ journey: Journey, _ counts: [SLOWindow: WindowCounts]) -> [BurnAlertRule] {
        switch journey.kind {
        case .invariant:
            let recent = counts[invariantWindow] ?? WindowCounts()
            return recent.bad > 0 ? [BurnAlertRule(level: .page, long: invariantWindow, short: invariantWindow, factor: 0)] : []
        case .ratio:
            return BurnAlertRule.all.filter { rule in
                let long = counts[rule.long] ?? WindowCounts()
                let short = counts[rule.short] ?? WindowCounts()
                return long.valid >= Int64(journey.minimumEvents) && long.bad >= Int64(journey.minimumBadEvents)
                    && burnRate(long, journey) >= rule.factor && burnRate(short, journey) >= rule.factor
            }
        }
    }

    /// The level the firing rules call for.
    public static func wanted(_ firing: [BurnAlertRule]) -> AlertLevel { firing.map(\.level).max() ?? .ok }
}

/// An alert's state, and how it moves: up at once, down only after the higher level's rules have
/// stayed quiet for its hold (hysteresis), so a burn that flickers around a threshold does not
/// page, resolve and page again.
public struct AlertStatus: Sendable, Equatable, Codable {
    public var level: AlertLevel
    /// Since when it has been at `level`.
    public var since: Date
    /// Since when the rules have asked for less than `level` (nil while they still ask for it).
    public var quietSince: Date?

    public init(level: AlertLevel, since: Date, quietSince: Date? = nil) {
        self.level = level
        self.since = since
        self.quietSince = quietSince
    }

    /// How long a level's rules must stay quiet before it steps down: a page 10 minutes (its
    /// short windows, 5 and 30 minutes, have by then mostly forgotten the burn), a ticket 30.
    public static func hold(_ level: AlertLevel) -> TimeInterval {
        switch level {
        case .page: 600
        case .ticket: 1_800
        case .ok: 0
        }
    }

    /// The state after an evaluation at `now` that asked for `wanted`.
    public func next(wanted: AlertLevel, at now: Date) -> AlertStatus {
        if wanted > level { return AlertStatus(level: wanted, since: now) }
        if wanted == level { return AlertStatus(level: level, since: since) }
        guard let quietSince else { return AlertStatus(level: level, since: since, quietSince: now) }
        guard now.timeIntervalSince(quietSince) >= Self.hold(level) else { return self }
        return AlertStatus(level: wanted, since: now)
    }
}
