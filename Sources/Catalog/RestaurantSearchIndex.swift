import Core
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Every restaurant in memory, for nearby search: a `Service` built once per process and
/// injected into `CatalogService`.
///
/// Each restaurant is filed under every grid cell its own delivery disk touches, so a search
/// reads one cell and checks only restaurants that might deliver to the point, however many
/// restaurants the city has. Each restaurant's summary is encoded to JSON once, when it enters the
/// index, so a search response is assembled from ready bytes.
///
/// The database stays the source of truth: this instance's writes go through to the index at
/// once, and `run()` pulls rows changed by other instances (by `updated_at`) every
/// `refreshInterval`. Browsing may lag another instance's edit by one period; pricing an order
/// never reads the index.
public final class RestaurantSearchIndex: Service, Sendable {
    /// Cell size in degrees: ~2.2 km of latitude, ~1.4 km of longitude at Berlin's latitude.
    static let cellDegrees = 0.02

    struct Entry: Sendable {
        let restaurant: Restaurant
        let schedule: WeeklySchedule
        let summary: CatalogService.RestaurantSummary
        /// `summary` in the API's JSON style.
        let summaryJSON: [UInt8]
        let cells: [Int64]
    }

    struct Snapshot: Sendable {
        var entries: [Entry] = []
        var positions: [UUID: Int] = [:]
        var cells: [Int64: [Int32]] = [:]
        var isLoaded = false
        /// The newest `updated_at` seen, for incremental refreshes.
        var newest = Date.distantPast
    }

    private let state = Mutex(Snapshot())
    let store: CatalogStore
    let refreshInterval: Duration
    let logger: Logger

    init(store: CatalogStore, refreshInterval: Duration, logger: Logger) {
        self.store = store
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    var isLoaded: Bool { state.withLock { $0.isLoaded } }
    var count: Int { state.withLock { $0.entries.count } }
    /// A consistent view for one search; writers copy on write, readers never wait for them.
    var snapshot: Snapshot { state.withLock { $0 } }

    /// Loads every restaurant, then refreshes from the database every `refreshInterval` until shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.refresh()
                } catch {
                    self.logger.error("search index refresh failed", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: self.refreshInterval) } catch { break }
            }
        }
    }

    /// Loads everything the first time, then rows changed since the newest one held (with a
    /// second of overlap, so rows committed out of order around it are not missed). Returns how
    /// many rows were read.
    @discardableResult
    func refresh() async throws -> Int {
        let (loaded, newest) = state.withLock { ($0.isLoaded, $0.newest) }
        if !loaded {
            let all = try await store.allRestaurants()
            upsert(all, complete: true)
            return all.count
        }
        let changed = try await store.restaurants(updatedSince: newest.addingTimeInterval(-1))
        upsert(changed)
        return changed.count
    }

    /// Adds or replaces restaurants; marks the index loaded when `complete` is true.
    func upsert(_ restaurants: [Restaurant], complete: Bool = false) {
        let prepared = restaurants.map(Self.entry(for:))
        state.withLock { state in
            for entry in prepared {
                let id = entry.restaurant.id
                if let position = state.positions[id] {
                    for cell in state.entries[position].cells {
                        state.cells[cell]?.removeAll { $0 == Int32(position) }
                    }
                    state.entries[position] = entry
                    for cell in entry.cells { state.cells[cell, default: []].append(Int32(position)) }
                } else {
                    let position = state.entries.count
                    state.entries.append(entry)
                    state.positions[id] = position
                    for cell in entry.cells { state.cells[cell, default: []].append(Int32(position)) }
                }
                state.newest = max(state.newest, entry.restaurant.updatedAt)
            }
            if complete { state.isLoaded = true }
        }
    }

    static func entry(for restaurant: Restaurant) -> Entry {
        let summary = CatalogService.RestaurantSummary(restaurant)
        let json = (try? TiffinJSON.encoder.encode(summary)).map { Array($0) } ?? Array("{}".utf8)
        return Entry(
            restaurant: restaurant, schedule: WeeklySchedule(restaurant.openingHours), summary: summary, summaryJSON: json,
            cells: cells(covering: restaurant.location, metres: Double(restaurant.deliveryRadiusMetres)))
    }

    /// Every cell that a disk of `metres` around `center` touches (its bounding box's cells).
    static func cells(covering center: GeoPoint, metres: Double) -> [Int64] {
        let box = center.boundingBox(metres: metres)
        let low = cellIndex(lat: box.minLat, lon: box.minLon)
        let high = cellIndex(lat: box.maxLat, lon: box.maxLon)
        var cells: [Int64] = []
        cells.reserveCapacity(Int((high.lat - low.lat + 1) * (high.lon - low.lon + 1)))
        for lat in low.lat...high.lat {
            for lon in low.lon...high.lon { cells.append(key(lat: lat, lon: lon)) }
        }
        return cells
    }

    static func cell(containing point: GeoPoint) -> Int64 {
        let index = cellIndex(lat: point.lat, lon: point.lon)
        return key(lat: index.lat, lon: index.lon)
    }

    private static func cellIndex(lat: Double, lon: Double) -> (lat: Int64, lon: Int64) {
        (Int64((lat / cellDegrees).rounded(.down)), Int64((lon / cellDegrees).rounded(.down)))
    }

    private static func key(lat: Int64, lon: Int64) -> Int64 {
        (lat << 32) | (lon & 0xFFFF_FFFF)
    }
}
