import Catalog
import Core

/// Turns the listings into full demo restaurants: IDs, owners, delivery settings and menus.
enum DemoRestaurants {
    static func build() -> [DemoRestaurant] {
        DemoListings.all.enumerated().map { offset, listing in
            restaurant(number: offset + 1, listing)
        }
    }

    /// Email of the staff account that owns restaurant `number` (1-based).
    static func ownerEmail(number: Int) -> String {
        number == 1 ? DemoCity.staffEmail : "restaurant-\(twoDigits(number))@tiffin.demo"
    }

    static func twoDigits(_ number: Int) -> String {
        number < 10 ? "0\(number)" : "\(number)"
    }

    private static func restaurant(number: Int, _ listing: DemoListing) -> DemoRestaurant {
        let key = "tiffin-demo/restaurant/\(number)"
        let template = listing.cuisine.template
        return DemoRestaurant(
            number: number,
            id: DeterministicID.make(key),
            ownerEmail: ownerEmail(number: number),
            ownerName: number == 1 ? DemoCity.demoAccounts[1].name : "\(listing.name) Team",
            name: listing.name,
            cuisine: template.cuisine,
            description: listing.description,
            neighbourhood: listing.neighbourhood,
            address: listing.address,
            location: GeoPoint(uncheckedLat: listing.lat, lon: listing.lon),
            timeZone: DemoCity.timeZone,
            openingHours: listing.hours.rules,
            // 3.0–7.0 km in 500 m steps.
            deliveryRadiusMetres: 3_000 + 500 * DeterministicID.pick("\(key)/radius", below: 9),
            // 8–20 euros in whole euros.
            minimumOrder: Money(800 + 100 * Int64(DeterministicID.pick("\(key)/minimum-order", below: 13)), DemoCity.currency),
            prepMinutes: min(30, max(10, template.prepMinutes + DeterministicID.pick("\(key)/prep", below: 7) - 3)),
            sections: DemoMenus.sections(for: template, restaurant: number, currency: DemoCity.currency))
    }
}
