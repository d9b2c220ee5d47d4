import Core
import Events
import Foundation
import SQLKit
import Storage

/// Courier states. Owns table `courier_states`: the last persisted snapshot of the in-memory registry.
struct DispatchStore: Sendable {
    let database: any Database

    init(database: any Database) {
        self.database = database
    }

    static let migrations: [Migration] = [
        Migration(id: "dispatch-001-courier-states") { t in
            [
                """
                CREATE TABLE courier_states (
                    courier_id \(t.uuid) PRIMARY KEY,
                    is_online \(t.bool) NOT NULL,
                    lat \(t.double),
                    lon \(t.double),
                    position_at \(t.timestamp),
                    updated_at \(t.timestamp) NOT NULL
                )
                """
            ]
        },
        Migration(id: "dispatch-002-engine") { t in
            [
                "ALTER TABLE courier_states ADD COLUMN vehicle TEXT NOT NULL DEFAULT 'bicycle'",
                // An offer of one job (an order, or a bundle of up to three) to one courier.
                """
                CREATE TABLE dispatch_offers (
                    id \(t.uuid) PRIMARY KEY,
                    courier_id \(t.uuid) NOT NULL,
                    status TEXT NOT NULL,
                    cost_seconds BIGINT NOT NULL,
                    reason TEXT NOT NULL,
                    candidates TEXT NOT NULL,
                    created_at \(t.timestamp) NOT NULL,
                    expires_at \(t.timestamp) NOT NULL,
                    answered_at \(t.timestamp)
                )
                """,
                "CREATE INDEX dispatch_offers_pending ON dispatch_offers (status, expires_at)",
                "CREATE INDEX dispatch_offers_courier ON dispatch_offers (courier_id, created_at)",
                """
                CREATE TABLE dispatch_offer_orders (
                    offer_id \(t.uuid) NOT NULL REFERENCES dispatch_offers(id),
                    order_id \(t.uuid) NOT NULL,
                    pickup_position BIGINT NOT NULL,
                    dropoff_position BIGINT NOT NULL,
                    delivery_seconds BIGINT NOT NULL,
                    ready_at \(t.timestamp) NOT NULL,
                    PRIMARY KEY (offer_id, order_id)
                )
                """,
                "CREATE INDEX dispatch_offer_orders_order ON dispatch_offer_orders (order_id)",
                // Couriers who declined an order or let its offer expire: not offered it again.
                """
                CREATE TABLE dispatch_exclusions (
                    order_id \(t.uuid) NOT NULL,
                    courier_id \(t.uuid) NOT NULL,
                    reason TEXT NOT NULL,
                    created_at \(t.timestamp) NOT NULL,
                    PRIMARY KEY (order_id, courier_id)
                )
                """,
                """
                CREATE TABLE courier_earnings (
                    order_id \(t.uuid) PRIMARY KEY,
                    courier_id \(t.uuid) NOT NULL,
                    amount_minor BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    distance_metres BIGINT NOT NULL,
                    bundled \(t.bool) NOT NULL,
                    earned_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX courier_earnings_courier ON courier_earnings (courier_id, earned_at)",
                // Who decides for a city: one holder at a time, taken over when its lease runs out.
                """
                CREATE TABLE dispatch_leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_at \(t.timestamp) NOT NULL
                )
                """,
            ]
        },
        // Where each stop of an offer is, so a courier can judge it before accepting.
        Migration(id: "dispatch-003-offer-places") { t in
            [
                "ALTER TABLE dispatch_offer_orders ADD COLUMN restaurant_id \(t.uuid)",
                "ALTER TABLE dispatch_offer_orders ADD COLUMN pickup_lat DOUBLE PRECISION",
                "ALTER TABLE dispatch_offer_orders ADD COLUMN pickup_lon DOUBLE PRECISION",
                "ALTER TABLE dispatch_offer_orders ADD COLUMN dropoff_lat DOUBLE PRECISION",
                "ALTER TABLE dispatch_offer_orders ADD COLUMN dropoff_lon DOUBLE PRECISION",
            ]
        },
    ]

    struct Row: Codable {
        let courierID: UUID
        let isOnline: Bool
        let lat: Double?
        let lon: Double?
        let positionAt: Date?
        let updatedAt: Date
        let vehicle: String

        enum CodingKeys: String, CodingKey {
            case lat, lon, vehicle
            case courierID = "courier_id"
            case isOnline = "is_online"
            case positionAt = "position_at"
            case updatedAt = "updated_at"
        }

        var state: CourierState {
            CourierState(
                courierID: courierID, isOnline: isOnline,
                location: lat.flatMap { lat in lon.map { GeoPoint(uncheckedLat: lat, lon: $0) } }, positionAt: positionAt, updatedAt: updatedAt,
                vehicle: VehicleType(rawValue: vehicle) ?? .bicycle)
        }
    }

    func all() async throws -> [CourierState] {
        try await database.read { db in
            try await db.raw("SELECT courier_id, is_online, lat, lon, position_at, updated_at, vehicle FROM courier_states").all(decoding: Row.self)
                .map(
                    \.state)
        }
    }

    /// Rows per statement: a batch of fixes is written as a few multi-row upserts, so the writer
    /// is held for milliseconds, not for one statement per courier.
    static let rowsPerStatement = 250

    /// Upserts a batch in one transaction (each courier at most once in `states`).
    func save(_ states: [CourierState]) async throws {
        guard !states.isEmpty else { return }
        try await database.transaction { db in
            for start in stride(from: 0, to: states.count, by: Self.rowsPerStatement) {
                let rows = states[start..<min(start + Self.rowsPerStatement, states.count)].map { s -> SQLQueryString in
                    """
                    (\(bind: s.courierID), \(bind: s.isOnline), \(bind: s.location?.lat), \(bind: s.location?.lon), \(bind: s.positionAt), \
                    \(bind: s.updatedAt), \(bind: s.vehicle.rawValue))
                    """
                }
                try await db.raw(
                    """
                    INSERT INTO courier_states (courier_id, is_online, lat, lon, position_at, updated_at, vehicle)
                    VALUES \(rows.joined(separator: ", "))
                    ON CONFLICT (courier_id) DO UPDATE SET is_online = excluded.is_online, lat = excluded.lat, lon = excluded.lon,
                        position_at = excluded.position_at, updated_at = excluded.updated_at, vehicle = excluded.vehicle
                    WHERE courier_states.updated_at <= excluded.updated_at
                    """
                ).run()
            }
        }
    }
}
