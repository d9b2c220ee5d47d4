import Accounts
import Catalog
import Core
import DemoCityData
import Dispatching
import Foundation
import Hummingbird
import Logging
import Ordering
import Payments
import ServiceLifecycle
import Storage
import TiffinHTTP

/// The domain services of one running Tiffin, wired together.
public struct TiffinServices: Sendable {
    public let database: any Database
    public let clock: any WallClock
    public let accounts: AccountService
    public let catalog: CatalogService
    public let orders: OrderService
    public let payments: PaymentService
    public let dispatch: DispatchService
}

/// Builds the services over an open database. Ports between domains are wired here and only here.
public func buildServices(
    configuration: TiffinConfiguration, database: any Database, clock: any WallClock = SystemWallClock(), logger: Logger
) -> TiffinServices {
    var accountSettings = AccountService.Settings()
    accountSettings.bcryptCost = configuration.bcryptCost
    accountSettings.tokenLifetime = configuration.tokenLifetimeSeconds
    let accounts = AccountService(database: database, clock: clock, settings: accountSettings)
    let catalog = CatalogService(database: database, clock: clock)
    let payments = PaymentService(
        database: database, provider: SandboxPaymentProvider(slowDelay: .milliseconds(configuration.sandboxSlowCardMilliseconds)), clock: clock,
        authorizationTimeout: .milliseconds(configuration.paymentTimeoutMilliseconds), logger: logger)
    var orderSettings = OrderService.Settings()
    orderSettings.acceptTimeout = configuration.acceptTimeoutSeconds
    let orders = OrderService(
        database: database, catalog: CatalogAdapter(catalog: catalog, clock: clock), payments: PaymentAdapter(payments: payments),
        clock: clock, settings: orderSettings, logger: logger)
    let dispatch = DispatchService(database: database, orders: DispatchOrdersAdapter(orders: orders), clock: clock, logger: logger)
    return TiffinServices(
        database: database, clock: clock, accounts: accounts, catalog: catalog, orders: orders, payments: payments, dispatch: dispatch)
}

/// Reactions across domains, delivered from the outbox.
func outboxSubscriptions(_ services: TiffinServices) -> [OutboxSubscription] {
    let payments = services.payments
    return [
        OutboxSubscription(name: "payments.capture-on-delivery", eventTypes: [OrderStatus.delivered.eventType]) { event in
            try await payments.capture(orderID: try event.decodePayload(OrderEventPayload.self).orderID)
        },
        OutboxSubscription(
            name: "payments.void-when-order-ends",
            eventTypes: Set([OrderStatus.rejected, .cancelled, .expired, .paymentFailed].map(\.eventType))
        ) { event in
            let payload = try event.decodePayload(OrderEventPayload.self)
            try await payments.void(orderID: payload.orderID, reason: "order \(payload.to.rawValue)")
        },
    ]
}

/// The one way to build a running Tiffin: `tiffin serve` calls this; tests call the variant below
/// with services over a database they opened.
public func buildApplication(
    configuration: TiffinConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger? = nil
) async throws -> some ApplicationProtocol {
    let logger =
        logger
        ?? {
            var logger = Logger(label: "tiffin")
            logger.logLevel = configuration.logLevel
            return logger
        }()
    let database = try await openDatabase(try DatabaseLocation(url: configuration.databaseURL), logger: logger)
    let services = buildServices(configuration: configuration, database: database, clock: clock, logger: logger)
    return buildApplication(services: services, configuration: configuration, logger: logger)
}

/// Assembles the HTTP server, background loops and start-up steps around `services`. The
/// database is run (and closed at shutdown) as the first service.
public func buildApplication(services: TiffinServices, configuration: TiffinConfiguration, logger: Logger) -> some ApplicationProtocol {
    let database = services.database
    let router = buildRouter(services: services, configuration: configuration)
    var relaySettings = OutboxRelay.Settings()
    relaySettings.pollInterval = .milliseconds(configuration.outboxPollMilliseconds)
    let relay = OutboxRelay(
        database: database, subscriptions: outboxSubscriptions(services), clock: services.clock, settings: relaySettings, logger: logger)
    let dispatch = services.dispatch
    let orders = services.orders
    let catalog = services.catalog
    let background: [any Service] = [
        relay,
        PeriodicService(name: "dispatch.assignment", interval: .milliseconds(configuration.dispatchIntervalMilliseconds), logger: logger) {
            try await dispatch.assignmentRound()
        },
        PeriodicService(
            name: "dispatch.flush-positions", interval: .seconds(2), logger: logger, work: { try await dispatch.flush() },
            onShutdown: { try await dispatch.flush() }),
        PeriodicService(name: "catalog.refresh-search-index", interval: .seconds(5), logger: logger) {
            try await catalog.refreshIndex()
        },
        PeriodicService(name: "ordering.expire-unanswered", interval: .milliseconds(configuration.expiryIntervalMilliseconds), logger: logger) {
            try await orders.expireOverdue()
            try await orders.failInterruptedPlacements()
        },
    ]
    let gate = StartupGate()
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Tiffin"),
        services: [database] + background.map { GatedService(gate: gate, inner: $0) },
        logger: logger)
    app.beforeServerStarts {
        let applied = try await Migrator(database: database, migrations: allMigrations).migrate()
        if !applied.isEmpty { logger.info("schema migrated", metadata: ["migrations": "\(applied.count)"]) }
        if configuration.seedDemoCity {
            let summary = try await DemoCity.seed(accounts: services.accounts, catalog: services.catalog)
            logger.info(
                "demo city ready", metadata: ["restaurants": "\(summary.restaurantsTotal)", "restaurants.created": "\(summary.restaurantsCreated)"])
            for account in DemoCity.demoAccounts {
                logger.notice(
                    "demo account", metadata: ["role": "\(account.role.rawValue)", "email": "\(account.email)", "password": "\(DemoCity.password)"])
            }
        }
        try await dispatch.restore()
        try await catalog.loadIndex()
        gate.open()
        logger.notice(
            "Tiffin is listening", metadata: ["url": "http://\(configuration.host):\(configuration.port)/", "database": "\(database.kind.rawValue)"])
    }
    return app
}

/// All routes, behind problem+json error mapping and bearer authentication.
func buildRouter(services: TiffinServices, configuration: TiffinConfiguration) -> Router<TiffinRequestContext> {
    let router = Router(context: TiffinRequestContext.self)
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: BearerAuthMiddleware(verifier: services.accounts))
    SystemController(database: services.database, configuration: configuration).addRoutes(to: router)
    AccountController(service: services.accounts).addRoutes(to: router)
    CatalogController(service: services.catalog).addRoutes(to: router)
    OrderController(service: services.orders).addRoutes(to: router)
    PaymentController(service: services.payments).addRoutes(to: router)
    DispatchController(service: services.dispatch).addRoutes(to: router)
    OpenAPIController().addRoutes(to: router)
    return router
}
