import Core
import Foundation
public import Hummingbird
public import TiffinHTTP

/// `/v1/restaurants/…`: public search and menus, staff management of their own restaurant.
public struct CatalogController: Sendable {
    let service: CatalogService

    public init(service: CatalogService) {
        self.service = service
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        let restaurants = router.group("v1/restaurants")
        restaurants.get("nearby", use: nearby)
        restaurants.get(":restaurantID", use: restaurant)
        restaurants.get(":restaurantID/menu", use: menu)

        let staff = restaurants.group(context: StaffContext.self)
        staff.get("mine", use: mine)
        staff.post(use: create)
        staff.patch(":restaurantID", use: update)
        staff.put(":restaurantID/hours", use: replaceHours)
        staff.post(":restaurantID/pause", use: pause)
        staff.post(":restaurantID/resume", use: resume)
        staff.post(":restaurantID/menu/sections", use: addSection)
        staff.patch(":restaurantID/menu/sections/:sectionID", use: updateSection)
        staff.delete(":restaurantID/menu/sections/:sectionID", use: deleteSection)
        staff.post(":restaurantID/menu/items", use: addItem)
        staff.patch(":restaurantID/menu/items/:itemID", use: updateItem)
        staff.delete(":restaurantID/menu/items/:itemID", use: deleteItem)
        return router
    }

    @Sendable func nearby(_ request: Request, context: TiffinRequestContext) async throws -> RawJSON {
        let query = try NearbyQuery(request)
        return RawJSON(bytes: try await service.nearby(query.point, limit: query.limit).json())
    }

    @Sendable func restaurant(_ request: Request, context: TiffinRequestContext) async throws -> RestaurantProfile {
        RestaurantProfile(try await service.restaurant(id: try context.uuidParameter("restaurantID", entity: "restaurant")))
    }

    @Sendable func menu(_ request: Request, context: TiffinRequestContext) async throws -> MenuResponse {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        return MenuResponse(restaurantID: id, sections: try await service.menu(restaurantID: id))
    }

    @Sendable func mine(_ request: Request, context: StaffContext) async throws -> RestaurantProfile {
        RestaurantProfile(try await service.restaurant(ownedBy: context.principal.userID))
    }

    @Sendable func create(_ request: Request, context: StaffContext) async throws -> JSONResponse<RestaurantProfile> {
        let body = try await request.decodeJSON(as: CreateRestaurantRequest.self, context: context)
        let restaurant = try await service.createRestaurant(ownerID: context.principal.userID, draft: body.draft)
        return JSONResponse(status: .created, RestaurantProfile(restaurant), location: "/v1/restaurants/\(restaurant.id)")
    }

    @Sendable func update(_ request: Request, context: StaffContext) async throws -> RestaurantProfile {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let body = try await request.decodeJSON(as: UpdateRestaurantRequest.self, context: context)
        return RestaurantProfile(try await service.updateRestaurant(id: id, ownerID: context.principal.userID) { body.apply(to: &$0) })
    }

    @Sendable func replaceHours(_ request: Request, context: StaffContext) async throws -> RestaurantProfile {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let body = try await request.decodeJSON(as: HoursRequest.self, context: context)
        return RestaurantProfile(
            try await service.updateRestaurant(id: id, ownerID: context.principal.userID) { $0.openingHours = body.openingHours })
    }

    @Sendable func pause(_ request: Request, context: StaffContext) async throws -> RestaurantProfile {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        return RestaurantProfile(try await service.updateRestaurant(id: id, ownerID: context.principal.userID) { $0.isPaused = true })
    }

    @Sendable func resume(_ request: Request, context: StaffContext) async throws -> RestaurantProfile {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        return RestaurantProfile(try await service.updateRestaurant(id: id, ownerID: context.principal.userID) { $0.isPaused = false })
    }

    @Sendable func addSection(_ request: Request, context: StaffContext) async throws -> JSONResponse<MenuSection> {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let body = try await request.decodeJSON(as: SectionRequest.self, context: context)
        return JSONResponse(
            status: .created,
            try await service.addSection(restaurantID: id, ownerID: context.principal.userID, name: body.name ?? "", position: body.position ?? 0))
    }

    @Sendable func updateSection(_ request: Request, context: StaffContext) async throws -> MenuSection {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let sectionID = try context.uuidParameter("sectionID", entity: "menu section")
        let body = try await request.decodeJSON(as: SectionRequest.self, context: context)
        return try await service.updateSection(
            restaurantID: id, ownerID: context.principal.userID, sectionID: sectionID, name: body.name, position: body.position)
    }

    @Sendable func deleteSection(_ request: Request, context: StaffContext) async throws -> Response {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let sectionID = try context.uuidParameter("sectionID", entity: "menu section")
        try await service.deleteSection(restaurantID: id, ownerID: context.principal.userID, sectionID: sectionID)
        return Response(status: .noContent)
    }

    @Sendable func addItem(_ request: Request, context: StaffContext) async throws -> JSONResponse<MenuItem> {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let body = try await request.decodeJSON(as: CreateItemRequest.self, context: context)
        return JSONResponse(status: .created, try await service.addItem(restaurantID: id, ownerID: context.principal.userID, draft: body.draft))
    }

    @Sendable func updateItem(_ request: Request, context: StaffContext) async throws -> MenuItem {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let itemID = try context.uuidParameter("itemID", entity: "menu item")
        let body = try await request.decodeJSON(as: UpdateItemRequest.self, context: context)
        return try await service.updateItem(restaurantID: id, ownerID: context.principal.userID, itemID: itemID) { body.apply(to: &$0) }
    }

