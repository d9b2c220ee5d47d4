public import Core
public import Foundation

/// The deterministic demo city Tiffin seeds on first start: a Berlin-sized area with restaurants,
/// menus, one account per role, restaurant owners and couriers.
///
/// Everything here is pure data, identical on every machine and every run: IDs are made from
/// names (`tiffin-demo/restaurant/<number>`, …) by `DeterministicID`, never by the system random
/// number generator. Every account uses `password`.
public enum DemoCity {
    public static let password = "tiffin-demo"
    public static let timeZone = "Europe/Berlin"
    public static let currency = "EUR"
    /// Centre of the demo city (Berlin Mitte).
    public static let centre = GeoPoint(uncheckedLat: 52.520, lon: 13.405)

    static let staffEmail = "staff@tiffin.demo"

    /// The four role accounts, in the order customer, staff, courier, operator. The staff account
    /// runs the first restaurant (`firstRestaurantID`).
    public static let demoAccounts: [DemoAccount] = [
        DemoAccount(role: .customer, email: "customer@tiffin.demo", name: "Demo Customer"),
        DemoAccount(role: .staff, email: staffEmail, name: "Demo Staff"),
        DemoAccount(role: .courier, email: "courier@tiffin.demo", name: "Demo Courier"),
        DemoAccount(role: .operator, email: "operator@tiffin.demo", name: "Demo Operator"),
    ]

    /// The demo staff's restaurant, "Forno Rosenthaler" (restaurant number 1):
    /// `DeterministicID.make("tiffin-demo/restaurant/1")`.
    public static let firstRestaurantID = UUID(uuidString: "C7504AB2-830C-4019-8A6E-B0046771F040")!

    /// The demo customer's delivery address, at Rosenthaler Platz.
    public static let customerHome = GeoPoint(uncheckedLat: 52.5296, lon: 13.4010)
    public static let customerAddress = "Weinbergsweg 1, 10119 Berlin"

    /// Addresses the customer app offers in the demo city, the demo customer's first; each has
    /// restaurants delivering to it.
    public static let addresses: [(label: String, point: GeoPoint)] = [
        (customerAddress, customerHome),
        ("Alexanderplatz 1, 10178 Berlin", GeoPoint(uncheckedLat: 52.5219, lon: 13.4132)),
        ("Kastanienallee 12, 10435 Berlin", GeoPoint(uncheckedLat: 52.5363, lon: 13.4073)),
        ("Oranienburger Straße 32, 10117 Berlin", GeoPoint(uncheckedLat: 52.5246, lon: 13.3932)),
    ]

    /// The demo courier first, then `courier-01` … `courier-24@tiffin.demo`.
    public static let couriers: [DemoCourier] = DemoCouriers.build()

    /// Every restaurant with its menu, in seeding order; `restaurants[0].id == firstRestaurantID`.
    public static let restaurants: [DemoRestaurant] = DemoRestaurants.build()
}
