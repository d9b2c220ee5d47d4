public import Catalog
public import Core
public import Foundation

/// A large, deterministic city of restaurants (their places, hours and radii; timestamps are when it is made) without menus, for measuring search at scale
/// (`tiffin bench-city`). Restaurants are spread evenly over a square around Berlin with their
/// own delivery radius (1 to 6 km); 70 % open around the clock, the rest 11:00 to 23:00.
public enum SyntheticCity {
    public static let centre = GeoPoint(uncheckedLat: 52.52, lon: 13.405)
    /// Half the side of the square, in degrees of latitude (~28 km); longitude is scaled to match.
    public static let halfSpanDegrees = 0.25

    /// The same `count` restaurants for the same `seed`, on every machine.
    public static func restaurants(count: Int, seed: UInt64 = 1, at instant: Date = Date()) -> [Restaurant] {
        var random = SplitMix64(seed: seed)
        let lonSpan = halfSpanDegrees / cos(centre.lat * .pi / 180)
        let daytime = (1...7).map { OpeningHoursRule(weekday: $0, opens: "11:00", closes: "23:00") }
        let cuisines = ["Pizza", "Sushi", "Curry", "Burger", "Falafel", "Pho", "Tacos", "Salad", "Ramen", "Kebab"]
        return (0..<count).map { index in
            let lat = centre.lat + (random.unit() * 2 - 1) * halfSpanDegrees
            let lon = centre.lon + (random.unit() * 2 - 1) * lonSpan
            let id = DeterministicID.make("tiffin-synthetic/\(seed)/restaurant/\(index)")
            return Restaurant(
                id: id, ownerID: DeterministicID.make("tiffin-synthetic/\(seed)/owner/\(index)"), name: "Synthetic \(index)",
                cuisine: cuisines[index % cuisines.count], description: "", address: "Synthetic street \(index)",
                location: GeoPoint(uncheckedLat: lat, lon: lon), timeZone: "Europe/Berlin",
                openingHours: random.unit() < 0.7 ? OpeningHoursRule.allDay : daytime,
                deliveryRadiusMetres: 1_000 + Int(random.unit() * 5_000), minimumOrder: Money(Int64(random.unit() * 1_500), "EUR"),
                prepMinutes: 10 + Int(random.unit() * 20), isPaused: false, createdAt: instant, updatedAt: instant)
        }
    }
}
