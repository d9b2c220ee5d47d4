public import Core
public import Foundation
public import Logging
public import Storage
import Synchronization

/// Restaurants, menus and nearby search.
///
/// Staff may change only the restaurant they own (checked here, per object). Search returns
/// only restaurants that are open now and deliver to the point. Prices here are list prices;
/// pricing an order is Ordering's job, from the `priceList(restaurantID:)` this service offers.
public struct CatalogService: Sendable {
    let store: CatalogStore
    let index: RestaurantSearchIndex
    /// What browse serves while the database is unavailable: restaurants and menus as last read.
    let lastRestaurants = LastGoodReads<UUID, Restaurant?>()
    let lastMenus = LastGoodReads<UUID, [MenuSection]>()
    let priceLists: PriceListCache
    let owners: OwnerDirectory
    let clock: any WallClock
    let pricing: DeliveryPricing
    /// The largest delivery radius staff may set.
    public static let maximumDeliveryRadiusMetres = 20_000

    /// The search index and the price-list cache are built once per process (`makeIndex`) and
    /// passed to every instance of the service.
    public init(
        database: any Database, index: RestaurantSearchIndex, priceLists: PriceListCache, clock: any WallClock, pricing: DeliveryPricing = .init()
    ) {
        self.store = CatalogStore(database: database)
        self.index = index
        self.priceLists = priceLists
        self.owners = OwnerDirectory()
        self.clock = clock
        self.pricing = pricing
    }

    /// The search index over `database`, to be run as a service (it loads and refreshes itself).
    public static func makeIndex(database: any Database, refreshInterval: Duration = .seconds(5), logger: Logger) -> RestaurantSearchIndex {
        RestaurantSearchIndex(store: CatalogStore(database: database), refreshInterval: refreshInterval, logger: logger)
    }

    /// The schema of the tables this service owns.
    public static var migrations: [Migration] { CatalogStore.migrations }

    // MARK: Restaurants

    public struct RestaurantDraft: Sendable {
        public var name: String
        public var cuisine: String
        public var description: String
        public var address: String
        public var location: GeoPoint
        public var timeZone: String
        public var openingHours: [OpeningHoursRule]
        public var deliveryRadiusMetres: Int
        public var minimumOrder: Money
        public var prepMinutes: Int

        public init(
            name: String, cuisine: String, description: String, address: String, location: GeoPoint, timeZone: String,
            openingHours: [OpeningHoursRule], deliveryRadiusMetres: Int, minimumOrder: Money, prepMinutes: Int
        ) {
            self.name = name
            self.cuisine = cuisine
            self.description = description
            self.address = address
            self.location = location
            self.timeZone = timeZone
            self.openingHours = openingHours
            self.deliveryRadiusMetres = deliveryRadiusMetres
            self.minimumOrder = minimumOrder
            self.prepMinutes = prepMinutes
        }
    }

    public func createRestaurant(ownerID: UUID, draft: RestaurantDraft, id: UUID = UUID()) async throws -> Restaurant {
        let now = clock.now()
        let restaurant = Restaurant(
            id: id, ownerID: ownerID, name: draft.name, cuisine: draft.cuisine, description: draft.description, address: draft.address,
            location: draft.location, timeZone: draft.timeZone, openingHours: draft.openingHours,
            deliveryRadiusMetres: draft.deliveryRadiusMetres, minimumOrder: draft.minimumOrder, prepMinutes: draft.prepMinutes,
            isPaused: false, createdAt: now, updatedAt: now)
        try Self.validate(restaurant)
        try await store.insert(restaurant)
        index.upsert([restaurant])
        return restaurant
    }

    public func restaurant(id: UUID) async throws -> Restaurant {
        guard let restaurant = try await lastRestaurants.read(id, { try await self.store.restaurant(id: id) }) else {
            throw NotFoundError(entity: "restaurant", id: id.uuidString)
        }
        return restaurant
    }

    public func restaurant(ownedBy ownerID: UUID) async throws -> Restaurant {
        guard let restaurant = try await store.restaurant(ownedBy: ownerID) else {
            throw NotFoundError(entity: "restaurant of account", id: ownerID.uuidString)
        }
        return restaurant
    }

    /// The restaurant a staff account runs, if any. An account runs at most one restaurant and
    /// never changes it, so a found answer is remembered.
    public func restaurantID(ownedBy ownerID: UUID) async throws -> UUID? {
        if let known = owners.restaurant(of: ownerID) { return known }
        guard let id = try await store.restaurantID(ownedBy: ownerID) else { return nil }
        owners.remember(owner: ownerID, restaurant: id)
        return id
    }

