import Core
import Foundation
public import TiffinHTTP

/// The documented routes of `CatalogController`, one per route it registers.
extension CatalogController {
    public static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/restaurants/nearby", summary: "Open restaurants delivering to a point, nearest first", tag: "Catalog",
            query: [
                .init("lat", "number", "Latitude of the delivery point", minimum: -90, maximum: 90),
                .init("lon", "number", "Longitude of the delivery point", minimum: -180, maximum: 180),
                .init(
                    "limit", "integer", required: false, "At most this many restaurants (default \(NearbyQuery.defaultLimit))",
                    minimum: Double(NearbyQuery.limitRange.lowerBound), maximum: Double(NearbyQuery.limitRange.upperBound)),
            ],
            response: .json(
                NearbyResponse(restaurants: [
                    CatalogService.NearbyRestaurant(
                        restaurant: CatalogExamples.summary, distanceMetres: 874, deliveryFee: Money(199, "EUR"), etaMinutes: 28, isOpen: true)
                ])),
            errors: [422], journey: .browse),
        APIOperation(
            .get, "/v1/restaurants/:restaurantID", summary: "One restaurant", tag: "Catalog",
            response: .json(RestaurantProfile(CatalogExamples.restaurant)), errors: [404]),
        APIOperation(
            .get, "/v1/restaurants/:restaurantID/menu", summary: "A restaurant's menu: sections with their items", tag: "Catalog",
            response: .json(MenuResponse(restaurantID: CatalogExamples.restaurantID, sections: [CatalogExamples.section(withItems: true)])),
            errors: [404], journey: .browse),
        APIOperation(
            .get, "/v1/restaurants/mine", summary: "The restaurant run by the signed-in staff account", tag: "Catalog", roles: [.staff],
            response: .json(RestaurantProfile(CatalogExamples.restaurant)), errors: [401, 403, 404]),
        APIOperation(
            .post, "/v1/restaurants", summary: "Open a restaurant (one per staff account)", tag: "Catalog", roles: [.staff],
            request: .json(
                CreateRestaurantRequest(
                    name: "Curry Kitchen", cuisine: "Indian", description: "North Indian curries and tandoor breads",
                    address: "Torstraße 101, 10119 Berlin", location: CatalogExamples.location, timeZone: "Europe/Berlin",
                    openingHours: CatalogExamples.openingHours, deliveryRadiusMetres: 3_000, minimumOrder: Money(1_200, "EUR"), prepMinutes: 20)),
            status: 201, response: .json(RestaurantProfile(CatalogExamples.restaurant)), errors: [400, 401, 403, 409, 422]),
        APIOperation(
            .patch, "/v1/restaurants/:restaurantID", summary: "Change a restaurant's details (only the fields sent)", tag: "Catalog",
            roles: [.staff],
            request: .json(
                UpdateRestaurantRequest(
                    name: "Curry Kitchen", cuisine: "Indian", description: "North Indian curries and tandoor breads",
                    address: "Torstraße 101, 10119 Berlin", location: CatalogExamples.location, timeZone: "Europe/Berlin",
                    deliveryRadiusMetres: 3_500, minimumOrderAmount: 1_500, prepMinutes: 25)),
            response: .json(RestaurantProfile(CatalogExamples.restaurant)), errors: [400, 401, 403, 404, 422]),
        APIOperation(
            .put, "/v1/restaurants/:restaurantID/hours", summary: "Replace a restaurant's weekly opening hours", tag: "Catalog",
            roles: [.staff], request: .json(HoursRequest(openingHours: CatalogExamples.openingHours)),
            response: .json(RestaurantProfile(CatalogExamples.restaurant)), errors: [400, 401, 403, 404, 422]),
        APIOperation(
            .post, "/v1/restaurants/:restaurantID/pause", summary: "Stop taking orders for now", tag: "Catalog", roles: [.staff],
            response: .json(RestaurantProfile(CatalogExamples.restaurant)), errors: [401, 403, 404]),
        APIOperation(
            .post, "/v1/restaurants/:restaurantID/resume", summary: "Take orders again after a pause", tag: "Catalog", roles: [.staff],
            response: .json(RestaurantProfile(CatalogExamples.restaurant)), errors: [401, 403, 404]),
        APIOperation(
            .post, "/v1/restaurants/:restaurantID/menu/sections", summary: "Add a menu section", tag: "Catalog", roles: [.staff],
            request: .json(SectionRequest(name: "Curries", position: 1)),
            status: 201, response: .json(CatalogExamples.section(withItems: false)), errors: [400, 401, 403, 404, 422]),
        APIOperation(
            .patch, "/v1/restaurants/:restaurantID/menu/sections/:sectionID", summary: "Rename or move a menu section", tag: "Catalog",
            roles: [.staff], request: .json(SectionRequest(name: "Curries", position: 2)),
            response: .json(CatalogExamples.section(withItems: false)), errors: [400, 401, 403, 404, 422]),
        APIOperation(
            .delete, "/v1/restaurants/:restaurantID/menu/sections/:sectionID", summary: "Delete a menu section", tag: "Catalog",
            roles: [.staff], status: 204, errors: [401, 403, 404]),
        APIOperation(
            .post, "/v1/restaurants/:restaurantID/menu/items", summary: "Add a menu item, with its option groups", tag: "Catalog",
            roles: [.staff],
            request: .json(
                CreateItemRequest(
                    sectionID: CatalogExamples.sectionID, name: "Chicken Tikka Masala", description: "Grilled chicken in a tomato and cream sauce",
                    price: 1_390, isSoldOut: false, position: 1,
                    optionGroups: [
                        OptionGroupInput(
                            id: nil, name: "Extras", minChoices: 0, maxChoices: 2,
                            options: [
                                .init(id: nil, name: "Garlic naan", priceDelta: 250, isSoldOut: false),
                                .init(id: nil, name: "Raita", priceDelta: 150, isSoldOut: false),
                            ])
                    ])),
            status: 201, response: .json(CatalogExamples.item), errors: [400, 401, 403, 404, 422]),
        APIOperation(
            .patch, "/v1/restaurants/:restaurantID/menu/items/:itemID", summary: "Change a menu item (only the fields sent)", tag: "Catalog",
            roles: [.staff],
            request: .json(
                UpdateItemRequest(
                    sectionID: CatalogExamples.sectionID, name: "Chicken Tikka Masala", description: "Grilled chicken in a tomato and cream sauce",
                    price: 1_450, isSoldOut: true, position: 1,
                    optionGroups: [
                        OptionGroupInput(
                            id: CatalogExamples.extrasGroupID, name: "Extras", minChoices: 0, maxChoices: 1,
                            options: [.init(id: CatalogExamples.naanOptionID, name: "Garlic naan", priceDelta: 250, isSoldOut: false)])
                    ])),
            response: .json(CatalogExamples.item), errors: [400, 401, 403, 404, 422]),
        APIOperation(
            .delete, "/v1/restaurants/:restaurantID/menu/items/:itemID", summary: "Delete a menu item", tag: "Catalog", roles: [.staff],
            status: 204, errors: [401, 403, 404]),
    ]
}

