import Core
import Foundation
import Logging
public import ServiceLifecycle
import Storage
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

    /// What the search loop reads of each restaurant: plain numbers, no references, so scanning
    /// thousands of candidates touches no reference counts (shared between cores, those dominated).
    struct Probe: Sendable {
        var lat: Double
        var lon: Double
        var cosLat: Double
        var radius: Double
        var isPaused: Bool
    }

    struct Snapshot: Sendable {
        var entries: [Entry] = []
        /// `probes[i]` describes `entries[i]`.
        var probes: [Probe] = []
        var positions: [UUID: Int] = [:]
        var cells: [Int64: [Int32]] = [:]
        var isLoaded = false
        /// When the last refresh began (wall-clock time), for incremental refreshes.
        var lastRefresh = Date.distantPast
    }

    /// Rows changed this long before the previous refresh began are read again: a transaction
    /// that stamped `updated_at` but committed later is not missed.
    static let refreshOverlap: TimeInterval = 5

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
        await repeatUntilShutdown(every: refreshInterval, name: "catalog.search-index-refresh", logger: logger) {
            try await self.refresh()
        }
    }

    /// Loads everything the first time, then the rows changed since the previous refresh began
    /// (with `refreshOverlap`). Returns how many rows changed.
    @discardableResult
    func refresh() async throws -> Int {
        let started = Date()
        let (loaded, last) = state.withLock { ($0.isLoaded, $0.lastRefresh) }
        let rows =
            loaded ? try await store.restaurants(updatedSince: last.addingTimeInterval(-Self.refreshOverlap)) : try await store.allRestaurants()
        let changed = upsert(rows, complete: !loaded)
        state.withLock { $0.lastRefresh = max($0.lastRefresh, started) }
        return changed
    }

    /// Adds or replaces restaurants (a row already held unchanged is left as it is); marks the index
    /// loaded when `complete` is true. Returns how many it added or replaced.
    @discardableResult
    func upsert(_ restaurants: [Restaurant], complete: Bool = false) -> Int {
        let held = state.withLock { state in
            restaurants.map { restaurant in state.positions[restaurant.id].map { state.entries[$0].restaurant == restaurant } ?? false }
        }
        var prepared = zip(restaurants, held).compactMap { restaurant, unchanged in unchanged ? nil : Self.entry(for: restaurant) }
        // Filed in Z-order of their place, restaurants near each other sit near each other in
        // memory: a search then reads its candidates' probes from a few neighbouring stretches.
        if complete { prepared.sort { Self.zOrder($0.restaurant.location) < Self.zOrder($1.restaurant.location) } }
        return state.withLock { state in
            for entry in prepared {
                let id = entry.restaurant.id
                if let position = state.positions[id] {
                    for cell in state.entries[position].cells {
                        state.cells[cell]?.removeAll { $0 == Int32(position) }
                    }
                    state.entries[position] = entry
                    state.probes[position] = Self.probe(for: entry.restaurant)
                    for cell in entry.cells { state.cells[cell, default: []].append(Int32(position)) }
                } else {
                    let position = state.entries.count
                    state.entries.append(entry)
                    state.probes.append(Self.probe(for: entry.restaurant))
                    state.positions[id] = position
                    for cell in entry.cells { state.cells[cell, default: []].append(Int32(position)) }
                }
            }
            if complete { state.isLoaded = true }
            return prepared.count
        }
    }

    static func probe(for r: Restaurant) -> Probe {
        Probe(
            lat: r.location.lat, lon: r.location.lon, cosLat: cos(r.location.lat * .pi / 180), radius: Double(r.deliveryRadiusMetres),
            isPaused: r.isPaused)
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

    /// The Morton code of a point's cell: interleaved bits of its cell indices.
    static func zOrder(_ point: GeoPoint) -> UInt64 {
        let index = cellIndex(lat: point.lat, lon: point.lon)
        func spread(_ value: Int64) -> UInt64 {
            var x = UInt64(truncatingIfNeeded: value &+ (1 << 20)) & 0x1F_FFFF
            x = (x | (x << 32)) & 0x001F_0000_0000_FFFF
            x = (x | (x << 16)) & 0x001F_0000_FF00_00FF
            x = (x | (x << 8)) & 0x100F_00F0_0F00_F00F
            x = (x | (x << 4)) & 0x10C3_0C30_C30C_30C3
            x = (x | (x << 2)) & 0x1249_2492_4924_9249
            return x
        }
        return spread(index.lat) | (spread(index.lon) << 1)
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
