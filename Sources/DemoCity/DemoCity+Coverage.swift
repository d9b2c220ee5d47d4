import Catalog
public import Core
import Foundation

extension DemoCity {
    /// Hour-by-hour checks that the demo is usable whenever Tiffin starts: at every half hour of
    /// a week, at least `minimumOpen` restaurants are open and at least `minimumDelivering` of
    /// them deliver to `customer`. Pure; returns one line per failing slot, empty when all hold.
    public static func coverageProblems(
        restaurants: [DemoRestaurant] = DemoCity.restaurants, customer: GeoPoint = DemoCity.customerHome,
        minimumOpen: Int = 15, minimumDelivering: Int = 10
    ) -> [String] {
        let zone = TimeZone(identifier: timeZone) ?? .gmt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        var problems: [String] = []
        // A week without a daylight-saving change: Monday 6 January 2025 to Sunday 12 January.
        for weekday in 1...7 {
            for slot in 0..<48 {
                let hour = slot / 2
                let minute = slot % 2 * 30
                guard
                    let instant = calendar.date(
                        from: DateComponents(year: 2025, month: 1, day: 5 + weekday, hour: hour, minute: minute))
                else {
                    problems.append("could not build \(dayNames[weekday - 1]) \(hour):\(minute) in \(timeZone)")
                    continue
                }
                let open = restaurants.filter { OpeningHoursRule.isOpen($0.openingHours, at: instant, timeZone: zone) }
                let delivering = open.filter { $0.delivers(to: customer) }
                let label = "\(dayNames[weekday - 1]) \(hour < 10 ? "0" : "")\(hour):\(minute == 0 ? "00" : "30")"
                if open.count < minimumOpen {
                    problems.append("\(label): only \(open.count) restaurants open (need \(minimumOpen))")
                }
                if delivering.count < minimumDelivering {
                    problems.append(
                        "\(label): only \(delivering.count) open restaurants deliver to the demo customer (need \(minimumDelivering))")
                }
            }
        }
        return problems
    }
}
