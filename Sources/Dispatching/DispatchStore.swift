import Core
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
        }
    ]

    struct Row: Codable {
        let courierID: UUID
        let isOnline: Bool
        let lat: Double?
        let lon: Double?
        let positionAt: Date?
        let updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case lat, lon
            case courierID = "courier_id"
            case isOnline = "is_online"
            case positionAt = "position_at"
            case updatedAt = "updated_at"
        }

        var state: CourierState {
            CourierState(
                courierID: courierID, isOnline: isOnline,
                location: lat.flatMap { lat in lon.map { GeoPoint(uncheckedLat: lat, lon: $0) } }, positionAt: positionAt, updatedAt: updatedAt)
        }
    }

    func all() async throws -> [CourierState] {
        try await database.read { db in
            try await db.raw("SELECT courier_id, is_online, lat, lon, position_at, updated_at FROM courier_states").all(decoding: Row.self).map(
                \.state)
        }
    }

    /// Upserts a batch in one transaction.
    func save(_ states: [CourierState]) async throws {
        guard !states.isEmpty else { return }
        try await database.transaction { db in
            for s in states {
                try await db.raw(
                    """
                    INSERT INTO courier_states (courier_id, is_online, lat, lon, position_at, updated_at)
                    VALUES (\(bind: s.courierID), \(bind: s.isOnline), \(bind: s.location?.lat), \(bind: s.location?.lon), \(bind: s.positionAt), \(bind: s.updatedAt))
                    ON CONFLICT (courier_id) DO UPDATE SET is_online = excluded.is_online, lat = excluded.lat, lon = excluded.lon,
                        position_at = excluded.position_at, updated_at = excluded.updated_at
                    """
                ).run()
            }
        }
    }
}
