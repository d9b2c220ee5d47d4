import Foundation
import Synchronization

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

    func isOpen(at instant: Date, timeZone: String) -> Bool {
        let local = LocalTimes.shared.weekdayAndMinute(of: instant, in: timeZone)
        return isOpen(weekday: local.weekday, minute: local.minute)
    }
}

/// Local weekday and minute of an instant per time zone, cached for the current minute: the
/// calendar arithmetic costs microseconds, and every search and every price check needs it.
final class LocalTimes: Sendable {
    static let shared = LocalTimes()

    private struct Cached {
        let epochMinute: Int64
        let weekday: Int
        let minute: Int
    }

    private let cache = Mutex<[String: Cached]>([:])

    /// ISO weekday (1 = Monday … 7 = Sunday) and minutes after local midnight.
    func weekdayAndMinute(of instant: Date, in timeZone: String) -> (weekday: Int, minute: Int) {
        let epochMinute = Int64((instant.timeIntervalSince1970 / 60).rounded(.down))
        if let hit = cache.withLock({ $0[timeZone] }), hit.epochMinute == epochMinute {
            return (hit.weekday, hit.minute)
        }
        let value = Self.compute(instant, in: TimeZone(identifier: timeZone) ?? .gmt)
        cache.withLock { $0[timeZone] = Cached(epochMinute: epochMinute, weekday: value.weekday, minute: value.minute) }
        return value
    }

    static func compute(_ instant: Date, in timeZone: TimeZone) -> (weekday: Int, minute: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: instant)
        // Calendar weekday: 1 = Sunday … 7 = Saturday.
        return (((parts.weekday ?? 1) + 5) % 7 + 1, (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }
}
