import Accounts
import Catalog
import Dispatching
import Ordering
import Payments
import Storage

/// Every domain's migrations, in the order they must run.
public let allMigrations: [Migration] =
    [Outbox.migration] + AccountStore.migrations + CatalogStore.migrations + OrderStore.migrations + PaymentStore.migrations
    + DispatchStore.migrations
