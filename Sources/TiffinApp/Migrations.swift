import Accounts
import Catalog
import Dispatching
import Notifications
import Ordering
import Operations
import Payments
public import Storage

/// Every domain's migrations, in the order they must run.
public let allMigrations: [Migration] =
    Outbox.migrations + AccountService.migrations + CatalogService.migrations + OrderService.migrations + PaymentService.migrations
    + SandboxPaymentProvider.migrations + DispatchService.migrations + NotificationService.migrations + WebhookService.migrations
    + InstanceRegistry.migrations + SLOService.migrations + MoneyChecks.migrations