    @Sendable func deleteItem(_ request: Request, context: StaffContext) async throws -> Response {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let itemID = try context.uuidParameter("itemID", entity: "menu item")
        try await service.deleteItem(restaurantID: id, ownerID: context.principal.userID, itemID: itemID)
        return Response(status: .noContent)
    }
}

/// `GET /v1/restaurants/nearby`'s query, validated like a body.
struct NearbyQuery {
    static let limitRange = 1...100
    static let defaultLimit = 20
    let point: GeoPoint
    let limit: Int

    init(_ request: Request) throws {
        point = try GeoPoint(lat: try request.query("lat", as: Double.self), lon: try request.query("lon", as: Double.self), field: "query")
        limit = try request.optionalQuery("limit", as: Int.self) ?? Self.defaultLimit
        guard Self.limitRange.contains(limit) else {
            throw ValidationError(field: "limit", reason: "must be between \(Self.limitRange.lowerBound) and \(Self.limitRange.upperBound)")
        }
    }
}

// MARK: Request and response bodies

struct NearbyResponse: Codable, Sendable {
    let restaurants: [CatalogService.NearbyRestaurant]
}

struct MenuResponse: ResponseCodable, Sendable {
    let restaurantID: UUID
    let sections: [MenuSection]
}

struct CreateRestaurantRequest: ValidatedRequest, Codable, Sendable {
    let name: String
    let cuisine: String
    let description: String?
    let address: String
    let location: GeoPoint
    let timeZone: String
    let openingHours: [OpeningHoursRule]
    let deliveryRadiusMetres: Int
    let minimumOrder: Money
    let prepMinutes: Int?

    var draft: CatalogService.RestaurantDraft {
        CatalogService.RestaurantDraft(
            name: name, cuisine: cuisine, description: description ?? "", address: address, location: location, timeZone: timeZone,
            openingHours: openingHours, deliveryRadiusMetres: deliveryRadiusMetres, minimumOrder: minimumOrder, prepMinutes: prepMinutes ?? 15)
    }
}

struct UpdateRestaurantRequest: ValidatedRequest, Codable, Sendable {
    var name: String?
    var cuisine: String?
    var description: String?
    var address: String?
    var location: GeoPoint?
    var timeZone: String?
    var deliveryRadiusMetres: Int?
    var minimumOrderAmount: Int64?
    var prepMinutes: Int?

    /// The one field whose name differs from the restaurant's is checked here, so the problem names it as sent.
    func validate() throws {
        if let minimumOrderAmount { try CatalogRules.number(minimumOrderAmount, "minimumOrderAmount", CatalogRules.price, unit: " minor units") }
    }

    func apply(to r: inout Restaurant) {
        if let name { r.name = name }
        if let cuisine { r.cuisine = cuisine }
        if let description { r.description = description }
        if let address { r.address = address }
        if let location { r.location = location }
        if let timeZone { r.timeZone = timeZone }
        if let deliveryRadiusMetres { r.deliveryRadiusMetres = deliveryRadiusMetres }
        if let minimumOrderAmount { r.minimumOrder = Money(minimumOrderAmount, r.currency) }
        if let prepMinutes { r.prepMinutes = prepMinutes }
    }
}

struct HoursRequest: ValidatedRequest, Codable, Sendable {
    let openingHours: [OpeningHoursRule]
}

struct SectionRequest: ValidatedRequest, Codable, Sendable {
    var name: String?
    var position: Int?
}

/// An option group as staff send it: ids are optional and assigned when absent.
struct OptionGroupInput: Codable, Sendable {
    var id: UUID?
    var name: String
    var minChoices: Int
    var maxChoices: Int
    var options: [OptionInput]

    struct OptionInput: Codable, Sendable {
        var id: UUID?
        var name: String
        var priceDelta: Int64
        var isSoldOut: Bool?
    }

    var group: OptionGroup {
        OptionGroup(
            id: id ?? UUID(), name: name, minChoices: minChoices, maxChoices: maxChoices,
            options: options.map { MenuOption(id: $0.id ?? UUID(), name: $0.name, priceDelta: $0.priceDelta, isSoldOut: $0.isSoldOut ?? false) })
    }
}

struct CreateItemRequest: ValidatedRequest, Codable, Sendable {
    let sectionID: UUID
    let name: String
    let description: String?
    let price: Int64
    let isSoldOut: Bool?
    let position: Int?
    let optionGroups: [OptionGroupInput]?

    var draft: CatalogService.ItemDraft {
        CatalogService.ItemDraft(
            sectionID: sectionID, name: name, description: description ?? "", price: price, isSoldOut: isSoldOut ?? false,
            position: position ?? 0, optionGroups: (optionGroups ?? []).map(\.group))
    }
}

struct UpdateItemRequest: ValidatedRequest, Codable, Sendable {
    var sectionID: UUID?
    var name: String?
    var description: String?
    var price: Int64?
    var isSoldOut: Bool?
    var position: Int?
    var optionGroups: [OptionGroupInput]?

    func apply(to item: inout MenuItem) {
        if let sectionID { item.sectionID = sectionID }
        if let name { item.name = name }
        if let description { item.description = description }
        if let price { item.price = Money(price, item.price.currency) }
        if let isSoldOut { item.isSoldOut = isSoldOut }
        if let position { item.position = position }
        if let optionGroups { item.optionGroups = optionGroups.map(\.group) }
    }
}

extension RestaurantProfile: ResponseEncodable {}
extension MenuSection: ResponseEncodable {}
extension MenuItem: ResponseEncodable {}
