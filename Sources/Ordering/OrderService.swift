import Core
import Crypto
import Foundation
import Logging
import SQLKit
import Storage

/// Quotes, placement, the order lifecycle and who may see which order.
///
/// Placement is idempotent per customer and `Idempotency-Key`: the key is claimed before any
/// work, so a concurrent duplicate is refused (409) rather than run twice; a retry after success
/// replays the stored order; the same key with another body is refused (422). An order is
/// confirmed only after its payment is authorised and its items are still available.
/// This service never captures or voids a payment itself: those react to its outbox events.
public struct OrderService: Sendable {
    public struct Settings: Sendable {
        /// How long a restaurant has to accept a confirmed order.
        public var acceptTimeout: TimeInterval = 600
        /// A claimed idempotency key whose request died (crash) is reclaimable after this long.
        public var abandonedKeyAfter: TimeInterval = 60
        /// An order still `placed` this long after placement was interrupted (the process died
        /// between writing it and settling its payment); it is failed so any hold is voided.
        public var interruptedPlacementAfter: TimeInterval = 120
        public init() {}
    }

    public let store: OrderStore
    let database: any Database
    let catalog: any CatalogPort
    let payments: any PaymentPort
    let calculator: QuoteCalculator
    let clock: any WallClock
    let settings: Settings
    let logger: Logger

