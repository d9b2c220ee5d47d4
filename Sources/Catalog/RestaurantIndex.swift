import Core
import Foundation
import Synchronization

/// Every restaurant in memory, bucketed in a latitude/longitude grid, for nearby search.
///
/// The database stays the source of truth: this instance's writes go through to the index at
/// once, and `CatalogService.refreshIndex()` pulls rows changed by other instances (by
/// `updated_at`) every few seconds. Browsing may therefore lag another instance's edit by one
/// refresh period; pricing an order reads the database, never the index.
final class RestaurantIndex: Sendable {
    struct Entry: Sendable {
        let restaurant: Restaurant
        let schedule: WeeklySchedule
    }

    private struct Cell: Hashable {
        let lat: Int
        let lon: Int
    }

    private struct State {
        var entries: [UUID: Entry] = [:]
        var cells: [Cell: [UUID]] = [:]
        var isLoaded = false
        /// The newest `updated_at` seen, for incremental refreshes.
        var newest = Date.distantPast
    }

    /// Cell size in degrees (~11 km of latitude, ~7 km of longitude at Berlin's latitude).
    private static let cellDegrees = 0.1
    private let state = Mutex(State())

    var isLoaded: Bool { state.withLock { $0.isLoaded } }
    var newestUpdate: Date { state.withLock { $0.newest } }
    var count: Int { state.withLock { $0.entries.count } }

    /// Adds or replaces restaurants; marks the index loaded when `complete` is true.
    func upsert(_ restaurants: [Restaurant], complete: Bool = false) {
        state.withLock { state in
            for restaurant in restaurants {
                if let old = state.entries[restaurant.id] {
                    state.cells[Self.cell(old.restaurant.location)]?.removeAll { $0 == restaurant.id }
                }
                state.entries[restaurant.id] = Entry(restaurant: restaurant, schedule: WeeklySchedule(restaurant.openingHours))
                state.cells[Self.cell(restaurant.location), default: []].append(restaurant.id)
                state.newest = max(state.newest, restaurant.updatedAt)
            }
            if complete { state.isLoaded = true }
        }
    }

    /// Restaurants whose position lies within `metres` of `point` (by grid cell, then exact distance).
    func candidates(near point: GeoPoint, metres: Double) -> [(entry: Entry, distance: Double)] {
        let box = point.boundingBox(metres: metres)
        let low = Self.cell(GeoPoint(uncheckedLat: box.minLat, lon: box.minLon))
        let high = Self.cell(GeoPoint(uncheckedLat: box.maxLat, lon: box.maxLon))
        return state.withLock { state in
            var found: [(Entry, Double)] = []
            for lat in low.lat...high.lat {
                for lon in low.lon...high.lon {
                    for id in state.cells[Cell(lat: lat, lon: lon)] ?? [] {
                        guard let entry = state.entries[id] else { continue }
                        let distance = entry.restaurant.location.distance(to: point)
                        if distance <= metres { found.append((entry, distance)) }
                    }
                }
            }
            return found
        }
    }

    private static func cell(_ point: GeoPoint) -> Cell {
        Cell(lat: Int((point.lat / cellDegrees).rounded(.down)), lon: Int((point.lon / cellDegrees).rounded(.down)))
    }
}
