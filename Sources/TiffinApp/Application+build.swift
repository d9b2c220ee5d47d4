public import Accounts
public import Catalog
public import Core
import DemoCityData
public import Dispatching
import Events
import Foundation
public import Hummingbird
import HummingbirdCore
import Live
public import Logging
public import Notifications
public import Operations
public import Ordering
public import Outbound
public import Payments
public import ServiceLifecycle
public import Storage
import TiffinHTTP
import UnixSignals

/// The domain services of one running Tiffin, wired together, and the hot in-memory state they
/// share — each piece built once and run as a service of its own.
public struct TiffinServices: Sendable {
    public let database: any Database
    public let clock: any WallClock
    public let accounts: AccountService
    public let catalog: CatalogService
    public let orders: OrderService
    public let payments: PaymentService
    public let dispatch: DispatchService
    public let paymentProvider: any PaymentProvider
    /// Hot state: the restaurant search index and the courier registry.
    public let searchIndex: RestaurantSearchIndex
    public let courierRegistry: CourierRegistry
    public let notifications: NotificationService
    public let webhooks: WebhookService
    /// How notifications leave the process, and the breaker in front of each destination.
    public let outbound: OutboundChannels
    /// The journeys' SLOs, and the recorder every source counts into.
    public let slos: SLOService
    /// The money invariant's checks, 15 minutes after each order ends.
    public let moneyChecks: MoneyChecks
}

/// The senders of notifications and webhooks, with what wakes them.
public struct OutboundChannels: Sendable {
    /// nil: email is off (no SMTP configured).
    public let mail: (any MailTransport)?
    public let webhooks: any WebhookTransport
    public let breaker = CircuitBreaker(observer: TiffinMetrics.breakerObserver)
    package let push = LiveNotificationPush()
    let mailQueued = Doorbell()
    let webhooksQueued = Doorbell()
    let directory: any RecipientDirectory
}

/// Builds the services over an open database. Ports between domains are wired here and only here.
public func buildServices(
    configuration: TiffinConfiguration, database: any Database, clock: any WallClock = SystemWallClock(), logger: Logger,
    paymentProvider: (any PaymentProvider)? = nil, mailTransport: (any MailTransport)? = nil, webhookTransport: (any WebhookTransport)? = nil
) -> TiffinServices {
    let accounts = AccountService(database: database, clock: clock, settings: configuration.accounts)
    let searchIndex = CatalogService.makeIndex(database: database, logger: logger)
    let catalog = CatalogService(database: database, index: searchIndex, priceLists: PriceListCache(), clock: clock)
    let provider =
        paymentProvider
        ?? SandboxPaymentProvider(database: database, clock: clock, slowDelay: configuration.payments.sandboxSlowCard)
    let liveness = OrderLivenessAdapter()
    let payments = PaymentService(
        database: database, provider: provider, orders: liveness, clock: clock,
        authorizationTimeout: configuration.payments.authorizationTimeout,
        breaker: PaymentService.makeBreaker(observer: TiffinMetrics.breakerObserver), logger: logger)
    var orderSettings = configuration.orders
    // An interrupted placement is settled only once its authorisation can no longer be running.
    orderSettings.interruptedPlacementAfter = configuration.payments.authorizationTimeout / .seconds(1) + 5
    let orders = OrderService(
        database: database, catalog: CatalogAdapter(catalog: catalog), payments: PaymentAdapter(payments: payments), clock: clock,
        settings: orderSettings, logger: logger)
    liveness.bind(orders)
    let registry = DispatchService.makeRegistry(database: database, logger: logger)
    let dispatch = DispatchService(
        registry: registry, orders: DispatchOrdersAdapter(orders: orders), clock: clock, settings: configuration.dispatch, logger: logger)
    let notice = configuration.notifications
    let outbound = OutboundChannels(
        mail: mailTransport ?? notice.smtp.map { SMTPMailTransport(settings: $0, logger: logger) },
        webhooks: webhookTransport
            ?? HTTPWebhookTransport(policy: DestinationPolicy(allowPrivateNetworks: notice.webhooks.allowPrivateNetworks), logger: logger),
        directory: RecipientDirectoryAdapter(accounts: accounts, catalog: catalog, orders: orders))
    let notifications = NotificationService(
        database: database, directory: outbound.directory, clock: clock, push: outbound.push, emailEnabled: outbound.mail != nil,
        mailQueued: outbound.mailQueued, logger: logger)
    let webhooks = WebhookService(
        database: database, directory: outbound.directory, clock: clock, settings: notice.webhooks, queued: outbound.webhooksQueued,
        logger: logger)
    // One city per deployment until cities are data: its journeys are counted under "default".
    let slos = SLOService(database: database, recorder: JourneyRecorder(clock: clock, city: "default"), clock: clock, logger: logger)
    let moneyChecks = MoneyChecks(database: database, recorder: slos.recorder, clock: clock) { orderIDs in
        try await payments.moneyInDoubt(orderIDs: orderIDs)
    }
    return TiffinServices(
        database: database, clock: clock, accounts: accounts, catalog: catalog, orders: orders, payments: payments, dispatch: dispatch,
        paymentProvider: provider, searchIndex: searchIndex, courierRegistry: registry, notifications: notifications, webhooks: webhooks,
        outbound: outbound, slos: slos, moneyChecks: moneyChecks)
}