    public init(
        database: any Database, catalog: any CatalogPort, payments: any PaymentPort, clock: any WallClock,
        pricing: DeliveryPricing = .init(), settings: Settings = .init(), logger: Logger
    ) {
        self.store = OrderStore(database: database)
        self.database = database
        self.catalog = catalog
        self.payments = payments
        self.calculator = QuoteCalculator(pricing: pricing)
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    // MARK: Quote and place

    public func quote(_ request: OrderRequest) async throws -> Quote {
        try await price(request).quote
    }

    /// Prices `request` from the catalog; also returns the restaurant it was priced against.
    private func price(_ request: OrderRequest) async throws -> (quote: Quote, restaurant: PricingRestaurant) {
        try request.validate()
        guard let restaurant = try await catalog.restaurant(id: request.restaurantID) else {
            throw NotFoundError(entity: "restaurant", id: request.restaurantID.uuidString)
        }
        return (try calculator.quote(request, restaurant: restaurant, items: try await catalog.items(restaurantID: restaurant.id)), restaurant)
    }

    public struct Placement: Sendable {
        public let order: Order
        /// True when this answers a retry of an earlier request with the same key.
        public let replayed: Bool
    }

    public func place(customerID: UUID, idempotencyKey: String, request: OrderRequest, card: String) async throws -> Placement {
        guard (1...255).contains(idempotencyKey.count) else { throw OrderingError.missingIdempotencyKey }
        let hash = Self.fingerprint(request: request, card: card)
        if let replay = try await claim(customerID: customerID, key: idempotencyKey, hash: hash) {
            return replay
        }
        // From here the key is ours; release it if we fail before an order exists.
        let order: Order
        do {
            let priced = try await price(request)
            order = try await insertPlaced(customerID: customerID, key: idempotencyKey, quote: priced.quote, pickup: priced.restaurant.location)
        } catch {
            try? await releaseKey(customerID: customerID, key: idempotencyKey)
            throw error
        }
        return Placement(order: try await settlePayment(order, card: card), replayed: false)
    }

    /// Claims the key, or returns the earlier result it stands for.
    private func claim(customerID: UUID, key: String, hash: String) async throws -> Placement? {
        let now = clock.now()
        let abandonedBefore = now.addingTimeInterval(-settings.abandonedKeyAfter)
        enum Claim: Sendable { case claimed, replay(UUID) }
        let outcome: Claim
        do {
            outcome = try await database.transaction { db in
                if let existing = try await store.idempotencyKey(customerID: customerID, key: key, on: db) {
                    guard existing.requestHash == hash else { throw OrderingError.idempotencyKeyReused }
                    if let orderID = existing.orderID { return .replay(orderID) }
                    guard existing.createdAt < abandonedBefore else { throw OrderingError.requestInProgress }
                    try await db.raw(
                        """
                        UPDATE order_idempotency_keys SET created_at = \(bind: now)
                        WHERE customer_id = \(bind: customerID) AND idempotency_key = \(bind: key) AND order_id IS NULL
                        """
                    ).run()
                    return .claimed
                }
                try await db.raw(
                    """
                    INSERT INTO order_idempotency_keys (customer_id, idempotency_key, request_hash, order_id, created_at)
                    VALUES (\(bind: customerID), \(bind: key), \(bind: hash), NULL, \(bind: now))
                    """
                ).run()
                return .claimed
            }
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            // Another request inserted the same key between our read and our insert.
            throw OrderingError.requestInProgress
        }
        switch outcome {
        case .claimed:
            return nil
        case .replay(let orderID):
            guard let order = try await store.order(id: orderID) else { throw NotFoundError(entity: "order", id: orderID.uuidString) }
            if order.status == .paymentFailed {
                throw OrderingError.paymentDeclined(orderID: order.id, reason: try await lastReason(of: order.id) ?? "declined")
            }
            return Placement(order: order, replayed: true)
        }
    }

    private func lastReason(of orderID: UUID) async throws -> String? {
        try await store.order(id: orderID, withHistory: true)?.history?.last?.reason
    }

    private func releaseKey(customerID: UUID, key: String) async throws {
        try await database.transaction { db in
            try await db.raw(
                """
                DELETE FROM order_idempotency_keys WHERE customer_id = \(bind: customerID) AND idempotency_key = \(bind: key) AND order_id IS NULL
                """
            ).run()
        }
    }

    private func insertPlaced(customerID: UUID, key: String, quote: Quote, pickup: GeoPoint) async throws -> Order {
        let now = clock.now()
        let order = Order(
            id: UUID(), customerID: customerID, restaurantID: quote.restaurantID, restaurantName: quote.restaurantName, status: .placed,
            lines: quote.lines, subtotal: quote.subtotal, deliveryFee: quote.deliveryFee, serviceFee: quote.serviceFee, total: quote.total,
            deliveryLocation: quote.deliveryLocation, deliveryAddress: quote.deliveryAddress, pickupLocation: pickup, etaMinutes: quote.etaMinutes,
            paymentID: nil, courierID: nil, placedAt: now, updatedAt: now, acceptDeadline: nil, history: nil)
        try await database.transaction { db in
            try await store.insert(order, on: db)
            try await store.record(
                OrderStatusChange(from: nil, to: .placed, actor: .customer, actorID: customerID, reason: nil, at: now), of: order, on: db)
            try await db.raw(
                """
                UPDATE order_idempotency_keys SET order_id = \(bind: order.id) WHERE customer_id = \(bind: customerID) AND idempotency_key = \(bind: key)
                """
            ).run()
        }
        logger.info("order placed", metadata: ["order.id": "\(order.id)", "restaurant.id": "\(order.restaurantID)"])
        return order
    }

    /// Authorises the payment, then confirms the order — or records why it could not.
    private func settlePayment(_ placed: Order, card: String) async throws -> Order {
        let outcome = await payments.authorize(orderID: placed.id, customerID: placed.customerID, amount: placed.total, card: card)
        switch outcome {
        case .authorized(let paymentID):
            // Availability is checked again after authorisation: an item may have sold out meanwhile.
            let items = try await catalog.items(restaurantID: placed.restaurantID)
            let soldOut = placed.lines.first { line in
                guard let item = items.first(where: { $0.id == line.itemID }) else { return true }
                return item.isSoldOut
                    || line.options.contains { chosen in
                        item.groups.contains { $0.options.contains { $0.id == chosen.id && $0.isSoldOut } }
                    }
            }
            if let soldOut {
                return try await move(
                    placed.id, to: .cancelled, by: .system, actorID: nil, reason: "\(soldOut.name) sold out before confirmation",
                    change: {
                        $0.paymentID = paymentID
                    })
            }
            let deadline = clock.now().addingTimeInterval(settings.acceptTimeout)
            return try await move(
                placed.id, to: .confirmed, by: .system, actorID: nil, reason: "payment authorised",
                change: {
                    $0.paymentID = paymentID
                    $0.acceptDeadline = deadline
                })
        case .declined(let paymentID, let reason):
            _ = try await move(placed.id, to: .paymentFailed, by: .system, actorID: nil, reason: reason, change: { $0.paymentID = paymentID })
            throw OrderingError.paymentDeclined(orderID: placed.id, reason: reason)
        case .unavailable:
            _ = try await move(placed.id, to: .paymentFailed, by: .system, actorID: nil, reason: "payment provider unavailable")
            throw OrderingError.paymentUnavailable(orderID: placed.id)
        }
    }

    static func fingerprint(request: OrderRequest, card: String) -> String {
        struct Fingerprinted: Encodable {
            let request: OrderRequest
            let card: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(Fingerprinted(request: request, card: card))) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Lifecycle

    /// The single path for every status change: checks the state machine, updates the row only
    /// if nobody moved it meanwhile, and records history and outbox event in one transaction.
    @discardableResult
    public func move(
        _ orderID: UUID, to target: OrderStatus, by actor: OrderActor, actorID: UUID?, reason: String?,
        authorize: @escaping @Sendable (Order) throws -> Void = { _ in },
        change: @escaping @Sendable (inout Order) -> Void = { _ in }
    ) async throws -> Order {
        let now = clock.now()
        return try await database.transaction { db in
            guard var order = try await store.order(id: orderID, on: db, forUpdate: true) else {
                throw NotFoundError(entity: "order", id: orderID.uuidString)
            }
            try authorize(order)
            let from = order.status
            try OrderStateMachine.check(from: from, to: target, by: actor)
            order.status = target
            order.updatedAt = now
            change(&order)
            guard try await store.updateStatus(order, expected: from, on: db) else {
                let current = try await store.order(id: orderID, on: db)?.status ?? from
                throw OrderingError.illegalTransition(from: current, to: target)
            }
            try await store.record(
                OrderStatusChange(from: from, to: target, actor: actor, actorID: actorID, reason: reason, at: now), of: order, on: db)
            return order
        }
    }

    public func cancel(orderID: UUID, customerID: UUID, reason: String?) async throws -> Order {
        try await move(
            orderID, to: .cancelled, by: .customer, actorID: customerID, reason: reason ?? "cancelled by customer",
            authorize: { order in guard order.customerID == customerID else { throw NotFoundError(entity: "order", id: orderID.uuidString) } })
    }

    /// A restaurant step (accept, reject, preparing, ready), only on the staff member's own restaurant.
    public func restaurantMove(orderID: UUID, to target: OrderStatus, staffID: UUID, reason: String?) async throws -> Order {
        let restaurantID = try await catalog.restaurantID(ownedBy: staffID)
        return try await move(
            orderID, to: target, by: .restaurant, actorID: staffID, reason: reason,
            authorize: { order in guard order.restaurantID == restaurantID else { throw NotFoundError(entity: "order", id: orderID.uuidString) } },
            change: { order in order.acceptDeadline = nil })
    }

    /// A courier step (picked up, delivered), only by the courier assigned to the order.
    public func courierMove(orderID: UUID, to target: OrderStatus, courierID: UUID) async throws -> Order {
        try await move(
            orderID, to: target, by: .courier, actorID: courierID, reason: nil,
            authorize: { order in guard order.courierID == courierID else { throw NotFoundError(entity: "order", id: orderID.uuidString) } })
    }

    /// Expires confirmed orders whose restaurant did not answer in time. Returns how many.
    @discardableResult
    public func expireOverdue() async throws -> Int {
        var expired = 0
        for id in try await store.overdueConfirmed(now: clock.now()) {
            do {
                try await move(
                    id, to: .expired, by: .system, actorID: nil, reason: "restaurant did not answer within \(Int(settings.acceptTimeout)) s")
                expired += 1
            } catch OrderingError.illegalTransition {
                continue  // accepted or cancelled meanwhile
            }
        }
        return expired
    }

    /// Fails orders whose placement was interrupted before the payment settled, so they never
    /// stay `placed` forever; the `payment_failed` reaction voids whatever the provider holds.
    @discardableResult
    public func failInterruptedPlacements() async throws -> Int {
        var failed = 0
        for id in try await store.stalePlaced(before: clock.now().addingTimeInterval(-settings.interruptedPlacementAfter)) {
            do {
                try await move(id, to: .paymentFailed, by: .system, actorID: nil, reason: "placement interrupted before the payment settled")
                failed += 1
            } catch OrderingError.illegalTransition {
                continue  // settled meanwhile
            }
        }
        return failed
    }

    /// Gives the order to a courier. False when it already has one or no longer needs one.
    public func assignCourier(orderID: UUID, courierID: UUID, reason: String) async throws -> Bool {
        let now = clock.now()
        return try await database.transaction { db in
            guard try await store.assignCourier(orderID: orderID, courierID: courierID, at: now, on: db),
                let order = try await store.order(id: orderID, on: db)
            else { return false }
            let payload = OrderEventPayload(
                orderID: order.id, customerID: order.customerID, restaurantID: order.restaurantID, courierID: courierID,
                paymentID: order.paymentID, from: order.status, to: order.status, total: order.total, reason: reason)
            try await Outbox.append(DomainEvent(type: "order.courier_assigned", aggregateID: order.id, occurredAt: now, payload: payload), on: db)
            return true
        }
    }

    // MARK: Reads, per viewer

    /// The order with its history, if `viewer` may see it; otherwise not found.
    public func order(id: UUID, viewer: Principal) async throws -> Order {
        guard let order = try await store.order(id: id, withHistory: true), try await mayView(order, viewer) else {
            throw NotFoundError(entity: "order", id: id.uuidString)
        }
        return order
    }

    func mayView(_ order: Order, _ viewer: Principal) async throws -> Bool {
        switch viewer.role {
        case .customer: order.customerID == viewer.userID
        case .courier: order.courierID == viewer.userID
        case .operator: true
        case .staff: try await catalog.restaurantID(ownedBy: viewer.userID) == order.restaurantID
        }
    }

    public func customerOrders(customerID: UUID, limit: Int) async throws -> [Order] {
        try await store.orders(where: "customer_id", equals: customerID, statuses: nil, limit: limit)
    }

    /// The staff member's restaurant's orders; `activeOnly` limits to orders still in progress.
    public func restaurantOrders(restaurantID: UUID, staffID: UUID, activeOnly: Bool, limit: Int) async throws -> [Order] {
        guard try await catalog.restaurantID(ownedBy: staffID) == restaurantID else {
            throw ForbiddenError("this restaurant is run by another account")
        }
        return try await store.orders(where: "restaurant_id", equals: restaurantID, statuses: activeOnly ? OrderStatus.active : nil, limit: limit)
    }

    public func courierOrders(courierID: UUID, activeOnly: Bool, limit: Int) async throws -> [Order] {
        try await store.orders(
            where: "courier_id", equals: courierID, statuses: activeOnly ? [.accepted, .preparing, .ready, .pickedUp] : nil, limit: limit)
    }
}
