import Core
import Foundation
import SQLKit
import Storage

/// Restaurants and menus. Owns `restaurants`, `menu_sections`, `menu_items`. Opening hours and an
/// item's option groups are stored as JSON inside their row: they are always read and written
/// with it, and nothing queries into them. Every write to a restaurant or its menu increments the
/// restaurant's `revision` in the same transaction, so a cached price list can be checked with
/// one read.
struct CatalogStore: Sendable {
    let database: any Database

    init(database: any Database) {
        self.database = database
    }

    static let migrations: [Migration] = [
        Migration(id: "catalog-001-restaurants-menus") { t in
            [
                """
                CREATE TABLE restaurants (
                    id \(t.uuid) PRIMARY KEY,
                    owner_id \(t.uuid) NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    cuisine TEXT NOT NULL,
                    description TEXT NOT NULL,
                    address TEXT NOT NULL,
                    lat \(t.double) NOT NULL,
                    lon \(t.double) NOT NULL,
                    time_zone TEXT NOT NULL,
                    opening_hours TEXT NOT NULL,
                    delivery_radius_m BIGINT NOT NULL,
                    minimum_order_minor BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    prep_minutes BIGINT NOT NULL,
                    is_paused \(t.bool) NOT NULL,
                    created_at \(t.timestamp) NOT NULL,
                    updated_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX restaurants_lat_lon ON restaurants (lat, lon)",
                """
                CREATE TABLE menu_sections (
                    id \(t.uuid) PRIMARY KEY,
                    restaurant_id \(t.uuid) NOT NULL REFERENCES restaurants(id),
                    name TEXT NOT NULL,
                    position BIGINT NOT NULL
                )
                """,
                "CREATE INDEX menu_sections_restaurant ON menu_sections (restaurant_id, position)",
                """
                CREATE TABLE menu_items (
                    id \(t.uuid) PRIMARY KEY,
                    restaurant_id \(t.uuid) NOT NULL REFERENCES restaurants(id),
                    section_id \(t.uuid) NOT NULL REFERENCES menu_sections(id),
                    name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    price_minor BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    is_sold_out \(t.bool) NOT NULL,
                    position BIGINT NOT NULL,
                    option_groups TEXT NOT NULL
                )
                """,
                "CREATE INDEX menu_items_restaurant ON menu_items (restaurant_id, position)",
            ]
        },
        Migration(id: "catalog-002-revision") { _ in
            ["ALTER TABLE restaurants ADD COLUMN revision BIGINT NOT NULL DEFAULT 0"]
        },
    ]

    // MARK: Restaurants

    struct RestaurantRow: Codable {
        let id: UUID
        let ownerID: UUID
        let name: String
        let cuisine: String
        let description: String
        let address: String
        let lat: Double
        let lon: Double
        let timeZone: String
        let openingHours: String
        let deliveryRadiusM: Int64
        let minimumOrderMinor: Int64
        let currency: String
        let prepMinutes: Int64
        let isPaused: Bool
        let createdAt: Date
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case id, name, cuisine, description, address, lat, lon, currency
            case ownerID = "owner_id"
            case timeZone = "time_zone"
            case openingHours = "opening_hours"
            case deliveryRadiusM = "delivery_radius_m"
            case minimumOrderMinor = "minimum_order_minor"
            case prepMinutes = "prep_minutes"
            case isPaused = "is_paused"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        init(_ r: Restaurant) throws {
            id = r.id
            ownerID = r.ownerID
            name = r.name
            cuisine = r.cuisine
            description = r.description
            address = r.address
            lat = r.location.lat
            lon = r.location.lon
            timeZone = r.timeZone
            openingHours = String(decoding: try JSONEncoder().encode(r.openingHours), as: UTF8.self)
            deliveryRadiusM = Int64(r.deliveryRadiusMetres)
            minimumOrderMinor = r.minimumOrder.amount
            currency = r.currency
            prepMinutes = Int64(r.prepMinutes)
            isPaused = r.isPaused
            createdAt = r.createdAt
            updatedAt = r.updatedAt
        }

        func restaurant() throws -> Restaurant {
            Restaurant(
                id: id, ownerID: ownerID, name: name, cuisine: cuisine, description: description, address: address,
                location: GeoPoint(uncheckedLat: lat, lon: lon), timeZone: timeZone,
                openingHours: try JSONDecoder().decode([OpeningHoursRule].self, from: Data(openingHours.utf8)),
                deliveryRadiusMetres: Int(deliveryRadiusM), minimumOrder: Money(minimumOrderMinor, currency),
                prepMinutes: Int(prepMinutes), isPaused: isPaused, createdAt: createdAt, updatedAt: updatedAt)
        }
    }

    static let restaurantColumns = """
        id, owner_id, name, cuisine, description, address, lat, lon, time_zone, opening_hours, delivery_radius_m,
        minimum_order_minor, currency, prep_minutes, is_paused, created_at, updated_at
        """

    /// Fails with `CatalogError.alreadyOwnsRestaurant` when the owner already has one.
    func insert(_ restaurant: Restaurant) async throws {
        let row = try RestaurantRow(restaurant)
        do {
            try await database.transaction { db in
                try await db.insert(into: "restaurants").model(row, keyEncodingStrategy: .useDefaultKeys).run()
            }
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            throw CatalogError.alreadyOwnsRestaurant
        }
    }

    /// Inserts many restaurants, a few hundred rows per statement.
    func insert(_ restaurants: [Restaurant]) async throws {
        let rows = try restaurants.map(RestaurantRow.init)
        for chunk in stride(from: 0, to: rows.count, by: 500).map({ Array(rows[$0..<min($0 + 500, rows.count)]) }) {
            try await database.transaction { db in
                try await db.insert(into: "restaurants").models(chunk, keyEncodingStrategy: .useDefaultKeys).run()
            }
        }
    }

    func update(_ restaurant: Restaurant) async throws {
        let row = try RestaurantRow(restaurant)
        try await database.transaction { db in
            try await db.update("restaurants").set(model: row, keyEncodingStrategy: .useDefaultKeys)
                .where("id", .equal, restaurant.id).run()
            try await Self.bumpRevision(restaurant.id, on: db)
        }
    }

    static func bumpRevision(_ restaurantID: UUID, on db: any SQLDatabase) async throws {
        try await db.raw("UPDATE restaurants SET revision = revision + 1 WHERE id = \(bind: restaurantID)").run()
    }

    /// The restaurant's current revision; nil when it does not exist.
    func revision(restaurantID: UUID) async throws -> Int64? {
        struct Row: Decodable { let revision: Int64 }
        return try await database.read { db in
            try await db.raw("SELECT revision FROM restaurants WHERE id = \(bind: restaurantID)").first(decoding: Row.self)?.revision
        }
    }

    /// The restaurant and its menu, read together.
    func priceList(restaurantID: UUID) async throws -> PriceList? {
        struct Revision: Decodable { let revision: Int64 }
        return try await database.read { db in
            guard
                let row = try await db.raw(
                    "SELECT \(unsafeRaw: Self.restaurantColumns), revision FROM restaurants WHERE id = \(bind: restaurantID)"
                ).first(),
                let revision = try? row.decode(column: "revision", as: Int64.self)
            else { return nil }
            let restaurant = try row.decode(model: RestaurantRow.self, keyDecodingStrategy: .useDefaultKeys).restaurant()
            let items = try await db.raw(
                "SELECT \(unsafeRaw: Self.itemColumns) FROM menu_items WHERE restaurant_id = \(bind: restaurantID) ORDER BY position, name"
            ).all(decoding: ItemRow.self).map { try $0.item() }
            return PriceList(restaurant: restaurant, items: items, revision: revision)
        }
    }

    func restaurantID(ownedBy ownerID: UUID) async throws -> UUID? {
        struct Row: Decodable { let id: UUID }
        return try await database.read { db in
            try await db.raw("SELECT id FROM restaurants WHERE owner_id = \(bind: ownerID)").first(decoding: Row.self)?.id
        }
    }

    func restaurant(id: UUID) async throws -> Restaurant? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.restaurantColumns) FROM restaurants WHERE id = \(bind: id)")
                .first(decoding: RestaurantRow.self)?.restaurant()
        }
    }

    func restaurant(ownedBy ownerID: UUID) async throws -> Restaurant? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.restaurantColumns) FROM restaurants WHERE owner_id = \(bind: ownerID)")
                .first(decoding: RestaurantRow.self)?.restaurant()
        }
    }

    func allRestaurants() async throws -> [Restaurant] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.restaurantColumns) FROM restaurants").all(decoding: RestaurantRow.self).map {
                try $0.restaurant()
            }
        }
    }

    func restaurants(updatedSince cutoff: Date) async throws -> [Restaurant] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.restaurantColumns) FROM restaurants WHERE updated_at >= \(bind: cutoff)")
                .all(decoding: RestaurantRow.self).map { try $0.restaurant() }
        }
    }

    func restaurantCount() async throws -> Int {
        struct Row: Decodable { let n: Int64 }
        return try await database.read { db in
            Int(try await db.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM restaurants").first(decoding: Row.self)?.n ?? 0)
        }
    }

    // MARK: Menus

    struct SectionRow: Codable {
        let id: UUID
        let restaurantID: UUID
        let name: String
        let position: Int64

        enum CodingKeys: String, CodingKey {
            case id, name, position
            case restaurantID = "restaurant_id"
        }
    }

    struct ItemRow: Codable {
        let id: UUID
        let restaurantID: UUID
        let sectionID: UUID
        let name: String
        let description: String
        let priceMinor: Int64
        let currency: String
        let isSoldOut: Bool
        let position: Int64
        let optionGroups: String

        enum CodingKeys: String, CodingKey {
            case id, name, description, currency, position
            case restaurantID = "restaurant_id"
            case sectionID = "section_id"
            case priceMinor = "price_minor"
            case isSoldOut = "is_sold_out"
            case optionGroups = "option_groups"
        }

        init(_ item: MenuItem) throws {
            id = item.id
            restaurantID = item.restaurantID
            sectionID = item.sectionID
            name = item.name
            description = item.description
            priceMinor = item.price.amount
            currency = item.price.currency
            isSoldOut = item.isSoldOut
            position = Int64(item.position)
            optionGroups = String(decoding: try JSONEncoder().encode(item.optionGroups), as: UTF8.self)
        }

        func item() throws -> MenuItem {
            MenuItem(
                id: id, restaurantID: restaurantID, sectionID: sectionID, name: name, description: description,
                price: Money(priceMinor, currency), isSoldOut: isSoldOut, position: Int(position),
                optionGroups: try JSONDecoder().decode([OptionGroup].self, from: Data(optionGroups.utf8)))
        }
    }

    static let itemColumns = "id, restaurant_id, section_id, name, description, price_minor, currency, is_sold_out, position, option_groups"

    func insert(_ section: MenuSection) async throws {
        let row = SectionRow(id: section.id, restaurantID: section.restaurantID, name: section.name, position: Int64(section.position))
        try await database.transaction { db in
            try await db.insert(into: "menu_sections").model(row, keyEncodingStrategy: .useDefaultKeys).run()
            try await Self.bumpRevision(section.restaurantID, on: db)
        }
    }

    func update(sectionID: UUID, of restaurantID: UUID, name: String, position: Int) async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE menu_sections SET name = \(bind: name), position = \(bind: Int64(position)) WHERE id = \(bind: sectionID)").run()
            try await Self.bumpRevision(restaurantID, on: db)
        }
    }

    /// Deletes the section and its items together.
    func deleteSection(id: UUID, of restaurantID: UUID) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM menu_items WHERE section_id = \(bind: id)").run()
            try await db.raw("DELETE FROM menu_sections WHERE id = \(bind: id)").run()
            try await Self.bumpRevision(restaurantID, on: db)
        }
    }

    func sections(restaurantID: UUID) async throws -> [MenuSection] {
        try await database.read { db in
            try await db.raw(
                "SELECT id, restaurant_id, name, position FROM menu_sections WHERE restaurant_id = \(bind: restaurantID) ORDER BY position, name"
            )
            .all(decoding: SectionRow.self)
            .map { MenuSection(id: $0.id, restaurantID: $0.restaurantID, name: $0.name, position: Int($0.position)) }
        }
    }

    func insert(_ items: [MenuItem]) async throws {
        let rows = try items.map(ItemRow.init)
        guard !rows.isEmpty else { return }
        try await database.transaction { db in
            try await db.insert(into: "menu_items").models(rows, keyEncodingStrategy: .useDefaultKeys).run()
            for restaurantID in Set(items.map(\.restaurantID)) { try await Self.bumpRevision(restaurantID, on: db) }
        }
    }

    func update(_ item: MenuItem) async throws {
        let row = try ItemRow(item)
        try await database.transaction { db in
            try await db.update("menu_items").set(model: row, keyEncodingStrategy: .useDefaultKeys).where("id", .equal, item.id).run()
            try await Self.bumpRevision(item.restaurantID, on: db)
        }
    }

    func deleteItem(id: UUID, of restaurantID: UUID) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM menu_items WHERE id = \(bind: id)").run()
            try await Self.bumpRevision(restaurantID, on: db)
        }
    }

    func item(id: UUID) async throws -> MenuItem? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.itemColumns) FROM menu_items WHERE id = \(bind: id)").first(decoding: ItemRow.self)?.item()
        }
    }

    func items(restaurantID: UUID) async throws -> [MenuItem] {
        try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.itemColumns) FROM menu_items WHERE restaurant_id = \(bind: restaurantID) ORDER BY position, name"
            )
            .all(decoding: ItemRow.self).map { try $0.item() }
        }
    }
}
