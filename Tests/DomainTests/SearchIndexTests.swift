import Core
import DemoCityData
import Foundation
import Storage
import Testing
import TiffinTestSupport

@testable import Catalog

@Suite("Nearby search index")
struct SearchIndexTests {
    /// The index (cells covered by each restaurant's own radius, a planar pre-filter, top-k) must
    /// answer exactly what a scan of every restaurant answers.
    @Test func nearbyEqualsALinearScanOfEveryRestaurantAtRandomPoints() async throws {
        try await withTestDatabase(.sqlite, migrations: CatalogService.migrations) { db in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))  // a Friday, 09:00 in Berlin
            let catalog = makeCatalog(db, clock: clock)
            let city = SyntheticCity.restaurants(count: 3_000, seed: 7, at: clock.now())
            try await catalog.importRestaurants(city)
            var random = SystemRandomNumberGenerator()
            for _ in 0..<300 {
                let point = GeoPoint(
                    uncheckedLat: SyntheticCity.centre.lat + Double.random(in: -0.3...0.3, using: &random),
                    lon: SyntheticCity.centre.lon + Double.random(in: -0.45...0.45, using: &random))
                let limit = Int.random(in: 1...40, using: &random)
                let expected = city.filter { $0.delivers(to: point) && $0.isOpen(at: clock.now()) }
                    .map { (restaurant: $0, distance: $0.location.distance(to: point)) }
                    .sorted { ($0.distance, $0.restaurant.name) < ($1.distance, $1.restaurant.name) }
                    .prefix(limit).map(\.restaurant.id)
                let found = try await catalog.nearby(point, limit: limit).results.map(\.summary.id)
                #expect(found == Array(expected), "at \(point) with limit \(limit)")
            }
        }
    }

    @Test func theWrittenResponseIsWhatTheAPIsEncoderWrites() async throws {
        try await withTestDatabase(.sqlite, migrations: CatalogService.migrations) { db in
            let catalog = makeCatalog(db, clock: ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000)))
            try await catalog.importRestaurants(SyntheticCity.restaurants(count: 500, seed: 3, at: Date(timeIntervalSince1970: 1_800_000_000)))
            let results = try await catalog.nearby(SyntheticCity.centre, limit: 20)
            #expect(!results.results.isEmpty)
            struct Body: Encodable { let restaurants: [CatalogService.NearbyRestaurant] }
            #expect(results.json() == Array(try TiffinJSON.encoder.encode(Body(restaurants: results.restaurants))))
        }
    }
}
