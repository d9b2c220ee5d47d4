import Catalog

/// Typical opening-hours patterns of the demo restaurants, in local time.
enum DemoHours: Sendable {
    /// Every day, all day.
    case allDay
    /// Every day from `opens` to `closes` ("02:00" after "17:00" runs past midnight).
    case daily(String, String)
    /// Tuesday to Sunday; closed on Mondays.
    case closedMonday(String, String)
    /// Every day, but Friday and Saturday until `weekendCloses`.
    case lateWeekend(String, String, weekendCloses: String)
    /// A lunch and a dinner window, optionally closed on Mondays.
    case split(lunch: (String, String), dinner: (String, String), closedMonday: Bool)
    /// Monday to Saturday 07:00–19:00, Sunday 08:00–17:00.
    case bakery

    var rules: [OpeningHoursRule] {
        switch self {
        case .allDay:
            return OpeningHoursRule.allDay
        case .daily(let opens, let closes):
            return Self.week(1...7, opens, closes)
        case .closedMonday(let opens, let closes):
            return Self.week(2...7, opens, closes)
        case .lateWeekend(let opens, let closes, let weekendCloses):
            return [1, 2, 3, 4, 7].map { OpeningHoursRule(weekday: $0, opens: opens, closes: closes) }
                + [5, 6].map { OpeningHoursRule(weekday: $0, opens: opens, closes: weekendCloses) }
        case .split(let lunch, let dinner, let closedMonday):
            let days = closedMonday ? 2...7 : 1...7
            return Self.week(days, lunch.0, lunch.1) + Self.week(days, dinner.0, dinner.1)
        case .bakery:
            return Self.week(1...6, "07:00", "19:00") + [OpeningHoursRule(weekday: 7, opens: "08:00", closes: "17:00")]
        }
    }

    private static func week(_ days: ClosedRange<Int>, _ opens: String, _ closes: String) -> [OpeningHoursRule] {
        days.map { OpeningHoursRule(weekday: $0, opens: opens, closes: closes) }
    }
}