    /// How many restaurants there are.
    public func restaurantCount() async throws -> Int {
        try await store.restaurantCount()
    }

    /// Whether a restaurant with this id exists.
    public func exists(restaurantID: UUID) async throws -> Bool {
        try await store.revision(restaurantID: restaurantID) != nil
    }

    /// The restaurant and its whole menu, as of now, for pricing: one revision read, and the
    /// menu itself only when it changed since the last call.
    public func priceList(restaurantID: UUID) async throws -> PriceList? {
        guard let revision = try await store.revision(restaurantID: restaurantID) else { return nil }
        if let cached = priceLists.get(restaurantID, revision: revision) { return cached }
        guard let list = try await store.priceList(restaurantID: restaurantID) else { return nil }
        priceLists.put(list)
        return list
    }

    /// Inserts restaurants without menus or checks of ownership, in batches: for generated
    /// cities (benchmarks). Each must be valid.
    public func importRestaurants(_ restaurants: [Restaurant]) async throws {
        for restaurant in restaurants { try Self.validate(restaurant) }
        try await store.insert(restaurants)
        index.upsert(restaurants)
    }

    /// Loads the restaurant and proves `ownerID` runs it.
    public func ownedRestaurant(id: UUID, ownerID: UUID) async throws -> Restaurant {
        let restaurant = try await restaurant(id: id)
        guard restaurant.ownerID == ownerID else { throw CatalogError.notYourRestaurant }
        return restaurant
    }

    /// Applies `change` to the owner's restaurant, validates, saves.
    public func updateRestaurant(id: UUID, ownerID: UUID, _ change: (inout Restaurant) throws -> Void) async throws -> Restaurant {
        var restaurant = try await ownedRestaurant(id: id, ownerID: ownerID)
        try change(&restaurant)
        restaurant.updatedAt = clock.now()
        try Self.validate(restaurant)
        try await store.update(restaurant)
        index.upsert([restaurant])
        return restaurant
    }

    static func validate(_ r: Restaurant) throws {
        typealias Rules = CatalogRules
        try Rules.text(r.name, "name", Rules.name)
        try Rules.text(r.cuisine, "cuisine", Rules.cuisine)
        try Rules.text(r.description, "description", Rules.description)
        try Rules.text(r.address, "address", Rules.address)
        guard TimeZone(identifier: r.timeZone) != nil else {
            throw ValidationError(field: "timeZone", reason: "must be an IANA time zone such as Europe/Berlin")
        }
        guard r.openingHours.count <= Rules.openingHours.upperBound else {
            throw ValidationError(field: "openingHours", reason: "at most \(Rules.openingHours.upperBound) rules")
        }
        for (index, rule) in r.openingHours.enumerated() { try rule.validate(field: "openingHours.\(index)") }
        try Rules.number(r.deliveryRadiusMetres, "deliveryRadiusMetres", Rules.deliveryRadius)
        try Rules.number(r.minimumOrder.amount, "minimumOrder.amount", Rules.price, unit: " minor units")
        guard r.currency.count == 3, r.currency.allSatisfy({ $0.isASCII && $0.isUppercase && $0.isLetter }) else {
            throw ValidationError(field: "minimumOrder.currency", reason: "must be an ISO 4217 code such as EUR")
        }
        try Rules.number(r.prepMinutes, "prepMinutes", Rules.prepMinutes)
    }

    // MARK: Search

