import Foundation
import Testing

@testable import Catalog

@Suite("Opening hours")
struct OpeningHoursTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// A local Berlin time on a given ISO weekday of the week of 2026-11-16 (a Monday).
    static func berlinTime(isoWeekday: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = berlin
        return calendar.date(from: DateComponents(year: 2026, month: 11, day: 15 + isoWeekday, hour: hour, minute: minute))!
    }

    @Test(arguments: [(1, 11, 0, true), (1, 10, 59, false), (1, 22, 59, true), (1, 23, 0, false), (2, 12, 0, false)])
    func aDaytimeRuleOpensOnItsDayOnly(weekday: Int, hour: Int, minute: Int, open: Bool) {
        let rules = [OpeningHoursRule(weekday: 1, opens: "11:00", closes: "23:00")]
        #expect(OpeningHoursRule.isOpen(rules, at: Self.berlinTime(isoWeekday: weekday, hour, minute), timeZone: Self.berlin) == open)
    }

    @Test(arguments: [(5, 18, true), (5, 23, true), (6, 1, true), (6, 2, false), (5, 17, false), (4, 1, false)])
    func anOvernightRuleRunsPastMidnightIntoTheNextDay(weekday: Int, hour: Int, open: Bool) {
        let friday = [OpeningHoursRule(weekday: 5, opens: "18:00", closes: "02:00")]
        #expect(OpeningHoursRule.isOpen(friday, at: Self.berlinTime(isoWeekday: weekday, hour), timeZone: Self.berlin) == open)
    }

    @Test func allDayIsOpenAtEveryHour() {
        for weekday in 1...7 {
            for hour in 0..<24 {
                #expect(OpeningHoursRule.isOpen(OpeningHoursRule.allDay, at: Self.berlinTime(isoWeekday: weekday, hour, 30), timeZone: Self.berlin))
            }
        }
    }

    @Test(arguments: [
        OpeningHoursRule(weekday: 0, opens: "10:00", closes: "11:00"), OpeningHoursRule(weekday: 1, opens: "25:00", closes: "11:00"),
        OpeningHoursRule(weekday: 1, opens: "10:00", closes: "10:00"), OpeningHoursRule(weekday: 1, opens: "9:00", closes: "11:00"),
    ])
    func malformedRulesAreRefused(rule: OpeningHoursRule) {
        #expect(throws: (any Error).self) { try rule.validate(field: "openingHours.0") }
    }

    @Test func localTimeIsTheIsoWeekdayAndMinuteInTheRestaurantsZoneAtEveryQuarterHour() {
        for weekday in 1...7 {
            for quarter in 0..<96 {
                let instant = Self.berlinTime(isoWeekday: weekday, quarter / 4, (quarter % 4) * 15)
                let (day, minute) = LocalTimes.shared.weekdayAndMinute(of: instant, in: "Europe/Berlin")
                #expect(day == weekday && minute == quarter * 15)
                #expect(LocalTimes.compute(instant, in: Self.berlin) == (day, minute), "the cache answers as the calendar does")
            }
        }
        // 23:30 UTC on a Sunday is already Monday 00:30 in Berlin (winter time).
        #expect(LocalTimes.shared.weekdayAndMinute(of: Self.berlinTime(isoWeekday: 1, 0, 30), in: "UTC") == (7, 23 * 60 + 30))
    }
}
