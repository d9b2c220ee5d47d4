import Foundation

/// Opening hours compiled for fast checks: for each ISO weekday, the minute ranges open that day
/// (an overnight rule contributes its early-morning part to the next day).
struct WeeklySchedule: Sendable {
    /// Index 1…7 (ISO weekday); index 0 unused.
    private var ranges: [[Range<Int>]] = Array(repeating: [], count: 8)

    init(_ rules: [OpeningHoursRule]) {
        for rule in rules {
            guard (1...7).contains(rule.weekday), let open = OpeningHoursRule.minutes(rule.opens), let close = OpeningHoursRule.minutes(rule.closes)
            else { continue }
            if close > open {
                ranges[rule.weekday].append(open..<close)
            } else {
                ranges[rule.weekday].append(open..<1_440)
                ranges[rule.weekday % 7 + 1].append(0..<close)
            }
        }
    }

    func isOpen(weekday: Int, minute: Int) -> Bool {
        ranges[weekday].contains { $0.contains(minute) }
    }
}

/// Local weekday and minute of an instant, per time zone, computed once per search rather than
/// once per restaurant.
struct LocalTimes {
    private let instant: Date
    private var cache: [String: (weekday: Int, minute: Int)] = [:]

    init(_ instant: Date) {
        self.instant = instant
    }

    mutating func weekdayAndMinute(in timeZone: String) -> (weekday: Int, minute: Int) {
        if let cached = cache[timeZone] { return cached }
        let value = Self.weekdayAndMinute(of: instant, in: TimeZone(identifier: timeZone) ?? .gmt)
        cache[timeZone] = value
        return value
    }

    /// ISO weekday (1 = Monday … 7 = Sunday) and minutes after local midnight.
    static func weekdayAndMinute(of instant: Date, in timeZone: TimeZone) -> (weekday: Int, minute: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: instant)
        // Calendar weekday: 1 = Sunday … 7 = Saturday.
        return (((parts.weekday ?? 1) + 5) % 7 + 1, (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }
}
