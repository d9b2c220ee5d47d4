import Catalog
import Core
import DemoCityData
public import Logging
public import TiffinApp

/// Inserts a generated city of `count` restaurants (no menus, no accounts) for benchmarks of
/// search at scale: `tiffin bench-city`. Returns how many restaurants the database then has.
public func seedSyntheticCity(configuration: TiffinConfiguration, count: Int, logger: Logger) async throws -> Int {
    try await withMigratedDatabase(configuration: configuration, logger: logger) { database, _ in
        let index = CatalogService.makeIndex(database: database, logger: logger)
        let catalog = CatalogService(database: database, index: index, priceLists: PriceListCache(), clock: SystemWallClock())
        try await catalog.importRestaurants(SyntheticCity.restaurants(count: count))
        return try await catalog.restaurantCount()
    }
}