/// Reactions across domains, delivered from the outbox; with `tracking`, live subscribers hear
/// every order event too.
package func outboxSubscriptions(_ services: TiffinServices) -> [OutboxSubscription] {
    outboxSubscriptions(services, live: nil)
}

func outboxSubscriptions(_ services: TiffinServices, live: LiveLayer?) -> [OutboxSubscription] {
    let payments = services.payments
    let dispatch = services.dispatch
    let notifications = services.notifications
    let webhooks = services.webhooks
    let journeys = services.slos.recorder
    return (live.map { [$0.outboxSubscription] } ?? []) + [
        OutboxSubscription(name: "payments.capture-on-delivery", eventTypes: [.order(.delivered)]) { event in
            try await payments.capture(orderID: try event.decode(OrderStatusChanged.self).orderID)
        },
        OutboxSubscription(name: "dispatch.earnings-on-delivery", eventTypes: [.order(.delivered)]) { event in
            let payload = try event.decode(OrderStatusChanged.self)
            guard let courierID = payload.courierID else { return }
            try await dispatch.recordEarnings(orderID: payload.orderID, courierID: courierID, deliveredAt: event.occurredAt)
        },
        OutboxSubscription(
            name: "payments.release-hold-when-order-ends",
            eventTypes: Set([OrderStatus.rejected, .cancelled, .expired, .paymentFailed].map(EventType.order))
        ) { event in
            let payload = try event.decode(OrderStatusChanged.self)
            try await payments.releaseHold(orderID: payload.orderID, reason: "order \(payload.to.rawValue)")
        },
        OutboxSubscription(
            name: "dispatch.withdraw-offers-when-order-ends", eventTypes: Set([OrderStatus.rejected, .cancelled, .expired].map(EventType.order))
        ) { event in
            let payload = try event.decode(OrderStatusChanged.self)
            try await dispatch.withdrawOffers(orderID: payload.orderID, reason: "the order was \(payload.to.rawValue)")
        },
        OutboxSubscription(name: "notifications", eventTypes: NotificationService.eventTypes) { [clock = services.clock] event in
            try await notifications.handle(event)
            journeys.record(.notifications, EventOutcomes.notification(eventAt: event.occurredAt, writtenAt: clock.now()))
        },
        journeySubscription(orders: services.orders, journeys: journeys, moneyChecks: services.moneyChecks),
        OutboxSubscription(name: "webhooks", eventTypes: Set(EventType.all.map(\.type))) { event in try await webhooks.enqueue(event) },
    ]
}