/// Fixed values for the documented examples, so the API document is the same on every build.
private enum CatalogExamples {
    static let restaurantID = UUID(uuidString: "3B1F6E2A-8C4D-4E5F-9A7B-1C2D3E4F5A6B")!
    static let ownerID = UUID(uuidString: "5D2E7F3B-9A1C-4B6D-8E2F-3A4B5C6D7E8F")!
    static let sectionID = UUID(uuidString: "7A3C9E1F-2B4D-4F6A-8C1E-5D7F9B2A4C6E")!
    static let itemID = UUID(uuidString: "9C5E1A3B-4D6F-4A8C-9E2B-7F1A3C5E7A9B")!
    static let extrasGroupID = UUID(uuidString: "2E4A6C8E-1F3B-4D5F-8A7C-9E1B3D5F7A9C")!
    static let naanOptionID = UUID(uuidString: "4F6B8D1A-3C5E-4F7A-9B2D-1E3F5A7C9E2B")!
    static let raitaOptionID = UUID(uuidString: "6A8C1E3F-5B7D-4A9C-8E1F-3B5D7F9A2C4E")!
    static let createdAt = Date(timeIntervalSince1970: 1_800_000_000)
    static let updatedAt = Date(timeIntervalSince1970: 1_800_003_600)
    static let location = GeoPoint(uncheckedLat: 52.5293, lon: 13.4011)

    static let openingHours: [OpeningHoursRule] =
        (1...4).map { OpeningHoursRule(weekday: $0, opens: "11:30", closes: "22:00") }
        + (5...6).map { OpeningHoursRule(weekday: $0, opens: "11:30", closes: "01:00") }
        + [OpeningHoursRule(weekday: 7, opens: "12:00", closes: "21:30")]

    static let summary = CatalogService.RestaurantSummary(
        id: restaurantID, name: "Curry Kitchen", cuisine: "Indian", description: "North Indian curries and tandoor breads",
        address: "Torstraße 101, 10119 Berlin", location: location, minimumOrder: Money(1_200, "EUR"), prepMinutes: 20,
        deliveryRadiusMetres: 3_000)

    static let restaurant = Restaurant(
        id: restaurantID, ownerID: ownerID, name: "Curry Kitchen", cuisine: "Indian", description: "North Indian curries and tandoor breads",
        address: "Torstraße 101, 10119 Berlin", location: location, timeZone: "Europe/Berlin", openingHours: openingHours,
        deliveryRadiusMetres: 3_000, minimumOrder: Money(1_200, "EUR"), prepMinutes: 20, isPaused: false, createdAt: createdAt,
        updatedAt: updatedAt)

    static let item = MenuItem(
        id: itemID, restaurantID: restaurantID, sectionID: sectionID, name: "Chicken Tikka Masala",
        description: "Grilled chicken in a tomato and cream sauce", price: Money(1_390, "EUR"), isSoldOut: false, position: 1,
        optionGroups: [
            OptionGroup(
                id: extrasGroupID, name: "Extras", minChoices: 0, maxChoices: 2,
                options: [
                    MenuOption(id: naanOptionID, name: "Garlic naan", priceDelta: 250),
                    MenuOption(id: raitaOptionID, name: "Raita", priceDelta: 150),
                ])
        ])

    static func section(withItems: Bool) -> MenuSection {
        MenuSection(id: sectionID, restaurantID: restaurantID, name: "Curries", position: 1, items: withItems ? [item] : [])
    }
}
