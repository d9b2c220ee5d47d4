import Core
import Logging
import Storage

@testable import Catalog

let domainTestLogger: Logger = {
    var logger = Logger(label: "tiffin.test")
    logger.logLevel = .warning
    return logger
}()

/// A catalog service with its own search index and price-list cache, as the assembly builds one.
func makeCatalog(_ database: any Database, clock: any WallClock) -> CatalogService {
    CatalogService(
        database: database, index: CatalogService.makeIndex(database: database, logger: domainTestLogger), priceLists: PriceListCache(),
        clock: clock)
}