/// Assembles the HTTP server, background loops and start-up steps around `services` (over a
/// database the caller opened), as an application that runs the database and the background
/// services itself: what tests run. `tiffin serve` runs the same parts from `buildServiceGroup`.
public func buildApplication(services: TiffinServices, configuration: TiffinConfiguration, logger: Logger) -> some ApplicationProtocol {
    buildInstance(services: services, configuration: configuration, logger: logger).application
}

/// `tiffin serve`: the top-level service group, built here rather than by the application, so
/// each part has its termination behaviour and shutdown its bound. Graceful shutdown (SIGTERM,
/// SIGINT) runs in the reverse of the order below: the HTTP server stops accepting, lets requests
/// in flight finish and closes live connections with 1001; then the background services stop
/// (the relay after its current batch, the courier registry after a last flush); then the
/// database closes. Whatever has not stopped `shutdownGraceSeconds` after the signal is
/// cancelled (the database with it, which fails any query still waiting for a connection), and
/// cancellation gets 5 s more before the group gives up with a crash, as a hung process must not
/// stay up unnoticed.
public func buildServiceGroup(configuration: TiffinConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger? = nil) async throws
    -> ServiceGroup
{
    let logger = logger ?? TiffinLogging.logger(level: configuration.logLevel)
    let database = try await openDatabase(
        try DatabaseLocation(url: configuration.databaseURL), logger: logger, connectionWait: configuration.databaseWait)
    let services = buildServices(configuration: configuration, database: database, clock: clock, logger: logger)
    let instance = buildInstance(services: services, configuration: configuration, logger: logger)
    var group = ServiceGroupConfiguration(
        services: instance.parts + [instancePart(instance.makeApplication(services: []))],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    group.maximumGracefulShutdownDuration = instance.shutdownGrace
    group.maximumCancellationDuration = .seconds(5)
    return ServiceGroup(configuration: group)
}

/// One Tiffin, assembled: the HTTP server (with the live connection) and what runs before its
/// port opens, and the parts that run beside it (the database, then the background services).
struct TiffinInstance {
    let parts: [ServiceGroupConfiguration.ServiceConfiguration]
    let shutdownGrace: Duration
    let router: Router<TiffinRequestContext>
    let server: HTTPServerBuilder
    let configuration: TiffinConfiguration
    let beforeServerStarts: @Sendable () async throws -> Void
    let logger: Logger

    /// The HTTP server running `services` beside it.
    func makeApplication(services: [any Service]) -> Application<HeadResponder<RouterResponder<TiffinRequestContext>>> {
        var app = Application(
            router: HeadResponderBuilder(router),
            server: server,
            // A deep accept queue: after a restart at the dinner peak every app reconnects at once,
            // and a full queue drops connection attempts into seconds of SYN back-off.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Tiffin", backlog: 4_096),
            services: services,
            logger: logger)
        app.beforeServerStarts(perform: beforeServerStarts)
        return app
    }

    /// The server with the database and the background services beside it, in a group of their
    /// own with the same shutdown bound (the tests).
    var application: Application<HeadResponder<RouterResponder<TiffinRequestContext>>> {
        makeApplication(services: [InstanceServices(parts: parts, shutdownGrace: shutdownGrace, logger: logger)])
    }
}

func buildInstance(services: TiffinServices, configuration: TiffinConfiguration, logger: Logger) -> TiffinInstance {
    TiffinMetrics.bootstrap()
    let database = services.database
    let instances = InstanceRegistry(database: database, clock: services.clock)
    let limiter = RateLimiter(settings: configuration.rateLimits) { instances.aliveCount }
    let live = buildLive(services: services, configuration: configuration, limiter: limiter, logger: logger)
    let router = buildRouter(services: services, configuration: configuration, live: live, limiter: limiter)
    let outbound = services.outbound
    let webhookSender = WebhookSender(
        database: database, transport: outbound.webhooks, breaker: outbound.breaker, notifications: services.notifications,
        directory: outbound.directory, clock: services.clock, settings: configuration.notifications.webhookDeliveries, wake: outbound.webhooksQueued, logger: logger)
    let emailSender = outbound.mail.map { mail in
        EmailSender(
            database: database, transport: mail, breaker: outbound.breaker, clock: services.clock, settings: configuration.notifications.email,
            wake: outbound.mailQueued, logger: logger)
    }
    let relay = OutboxRelay(
        database: database, subscriptions: outboxSubscriptions(services, live: live), clock: services.clock, settings: configuration.relay,
        logger: logger)
    let dispatch = services.dispatch
    let orders = services.orders
    let payments = services.payments
    let slos = services.slos
    let background: [any Service] =
        [
            services.searchIndex,
        ] + live.services + [
            PeriodicService(
                name: "storage.instances", interval: instances.beatInterval, logger: logger, work: { try await instances.beat() },
                // Best effort: a row not removed stops counting 15 s later anyway.
                onShutdown: { try? await instances.leave() }),
            services.courierRegistry,
            relay,
            webhookSender,
            PeriodicService(
                name: "dispatch.assignment", interval: configuration.dispatch.roundInterval, logger: logger,
                work: { try await dispatch.assignmentRound() }, onShutdown: { await dispatch.releaseLease() }),
            PeriodicService(name: "ordering.expire-and-flag", interval: configuration.orders.expiryInterval, logger: logger) {
                // A failed reminder pass must not hold up expiry (which releases holds).
                do { try await orders.remindUnansweredOrders() } catch { logger.error("reminder pass failed", metadata: ["error": "\(error)"]) }
                try await orders.expireOverdue()
                try await orders.flagOrdersNeedingAttention()
            },
            PeriodicService(name: "ordering.settle-interrupted-placements", interval: .seconds(1), logger: logger) {
                try await orders.settleInterruptedPlacements()
            },
            PeriodicService(name: "payments.reconcile", interval: configuration.payments.reconcileInterval, logger: logger) {
                try await payments.reconcile()
            },
            PeriodicService(
                name: "operations.slis", interval: .seconds(5), logger: logger, work: { try await slos.flush() },
                onShutdown: { try await slos.flush() }),
            PeriodicService(name: "operations.alerts", interval: .seconds(30), logger: logger) {
                try await slos.evaluate()
            },
            PeriodicService(name: "operations.prune", interval: .seconds(3_600), logger: logger) { try await slos.prune() },
            PeriodicService(name: "operations.money", interval: .seconds(60), logger: logger) { [checks = services.moneyChecks] in
                while try await checks.runDue() > 0 {}
            },
            PeriodicService(name: "notifications.prune", interval: .seconds(3_600), logger: logger) { [notifications = services.notifications] in
                let retention = configuration.notifications
                try await notifications.prune(feed: retention.activityRetention, emails: retention.deliveryLogRetention)
                try await webhookSender.prune(logRetention: retention.deliveryLogRetention)
            },
        ] + (emailSender.map { [$0] } ?? [])
    let gate = StartupGate()
    let beforeServerStarts: @Sendable () async throws -> Void = {
        let applied = try await Migrator(database: database, migrations: allMigrations).migrate()
        if !applied.isEmpty { logger.info("schema migrated", metadata: ["migrations": "\(applied.count)"]) }
        if configuration.seedsDemoCity {
            let summary = try await DemoCity.seed(accounts: services.accounts, catalog: services.catalog)
            logger.info(
                "demo city ready", metadata: ["restaurants": "\(summary.restaurantsTotal)", "restaurants.created": "\(summary.restaurantsCreated)"])
            for account in DemoCity.demoAccounts {
                logger.notice(
                    "demo account", metadata: ["role": "\(account.role.rawValue)", "email": "\(account.email)", "password": "\(DemoCity.password)"])
            }
        }
        try await services.catalog.loadIndex()
        if let smtp = configuration.notifications.smtp {
            logger.info(
                "email on", metadata: ["smtp.host": "\(smtp.host)", "smtp.port": "\(smtp.port)", "smtp.security": "\(smtp.security.rawValue)"])
        } else {
            logger.notice("email is off: no SMTP server configured (set TIFFIN_SMTP_HOST and TIFFIN_SMTP_FROM)")
        }
        if configuration.notifications.webhooks.allowPrivateNetworks {
            logger.warning("webhooks may reach loopback and private networks, over plain http (TIFFIN_WEBHOOKS_ALLOW_PRIVATE)")
        }
        gate.open()
        logger.notice(
            "Tiffin is listening", metadata: ["url": "http://\(configuration.host):\(configuration.port)/", "database": "\(database.kind.rawValue)"])
    }
    return TiffinInstance(
        parts: instanceParts(database: database, gate: gate, background: background),
        shutdownGrace: .milliseconds(Int(configuration.shutdownGraceSeconds * 1_000)),
        router: router,
        server: live.server(edge: HTTPEdge(settings: configuration.edge)), configuration: configuration, beforeServerStarts: beforeServerStarts, logger: logger)
}

/// All routes, behind request ids, metrics, problem+json error mapping and bearer authentication.
/// The live layer over `services`, its ports wired to the domains.
func buildLive(services: TiffinServices, configuration: TiffinConfiguration, limiter: RateLimiter, logger: Logger) -> LiveLayer {
    // Alone on its database (SQLite) an instance has nobody to tell; on PostgreSQL the others
    // hear through batched LISTEN/NOTIFY.
    let database = services.database
    let transport: any LiveTransport = database.clusterChannel.map { NotifyLiveTransport(cluster: $0) } ?? LocalLiveTransport()
    return LiveLayer(
        signIns: services.accounts, couriers: LiveCouriersAdapter(dispatch: services.dispatch),
        orders: LiveOrdersAdapter(orders: services.orders, catalog: services.catalog), notices: services.outbound.push.notices,
        transport: transport, database: database, clock: services.clock, settings: configuration.live, limiter: limiter, logger: logger,
        customerPushed: { [journeys = services.slos.recorder] age in journeys.record(.trackingFreshness, EventOutcomes.trackingFreshness(age: age)) })
}

func buildRouter(services: TiffinServices, configuration: TiffinConfiguration, live: LiveLayer, limiter: RateLimiter) -> Router<TiffinRequestContext> {
    let router = Router(context: TiffinRequestContext.self)
    router.add(middleware: RouteMiddleware(operations: allOperations))
    router.add(middleware: ClientAddressMiddleware(proxies: configuration.edge.trustedProxies))
    router.add(middleware: RequestScopeMiddleware())
    router.add(middleware: JourneyOutcomeMiddleware(recorder: services.slos.recorder))
    router.add(middleware: AdmissionMiddleware(control: AdmissionControl(settings: configuration.admission)))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: BearerAuthMiddleware(verifier: services.accounts))
    router.add(middleware: RateLimitMiddleware(limiter: limiter))
    router.add(middleware: BodyLimitMiddleware())
    router.addRoutes(SystemController(database: services.database, accounts: services.accounts, configuration: configuration).routes)
    router.addRoutes(MetricsController(token: configuration.metricsToken).routes)
    router.addRoutes(AccountController(service: services.accounts).routes)
    router.addRoutes(CatalogController(service: services.catalog).routes)
    router.addRoutes(OrderController(service: services.orders).routes)
    router.addRoutes(PaymentController(service: services.payments).routes)
    router.addRoutes(DispatchController(service: services.dispatch).routes)
    router.addRoutes(live.positions.routes)
    router.addRoutes(NotificationController(service: services.notifications).routes)
    router.addRoutes(WebhookController(service: services.webhooks).routes)
    router.addRoutes(SLOController(service: services.slos).routes)
    router.addRoutes(OpenAPIController().routes)
    router.addRoutes(WebAppController(tileOrigin: configuration.mapTileOrigin).routes)
    router.addRoutes(TelemetryController().routes)
    router.addRoutes(AppConfigController(accounts: services.accounts, configuration: configuration).routes)
    return router
}
