public import Catalog
public import Core
public import Foundation

/// A restaurant of the demo city with its menu, as pure data (nothing here touches a database).
public struct DemoRestaurant: Sendable, Equatable {
    /// 1-based position in `DemoCity.restaurants`; part of every ID's name.
    public let number: Int
    public let id: UUID
    /// Email of the staff account that owns it (`staff@tiffin.demo` for the first).
    public let ownerEmail: String
    public let ownerName: String
    public let name: String
    public let cuisine: String
    public let description: String
    public let neighbourhood: String
    public let address: String
    public let location: GeoPoint
    public let timeZone: String
    public let openingHours: [OpeningHoursRule]
    public let deliveryRadiusMetres: Int
    public let minimumOrder: Money
    public let prepMinutes: Int
    public let sections: [DemoMenuSection]

    public var isOpenAllDay: Bool { openingHours == OpeningHoursRule.allDay }

    /// Whether the restaurant is open at `instant` in its own time zone.
    public func isOpen(at instant: Date) -> Bool {
        OpeningHoursRule.isOpen(openingHours, at: instant, timeZone: TimeZone(identifier: timeZone) ?? .gmt)
    }

    /// Whether `point` lies within the delivery radius.
    public func delivers(to point: GeoPoint) -> Bool {
        location.distance(to: point) <= Double(deliveryRadiusMetres)
    }

    /// The draft `CatalogService.createRestaurant` takes.
    public var draft: CatalogService.RestaurantDraft {
        CatalogService.RestaurantDraft(
            name: name, cuisine: cuisine, description: description, address: address, location: location, timeZone: timeZone,
            openingHours: openingHours, deliveryRadiusMetres: deliveryRadiusMetres, minimumOrder: minimumOrder,
            prepMinutes: prepMinutes)
    }
}