    /// What a customer needs to choose a restaurant in a list; details are one request away.
    public struct RestaurantSummary: Codable, Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let cuisine: String
        public let description: String
        public let address: String
        public let location: GeoPoint
        public let minimumOrder: Money
        public let prepMinutes: Int
        public let deliveryRadiusMetres: Int
    }

    public struct NearbyRestaurant: Codable, Sendable, Equatable {
        public let restaurant: RestaurantSummary
        public let distanceMetres: Int
        public let deliveryFee: Money
        public let etaMinutes: Int
        public let isOpen: Bool
    }

    /// Open restaurants that deliver to `point`, nearest first (ties by name), at most `limit`.
    /// Served from memory: one grid cell's restaurants are checked, whatever the city's size.
    public func nearby(_ point: GeoPoint, limit: Int) async throws -> NearbyResults {
        if !index.isLoaded { try await index.refresh() }
        let snapshot = index.snapshot
        guard let candidates = snapshot.cells[RestaurantSearchIndex.cell(containing: point)], limit > 0 else { return NearbyResults(results: []) }
        let now = clock.now()
        var zone = ""
        var local = (weekday: 1, minute: 0)
        var best = TopK<Int32>(capacity: limit)
        let pointCos = cos(point.lat * .pi / 180)
        snapshot.probes.withUnsafeBufferPointer { probes in
            for position in candidates {
                let probe = probes[Int(position)]
                guard !probe.isPaused else { continue }
                // A cheap planar distance rejects most candidates outside the disk; the exact one decides.
                let dy = (probe.lat - point.lat) * 111_195
                let dx = (probe.lon - point.lon) * 111_195 * (probe.cosLat + pointCos) / 2
                let planar = dx * dx + dy * dy
                // Within 20 km the planar estimate is within 0.1 % of the true distance: a 1 % margin
                // never rejects what the exact distance would keep.
                guard planar <= probe.radius * probe.radius * 1.02, best.wouldAccept(planar.squareRoot() * 0.99) else { continue }
                let distance = GeoPoint.haversine(
                    lat1: probe.lat, cosLat1: probe.cosLat, lon1: probe.lon, lat2: point.lat, cosLat2: pointCos, lon2: point.lon)
                guard distance <= probe.radius, best.wouldAccept(distance) else { continue }
                let timeZone = snapshot.entries[Int(position)].restaurant.timeZone
                if timeZone != zone {
                    zone = timeZone
                    local = LocalTimes.shared.weekdayAndMinute(of: now, in: zone)
                }
                guard snapshot.entries[Int(position)].schedule.isOpen(weekday: local.weekday, minute: local.minute) else { continue }
                best.insert(position, key: distance) { snapshot.entries[Int($0)].restaurant.name < snapshot.entries[Int($1)].restaurant.name }
            }
        }
        return NearbyResults(
            results: best.elements.map { position, distance in
                let entry = snapshot.entries[Int(position)]
                return NearbyResults.Result(
                    summary: entry.summary, summaryJSON: entry.summaryJSON, distanceMetres: Int(distance.rounded()),
                    deliveryFee: pricing.deliveryFee(distanceMetres: distance, currency: entry.restaurant.currency),
                    etaMinutes: pricing.estimatedMinutes(prepMinutes: entry.restaurant.prepMinutes, distanceMetres: distance))
            })
    }

    /// Loads every restaurant into the search index now (it also loads itself when run).
    public func loadIndex() async throws {
        try await index.refresh()
    }

    // MARK: Menus

    /// With the database unavailable, the menu as last read (`lastMenus`).
    public func menu(restaurantID: UUID) async throws -> [MenuSection] {
        _ = try await restaurant(id: restaurantID)
        return try await lastMenus.read(restaurantID) {
            var sections = try await self.store.sections(restaurantID: restaurantID)
            let items = try await self.store.items(restaurantID: restaurantID)
            let bySection = Dictionary(grouping: items, by: \.sectionID)
            for index in sections.indices {
                sections[index].items = bySection[sections[index].id] ?? []
            }
            return sections
        }
    }

    public func addSection(restaurantID: UUID, ownerID: UUID, name: String, position: Int, id: UUID = UUID()) async throws -> MenuSection {
        _ = try await ownedRestaurant(id: restaurantID, ownerID: ownerID)
        try Self.validateSection(name: name, position: position)
        let section = MenuSection(id: id, restaurantID: restaurantID, name: name, position: position)
        try await store.insert(section)
        return section
    }

    public func updateSection(restaurantID: UUID, ownerID: UUID, sectionID: UUID, name: String?, position: Int?) async throws -> MenuSection {
        _ = try await ownedRestaurant(id: restaurantID, ownerID: ownerID)
        guard var section = try await store.sections(restaurantID: restaurantID).first(where: { $0.id == sectionID }) else {
            throw NotFoundError(entity: "menu section", id: sectionID.uuidString)
        }
        if let name { section.name = name }
        if let position { section.position = position }
        try Self.validateSection(name: section.name, position: section.position)
        try await store.update(sectionID: sectionID, of: restaurantID, name: section.name, position: section.position)
        return section
    }

    public func deleteSection(restaurantID: UUID, ownerID: UUID, sectionID: UUID) async throws {
        _ = try await ownedRestaurant(id: restaurantID, ownerID: ownerID)
        guard try await store.sections(restaurantID: restaurantID).contains(where: { $0.id == sectionID }) else {
            throw NotFoundError(entity: "menu section", id: sectionID.uuidString)
        }
        try await store.deleteSection(id: sectionID, of: restaurantID)
    }

    static func validateSection(name: String, position: Int) throws {
        try CatalogRules.text(name, "name", CatalogRules.sectionName)
        try CatalogRules.number(position, "position", CatalogRules.position)
    }

    public struct ItemDraft: Sendable {
        public var sectionID: UUID
        public var name: String
        public var description: String
        public var price: Int64
        public var isSoldOut: Bool
        public var position: Int
        public var optionGroups: [OptionGroup]
        /// A caller-chosen item ID (deterministic seed data); nil lets `addItems` make a random one.
        public var id: UUID?

        public init(
            sectionID: UUID, name: String, description: String, price: Int64, isSoldOut: Bool = false, position: Int,
            optionGroups: [OptionGroup] = [], id: UUID? = nil
        ) {
            self.id = id
            self.sectionID = sectionID
            self.name = name
            self.description = description
            self.price = price
            self.isSoldOut = isSoldOut
            self.position = position
            self.optionGroups = optionGroups
        }
    }

    public func addItem(restaurantID: UUID, ownerID: UUID, draft: ItemDraft) async throws -> MenuItem {
        try await addItems(restaurantID: restaurantID, ownerID: ownerID, drafts: [draft])[0]
    }

    public func addItems(restaurantID: UUID, ownerID: UUID, drafts: [ItemDraft]) async throws -> [MenuItem] {
        let restaurant = try await ownedRestaurant(id: restaurantID, ownerID: ownerID)
        let sectionIDs = Set(try await store.sections(restaurantID: restaurantID).map(\.id))
        let items = drafts.map { draft in
            MenuItem(
                id: draft.id ?? UUID(), restaurantID: restaurantID, sectionID: draft.sectionID, name: draft.name, description: draft.description,
                price: Money(draft.price, restaurant.currency), isSoldOut: draft.isSoldOut, position: draft.position,
                optionGroups: draft.optionGroups)
        }
        for item in items {
            guard sectionIDs.contains(item.sectionID) else { throw CatalogError.unknownSection(item.sectionID) }
            try Self.validate(item)
        }
        try await store.insert(items)
        return items
    }

    public func updateItem(restaurantID: UUID, ownerID: UUID, itemID: UUID, _ change: (inout MenuItem) throws -> Void) async throws -> MenuItem {
        _ = try await ownedRestaurant(id: restaurantID, ownerID: ownerID)
        guard var item = try await store.item(id: itemID), item.restaurantID == restaurantID else {
            throw NotFoundError(entity: "menu item", id: itemID.uuidString)
        }
        try change(&item)
        let sectionIDs = Set(try await store.sections(restaurantID: restaurantID).map(\.id))
        guard sectionIDs.contains(item.sectionID) else { throw CatalogError.unknownSection(item.sectionID) }
        try Self.validate(item)
        try await store.update(item)
        return item
    }

    public func deleteItem(restaurantID: UUID, ownerID: UUID, itemID: UUID) async throws {
        _ = try await ownedRestaurant(id: restaurantID, ownerID: ownerID)
        guard let item = try await store.item(id: itemID), item.restaurantID == restaurantID else {
            throw NotFoundError(entity: "menu item", id: itemID.uuidString)
        }
        try await store.deleteItem(id: itemID, of: restaurantID)
    }

    static func validate(_ item: MenuItem) throws {
        try CatalogRules.text(item.name, "name", CatalogRules.itemName)
        try CatalogRules.text(item.description, "description", CatalogRules.description)
        try CatalogRules.number(item.price.amount, "price", CatalogRules.price, unit: " minor units")
        try CatalogRules.number(item.position, "position", CatalogRules.position)
        guard item.optionGroups.count <= CatalogRules.optionGroups.upperBound else {
            throw ValidationError(field: "optionGroups", reason: "at most \(CatalogRules.optionGroups.upperBound) groups")
        }
        for (index, group) in item.optionGroups.enumerated() { try group.validate(field: "optionGroups.\(index)") }
        guard Set(item.optionGroups.map(\.id)).count == item.optionGroups.count else {
            throw ValidationError(field: "optionGroups", reason: "group ids must be unique")
        }
    }
}

extension CatalogService.RestaurantSummary {
    init(_ r: Restaurant) {
        self.init(
            id: r.id, name: r.name, cuisine: r.cuisine, description: r.description, address: r.address, location: r.location,
            minimumOrder: r.minimumOrder, prepMinutes: r.prepMinutes, deliveryRadiusMetres: r.deliveryRadiusMetres)
    }
}
