import Core
import Crypto
import Events
import Foundation
import Logging
import Metrics
import Storage
import Synchronization

/// Quotes, placement, the order lifecycle and who may see and change which order.
///
/// Placement is idempotent per customer and `Idempotency-Key`, as Stripe does it: the key is
/// claimed in the same transaction that writes the order, so a concurrent duplicate gets 409
/// (with `Retry-After`) while the first is running — payment included — and, once the first has
/// answered, a retry replays that answer (its status and body, a 402 or 503 included). The same
/// key with another body is refused (422). An order is confirmed only after its payment is
/// authorised and its items are still available. A placement interrupted by a crash is settled
/// by `settleInterruptedPlacements()` within seconds, from what the payment provider holds.
///
/// This service never captures or voids a payment itself: those react to its outbox events.
public struct OrderService: Sendable {
    public struct Settings: Sendable {
        /// How long a restaurant has to accept a confirmed order.
        public var acceptTimeout: TimeInterval = 600
        /// An order still `placed` this long after placement lost its placing request (the
        /// process died); it is settled from the provider's answer. Must exceed the payment
        /// deadline.
        public var interruptedPlacementAfter: TimeInterval = 10
        /// Flag for operators: accepted this long and still no courier.
        public var courierWait: TimeInterval = 600
        /// Flag for operators: ready with a courier assigned, not picked up this long.
        public var pickupWait: TimeInterval = 600
        /// Flag for operators: picked up and not delivered this long.
        public var deliveryWait: TimeInterval = 2_700
        /// The restaurant is reminded of an unanswered order this long before it expires.
        public var acceptReminderLead: TimeInterval = 180
        /// A restaurant may refund its own orders this long after delivery.
        public var restaurantRefundWindow: TimeInterval = 48 * 3600
        public init() {}
    }

    let store: OrderStore
    let database: any Database
    let catalog: any CatalogPort
    let payments: any PaymentPort
    let calculator: QuoteCalculator
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    /// Learned preparation time per restaurant, and when it was read.
    private let preparationCache = PreparationCache()

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

    /// The schema of the tables this service owns.
    public static var migrations: [Migration] { OrderStore.migrations }

    // MARK: Quote and place

    public func quote(_ request: OrderRequest) async throws -> Quote {
        try await price(request).quote
    }

    /// Prices `request` from the catalog; also returns the menu it was priced against.
    private func price(_ request: OrderRequest) async throws -> (quote: Quote, menu: PricingMenu) {
        try request.validate()
        guard let menu = try await catalog.pricingMenu(restaurantID: request.restaurantID, at: clock.now()) else {
            throw NotFoundError(entity: "restaurant", id: request.restaurantID.uuidString)
        }
        return (try calculator.quote(request, menu: menu), menu)
    }

    public struct Placement: Sendable {
        public let order: Order
        /// True when this answers a retry of an earlier request with the same key.
        public let replayed: Bool
        /// The order as answered the first time, in the API's JSON: a replay sends these bytes again.
        public let body: Data
    }

    /// What an idempotency key stands for once its request has answered.
    enum Outcome: String {
        case created
        case declined
        case unavailable
        case soldOut = "sold_out"
    }

    /// Idempotency keys: 1 to 255 visible ASCII characters.
    public static func validate(idempotencyKey: String) throws {
        guard (1...255).contains(idempotencyKey.utf8.count), idempotencyKey.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw OrderingError.missingIdempotencyKey
        }
    }

    public func place(customerID: UUID, idempotencyKey: String, request: OrderRequest, card: String) async throws -> Placement {
        let started = ContinuousClock.now
        var outcome = "error"
        defer {
            Timer(label: "tiffin_order_placement_seconds", dimensions: [("outcome", outcome)], preferredDisplayUnit: .seconds)
                .recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        }
        try Self.validate(idempotencyKey: idempotencyKey)
        try request.validate()
        let hash = Self.fingerprint(request: request, cardLast4: PaymentCard.last4(card))
        let priced: (quote: Quote, menu: PricingMenu)
        do {
            priced = try await price(request)
        } catch {
            // A retry of a key that has answered replays that answer, even if the same request
            // would not price now (the restaurant closed meanwhile). The key is looked up only here:
            // on the way to a new order, claiming it is the check.
            if let earlier = try await store.idempotencyKey(customerID: customerID, key: idempotencyKey) {
                outcome = "replayed"
                return try await answer(for: earlier, hash: hash)
            }
            throw error
        }
        let now = clock.now()
        let quote = priced.quote
        let order = Order(
            id: UUID.timeOrdered(at: now), customerID: customerID, restaurantID: quote.restaurantID, restaurantName: quote.restaurantName,
            status: .placed,
            lines: quote.lines, subtotal: quote.subtotal, deliveryFee: quote.deliveryFee, serviceFee: quote.serviceFee, total: quote.total,
            deliveryLocation: quote.deliveryLocation, deliveryAddress: quote.deliveryAddress, pickupLocation: priced.menu.restaurant.location,
            etaMinutes: quote.etaMinutes, paymentID: nil, courierID: nil, placedAt: now, updatedAt: now, acceptDeadline: nil, readyBy: nil,
            attention: nil,
            history: nil, refunds: nil)
        do {
            try await store.insertPlaced(order, key: idempotencyKey, requestHash: hash, actorID: customerID)
        } catch is OrderStore.KeyTaken {
            // Another request with this key got there between our read and our write.
            guard let earlier = try await store.idempotencyKey(customerID: customerID, key: idempotencyKey) else {
                throw OrderingError.requestInProgress
            }
            outcome = "replayed"
            return try await answer(for: earlier, hash: hash)
        }
        logger.debug("order placed", metadata: ["order.id": "\(order.id)", "restaurant.id": "\(order.restaurantID)"])
        let authorization = try await payments.authorize(orderID: order.id, customerID: customerID, amount: order.total, card: card)
        do {
            let placement = try await settle(order, authorization)
            outcome = "confirmed"
            return placement
        } catch let error as OrderingError {
            outcome = "\(error.problem.type)"
            throw error
        }
    }

    /// The answer an earlier request with this key gave, or 409 while it is still running.
    private func answer(for earlier: OrderStore.KeyRow, hash: String) async throws -> Placement {
        guard earlier.requestHash == hash else { throw OrderingError.idempotencyKeyReused }
        guard let outcome = earlier.outcome.flatMap(Outcome.init(rawValue:)), let response = earlier.response, let orderID = earlier.orderID
        else { throw OrderingError.requestInProgress }
        switch outcome {
        case .created:
            let body = Data(response.utf8)
            return Placement(order: try TiffinJSON.decoder.decode(Order.self, from: body), replayed: true, body: body)
        case .declined: throw OrderingError.paymentDeclined(orderID: orderID, reason: response)
        case .unavailable: throw OrderingError.paymentUnavailable(orderID: orderID)
        case .soldOut: throw OrderingError.soldOutDuringPayment(orderID: orderID, name: response)
        }
    }

    /// Confirms or fails a placed order from its authorisation, and stores the answer its key
    /// stands for in the same transaction. Throws the failure the placing request answers with.
    private func settle(_ placed: Order, _ authorization: AuthorizationOutcome) async throws -> Placement {
        let now = clock.now()
        var order = placed
        order.updatedAt = now
        let change: (OrderStatus, String?)
        let key: (Outcome, String)
        switch authorization {
        case .authorized(let paymentID):
            order.paymentID = paymentID
            // Availability is checked again after authorisation: an item may have sold out meanwhile.
            if let soldOut = try await unavailableLine(of: placed) {
                change = (.cancelled, "\(soldOut) sold out before confirmation")
                key = (.soldOut, soldOut)
            } else {
                order.acceptDeadline = now.addingTimeInterval(settings.acceptTimeout)
                change = (.confirmed, "payment authorised")
                key = (.created, "")
            }
        case .declined(let paymentID, let reason):
            order.paymentID = paymentID
            change = (.paymentFailed, reason)
            key = (.declined, reason)
        case .unavailable:
            change = (.paymentFailed, "payment provider unavailable")
            key = (.unavailable, "")
        }
        order.status = change.0
        try OrderStateMachine.check(from: .placed, to: order.status, by: .system)
        let body = try TiffinJSON.encoder.encode(order)
        let settled = order
        let record = OrderStatusChange(from: .placed, to: settled.status, actor: .system, actorID: nil, reason: change.1, at: now)
        let response = key.0 == .created ? String(decoding: body, as: UTF8.self) : key.1
        let completion = OrderStore.completingKey(orderID: settled.id, outcome: key.0.rawValue, response: response, at: now)
        // One statement on PostgreSQL, so no transaction round trips; one transaction on SQLite.
        let moved = try await database.write { db in
            try await OrderStore.transition(settled, from: .placed, change: record, also: [completion], on: db)
        }
        guard moved else {
            // Settled meanwhile by recovery: answer as it did.
            guard let key = try await store.idempotencyKeyOfOrder(placed) else { throw OrderingError.requestInProgress }
            return try await answer(for: key, hash: key.requestHash)
        }
        Counter(label: "tiffin_order_transitions_total", dimensions: [("to", settled.status.rawValue)]).increment()
        switch key.0 {
        case .created: return Placement(order: settled, replayed: false, body: body)
        case .declined: throw OrderingError.paymentDeclined(orderID: settled.id, reason: key.1)
        case .unavailable: throw OrderingError.paymentUnavailable(orderID: settled.id)
        case .soldOut: throw OrderingError.soldOutDuringPayment(orderID: settled.id, name: key.1)
        }
    }

    /// The name of the first line whose item or option is no longer available, if any.
    private func unavailableLine(of order: Order) async throws -> String? {
        guard let menu = try await catalog.pricingMenu(restaurantID: order.restaurantID, at: clock.now()) else { return order.lines.first?.name }
        let items = Dictionary(menu.items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return order.lines.first { line in
            guard let item = items[line.itemID] else { return true }
            return item.isSoldOut
                || line.options.contains { chosen in item.groups.contains { $0.options.contains { $0.id == chosen.id && $0.isSoldOut } } }
        }?.name
    }

    /// The fingerprint an idempotency key is checked against: the request and the card's last
    /// four digits. Never the full card number — with the last four stored beside it, a hash of
    /// the number is inverted in seconds. A retry with another card ending in the same digits
    /// replays the first answer, which is what the key promises.
    static func fingerprint(request: OrderRequest, cardLast4: String) -> String {
        struct Fingerprinted: Encodable {
            let request: OrderRequest
            let cardLast4: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(Fingerprinted(request: request, cardLast4: cardLast4))) ?? Data()
        return hexString(SHA256.hash(data: data))
    }

    /// Settles orders still `placed` after `interruptedPlacementAfter`: their placing request
    /// died (a crash). The provider is asked what it holds under the order's key: a hold confirms
    /// the order (items permitting), anything else fails it; the hold of a failed order is
    /// voided by the reaction. A retry of the key then replays this answer. Returns how many.
    @discardableResult
    public func settleInterruptedPlacements() async throws -> Int {
        var settled = 0
        for order in try await store.stalePlaced(before: clock.now().addingTimeInterval(-settings.interruptedPlacementAfter)) {
            let authorization: AuthorizationOutcome
            do {
                authorization = try await payments.recover(orderID: order.id, customerID: order.customerID, amount: order.total)
            } catch {
                logger.warning("could not settle an interrupted placement yet", metadata: ["order.id": "\(order.id)", "error": "\(error)"])
                continue
            }
            do {
                _ = try await settle(order, authorization)
            } catch is OrderingError {
                // A failed settlement is still a settlement.
            } catch {
                // One order that cannot be settled now does not keep the others waiting.
                logger.warning("could not settle an interrupted placement yet", metadata: ["order.id": "\(order.id)", "error": "\(error)"])
                continue
            }
            logger.notice("settled an interrupted placement", metadata: ["order.id": "\(order.id)"])
            settled += 1
        }
        return settled
    }

    // MARK: Lifecycle

    /// The single path for every status change after placement: checks the state machine and
    /// the caller's right to the order, updates the row only if nobody moved it meanwhile, and
    /// records history and outbox event in one transaction.
    @discardableResult
    func move(
        _ orderID: UUID, to target: OrderStatus, by actor: OrderActor, actorID: UUID?, reason: String?,
        authorize: @escaping @Sendable (Order) throws -> Void = { _ in },
        change: @escaping @Sendable (inout Order) -> Void = { _ in }
    ) async throws -> Order {
        let now = clock.now()
        let kind = database.kind
        let moved = try await database.transaction { db in
            guard var order = try await OrderStore.order(id: orderID, on: db, kind: kind, forUpdate: true) else {
                throw NotFoundError(entity: "order", id: orderID.uuidString)
            }
            try authorize(order)
            let from = order.status
            try OrderStateMachine.check(from: from, to: target, by: actor)
            order.status = target
            order.updatedAt = now
            order.attention = nil
            change(&order)
            let record = OrderStatusChange(from: from, to: target, actor: actor, actorID: actorID, reason: reason, at: now)
            guard try await OrderStore.transition(order, from: from, change: record, on: db) else {
                let current = try await OrderStore.order(id: orderID, on: db, kind: kind)?.status ?? from
                throw OrderingError.illegalTransition(from: current, to: target)
            }
            return order
        }
        Counter(label: "tiffin_order_transitions_total", dimensions: [("to", target.rawValue)]).increment()
        return moved
    }

    /// Ends an order before delivery, by whoever may: its customer (once confirmed, before the
    /// restaurant accepts), its restaurant (once accepted, before pickup: it cannot fulfil it) or
    /// an operator (any time before delivery). Restaurants and operators must say why. The
    /// payment's hold is released by the reaction to `order.cancelled`.
    public func cancel(orderID: UUID, by viewer: Principal, reason: String?) async throws -> Order {
        let notFound = NotFoundError(entity: "order", id: orderID.uuidString)
        switch viewer.role {
        case .customer:
            return try await move(
                orderID, to: .cancelled, by: .customer, actorID: viewer.userID, reason: reason ?? "cancelled by the customer",
                authorize: { order in
                    guard order.customerID == viewer.userID else { throw notFound }
                    if order.status == .placed { throw OrderingError.paymentInProgress }
                })
        case .staff:
            let reason = try Self.requireReason(reason)
            let restaurantID = try await catalog.restaurantID(ownedBy: viewer.userID)
            return try await move(
                orderID, to: .cancelled, by: .restaurant, actorID: viewer.userID, reason: reason,
                authorize: { order in guard order.restaurantID == restaurantID else { throw notFound } },
                change: { $0.acceptDeadline = nil })
        case .operator:
            let reason = try Self.requireReason(reason)
            return try await move(orderID, to: .cancelled, by: .operator, actorID: viewer.userID, reason: reason, change: { $0.acceptDeadline = nil })
        case .courier:
            throw ForbiddenError("a courier cannot cancel an order; hand it back before pickup instead")
        }
    }

    static func requireReason(_ reason: String?) throws -> String {
        guard let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
            throw ValidationError(field: "reason", reason: "is required: say why the order is cancelled")
        }
        return reason
    }

    /// A restaurant step (accept, reject, preparing, ready), only on the staff member's own restaurant.
    /// Accepting sets when the food will be ready: in `prepMinutes` when the kitchen gives a time,
    /// otherwise after the restaurant's usual preparation time (`preparationTime`).
    public func restaurantMove(
        orderID: UUID, to target: OrderStatus, staffID: UUID, reason: String?, prepMinutes: Int? = nil
    ) async throws -> Order {
        guard let restaurantID = try await catalog.restaurantID(ownedBy: staffID) else {
            throw NotFoundError(entity: "order", id: orderID.uuidString)
        }
        if prepMinutes != nil, target != .accepted {
            throw ValidationError(field: "prepMinutes", reason: "is given only when accepting an order")
        }
        var preparation: TimeInterval?
        if target == .accepted {
            if let prepMinutes {
                preparation = TimeInterval(prepMinutes * 60)
            } else {
                preparation = try await preparationTime(restaurantID: restaurantID)
            }
        }
        let readyBy = preparation.map { clock.now().addingTimeInterval($0) }
        return try await move(
            orderID, to: target, by: .restaurant, actorID: staffID, reason: reason,
            authorize: { order in guard order.restaurantID == restaurantID else { throw NotFoundError(entity: "order", id: orderID.uuidString) } },
            change: { order in
                order.acceptDeadline = nil
                if let readyBy { order.readyBy = readyBy }
            })
    }

    /// A courier step (picked up, delivered), only by the courier assigned to the order.
    public func courierMove(orderID: UUID, to target: OrderStatus, courierID: UUID) async throws -> Order {
        try await move(
            orderID, to: target, by: .courier, actorID: courierID, reason: nil,
            authorize: { order in guard order.courierID == courierID else { throw NotFoundError(entity: "order", id: orderID.uuidString) } })
    }

    /// The assigned courier gives an order back before pickup; it goes back to dispatch, which
    /// will not give it to this courier again.
    public func handBack(orderID: UUID, courierID: UUID, reason: String?) async throws -> Order {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty ?? "handed back by the courier"
        switch try await store.releaseCourier(orderID: orderID, courierID: courierID, reason: reason, at: clock.now()) {
        case .released(let order):
            logger.info("courier handed an order back", metadata: ["order.id": "\(orderID)", "courier.id": "\(courierID)"])
            return order
        case .notTheirs: throw NotFoundError(entity: "order", id: orderID.uuidString)
        case .notHandBackable(let status): throw OrderingError.notHandBackable(status: status)
        }
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

    /// Reminds restaurants of confirmed orders that expire within `acceptReminderLead`, once per
    /// order, with an `order.accept_reminder` event. Returns how many were reminded.
    @discardableResult
    public func remindUnansweredOrders() async throws -> Int {
        let now = clock.now()
        var reminded = 0
        for order in try await store.unremindedConfirmed(expiringBefore: now.addingTimeInterval(settings.acceptReminderLead), after: now) {
            guard let deadline = order.acceptDeadline else { continue }
            let payload = AcceptReminderDue(
                orderID: order.id, customerID: order.customerID, restaurantID: order.restaurantID, acceptDeadline: deadline)
            let event = try DomainEvent(type: .orderAcceptReminder, aggregateID: order.id, occurredAt: now, payload: payload)
            if try await store.recordMilestone("accept_reminder", orderID: order.id, at: now, event: event) { reminded += 1 }
        }
        return reminded
    }

    /// Records that the order's courier came close (to the drop-off with the food, or to the
    /// restaurant to collect it), once per order and milestone, with its event. False when it
    /// was recorded before, or the order no longer fits (delivered, ended, another courier).
    @discardableResult
    public func recordProximity(orderID: UUID, courierID: UUID, milestone: ProximityMilestone, distanceMetres: Int) async throws -> Bool {
        guard let order = try await store.order(id: orderID), order.courierID == courierID else { return false }
        switch milestone {
        case .courierNearby: guard order.status == .pickedUp else { return false }
        case .courierArriving: guard [.accepted, .preparing, .ready].contains(order.status) else { return false }
        }
        let now = clock.now()
        let payload = CourierProximity(
            orderID: orderID, customerID: order.customerID, restaurantID: order.restaurantID, courierID: courierID, milestone: milestone,
            distanceMetres: distanceMetres)
        let event = try DomainEvent(type: .order(milestone), aggregateID: orderID, occurredAt: now, payload: payload)
        return try await store.recordMilestone(milestone.rawValue, orderID: orderID, at: now, event: event)
    }

    /// Flags orders that wait too long for a courier, a pickup or a delivery, once per wait, with
    /// an `order.needs_attention` event; the flag clears when the order moves on. Also publishes
    /// how many orders are in each active status. Returns how many were flagged.
    @discardableResult
    public func flagOrdersNeedingAttention() async throws -> Int {
        let now = clock.now()
        var flagged = 0
        let waits: [(AttentionReason, TimeInterval)] = [
            (.waitingForCourier, settings.courierWait), (.waitingForPickup, settings.pickupWait), (.waitingForDelivery, settings.deliveryWait),
        ]
        for (reason, wait) in waits {
            for (order, since) in try await store.attentionCandidates(reason, before: now.addingTimeInterval(-wait), limit: 200)
            where try await store.flag(order, reason: reason, since: since, at: now) {
                flagged += 1
                logger.warning("order needs attention", metadata: ["order.id": "\(order.id)", "attention": "\(reason.rawValue)"])
            }
        }
        let counts = try await store.activeCounts()
        for status in OrderStatus.active {
            Gauge(label: "tiffin_orders_active", dimensions: [("status", status.rawValue)]).record(counts[status] ?? 0)
        }
        return flagged
    }

    /// Gives the order to a courier. False when it already has one, no longer needs one, or this
    /// courier handed it back.
    public func assignCourier(orderID: UUID, courierID: UUID, reason: String) async throws -> Bool {
        try await store.assignCourier(orderID: orderID, courierID: courierID, reason: reason, at: clock.now())
    }

    // MARK: Refunds

    /// Refunds part or all of a delivered order's payment. Operators may refund any delivered
    /// order up to what was captured; a restaurant its own orders, within
    /// `restaurantRefundWindow` of delivery, up to the order's subtotal (the food) across all
    /// refunds — fees are the platform's to give back. Idempotent per caller and key.
    public func refund(
        orderID: UUID, by viewer: Principal, amount: Int64?, reason: String, idempotencyKey: String
    ) async throws -> (refund: OrderRefund, replayed: Bool) {
        try Self.validate(idempotencyKey: idempotencyKey)
        guard let order = try await store.order(id: orderID) else { throw NotFoundError(entity: "order", id: orderID.uuidString) }
        let actor: OrderActor
        var cap: Int64?
        switch viewer.role {
        case .operator:
            actor = .operator
        case .staff:
            guard try await catalog.restaurantID(ownedBy: viewer.userID) == order.restaurantID else {
                throw NotFoundError(entity: "order", id: orderID.uuidString)
            }
            actor = .restaurant
            if order.status == .delivered {
                let deliveredAt = try await store.deliveredAt(orderID: orderID) ?? order.updatedAt
                guard clock.now().timeIntervalSince(deliveredAt) <= settings.restaurantRefundWindow else {
                    throw OrderingError.refundWindowClosed(hours: Int(settings.restaurantRefundWindow / 3600))
                }
                cap = order.subtotal.amount
            }
        case .customer, .courier:
            throw ForbiddenError("refunds are made by the restaurant or an operator")
        }
        guard order.status == .delivered else { throw OrderingError.notDelivered(status: order.status) }
        return try await payments.refund(
            RefundRequest(
                orderID: orderID, amount: amount, reason: reason, actor: actor, actorID: viewer.userID, idempotencyKey: idempotencyKey, cap: cap))
    }

    // MARK: Reads, per viewer

    /// The order with its history and refunds, if `viewer` may see it; otherwise not found.
    /// Who made each change (an account id) is shown to operators only.
    public func order(id: UUID, viewer: Principal) async throws -> Order {
        guard var order = try await store.order(id: id, withHistory: true), try await mayView(order, viewer) else {
            throw NotFoundError(entity: "order", id: id.uuidString)
        }
        if viewer.role != .operator {
            order.history = order.history?.map { change in
                var change = change
                change.actorID = nil
                return change
            }
        }
        order.refunds = try await payments.refunds(orderID: id)
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
        var filter = OrderFilter(limit: limit)
        filter.customerID = customerID
        return try await store.orders(filter, cursor: nil)
    }

    /// The staff member's restaurant's orders; `activeOnly` limits to orders still in progress.
    public func restaurantOrders(restaurantID: UUID, staffID: UUID, activeOnly: Bool, limit: Int) async throws -> [Order] {
        guard try await catalog.restaurantID(ownedBy: staffID) == restaurantID else {
            throw ForbiddenError("this restaurant is run by another account")
        }
        var filter = OrderFilter(limit: limit)
        filter.restaurantID = restaurantID
        filter.statuses = activeOnly ? OrderStatus.active : nil
        return try await store.orders(filter, cursor: nil)
    }

    /// Today's orders and revenue of the staff member's restaurant, in its time zone.
    public func restaurantToday(restaurantID: UUID, staffID: UUID) async throws -> RestaurantDay {
        guard try await catalog.restaurantID(ownedBy: staffID) == restaurantID,
            let restaurant = try await catalog.pricingMenu(restaurantID: restaurantID, at: clock.now())?.restaurant
        else {
            throw ForbiddenError("this restaurant is run by another account")
        }
        let zone = TimeZone(identifier: restaurant.timeZone) ?? .gmt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: clock.now())
        let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        let totals = try await store.statusTotals(restaurantID: restaurantID, from: start, to: end)
        func count(_ statuses: [OrderStatus]) -> Int { totals.filter { statuses.contains($0.status) }.reduce(0) { $0 + $1.count } }
        let day = calendar.dateComponents([.year, .month, .day], from: start)
        let inProgress = count([.confirmed, .accepted, .preparing, .ready, .pickedUp])
        let delivered = count([.delivered])
        let notFulfilled = count([.rejected, .cancelled, .expired])
        return RestaurantDay(
            date: String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0), timeZone: zone.identifier,
            orders: inProgress + delivered + notFulfilled, inProgress: inProgress, delivered: delivered, notFulfilled: notFulfilled,
            revenue: Money(totals.filter { $0.status == .delivered }.reduce(0) { $0 + $1.subtotalMinor }, restaurant.currency))
    }

    public func courierOrders(courierID: UUID, activeOnly: Bool, limit: Int) async throws -> [Order] {
        var filter = OrderFilter(limit: limit)
        filter.courierID = courierID
        filter.statuses = activeOnly ? [.accepted, .preparing, .ready, .pickedUp] : nil
        return try await store.orders(filter, cursor: nil)
    }

    /// Every order matching `filter`, for operators: a page and the cursor of the next one.
    public func operatorOrders(_ filter: OrderFilter) async throws -> OrderPage {
        let cursor = try filter.cursor.map(Self.decodeCursor)
        let orders = try await store.orders(filter, cursor: cursor)
        let next = orders.count == filter.limit ? orders.last.map { Self.encodeCursor(placedAt: $0.placedAt, id: $0.id) } : nil
        return OrderPage(orders: orders, nextCursor: next)
    }

    static func encodeCursor(placedAt: Date, id: UUID) -> String {
        Data("\(Int64((placedAt.timeIntervalSince1970 * 1_000_000).rounded())):\(id.uuidString)".utf8).base64EncodedString()
    }

    static func decodeCursor(_ text: String) throws -> (placedAt: Date, id: UUID) {
        guard let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8) else {
            throw ValidationError(field: "cursor", reason: "is not a cursor from an earlier page")
        }
        let parts = plain.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])),
            TiffinJSON.supportedRange.contains(Date(timeIntervalSince1970: Double(micros) / 1_000_000))
        else {
            throw ValidationError(field: "cursor", reason: "is not a cursor from an earlier page")
        }
        return (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
    }

    // MARK: Read API for other domains

    /// An order waiting for a courier, as dispatch needs it.
    /// Accepted orders without a courier, oldest first, each with when its food is expected ready.
    public func ordersAwaitingCourier(limit: Int) async throws -> [OrderAwaitingCourier] {
        let now = clock.now()
        var needs: [OrderAwaitingCourier] = []
        for waiting in try await store.awaitingCourier(limit: limit) {
            let order = waiting.order
            let ready: Date
            if let readyAt = waiting.readyAt, order.status == .ready {
                ready = readyAt
            } else if let readyBy = order.readyBy {
                ready = max(readyBy, now.addingTimeInterval(60))
            } else {
                let preparation = try await preparationTime(restaurantID: order.restaurantID)
                ready = max((waiting.acceptedAt ?? now).addingTimeInterval(preparation), now.addingTimeInterval(60))
            }
            needs.append(
                OrderAwaitingCourier(
                    orderID: order.id, restaurantID: order.restaurantID, pickup: order.pickupLocation, dropoff: order.deliveryLocation,
                    placedAt: order.placedAt, status: order.status, expectedReadyAt: ready, excludedCouriers: waiting.excludedCouriers))
        }
        return needs
    }

    /// A restaurant's preparation time, learned from its own history: the median of its latest 20
    /// accepted → ready durations once it has 3, before that the time it declares. Cached a minute.
    public func preparationTime(restaurantID: UUID) async throws -> TimeInterval {
        let now = clock.now()
        if let cached = preparationCache.entries.withLock({ $0[restaurantID] }), now.timeIntervalSince(cached.at) < 60 { return cached.seconds }
        let samples = try await store.preparationSamples(restaurantID: restaurantID, limit: 20).sorted()
        let seconds: TimeInterval
        if samples.count >= 3 {
            seconds = samples[samples.count / 2]
        } else {
            seconds = Double(try await catalog.pricingMenu(restaurantID: restaurantID, at: now)?.restaurant.prepMinutes ?? 15) * 60
        }
        preparationCache.entries.withLock { $0[restaurantID] = (seconds, now) }
        return seconds
    }

    /// An order a courier has taken and not yet delivered.
    /// Every order with a courier that is not yet delivered: read a page at a time.
    public func activeDeliveries(pageSize: Int = 1_000) async throws -> [ActiveDelivery] {
        var all: [ActiveDelivery] = []
        var after: UUID?
        while true {
            let page = try await store.activeDeliveries(after: after, limit: pageSize)
            all += page
            guard page.count == pageSize, let last = page.last else { return all }
            after = last.orderID
        }
    }

    /// The order's delivery as it is now, while it has a courier and is not delivered; nil
    /// otherwise (and when there is no such order).
    public func activeDelivery(orderID: UUID) async throws -> ActiveDelivery? {
        try await store.order(id: orderID)?.activeDelivery
    }

    /// The order as `viewer` may read it, for another domain's live view: one row, without its
    /// history or refunds (`order(id:viewer:)` has those). `NotFoundError` for whoever may not.
    public func readableOrder(id: UUID, viewer: Principal) async throws -> Order {
        guard let order = try await store.order(id: id), try await mayView(order, viewer) else {
            throw NotFoundError(entity: "order", id: id.uuidString)
        }
        return order
    }

    /// Who may follow an order's courier: its customer, while the courier carries the food.
    public struct Tracking: Sendable {
        public let customerID: UUID
        public let restaurantID: UUID
        public let courierID: UUID?
        public let status: OrderStatus
        public let pickup: GeoPoint
        public let dropoff: GeoPoint
        public let currency: String
    }

    public func tracking(orderID: UUID) async throws -> Tracking? {
        try await store.order(id: orderID).map {
            Tracking(
                customerID: $0.customerID, restaurantID: $0.restaurantID, courierID: $0.courierID, status: $0.status, pickup: $0.pickupLocation,
                dropoff: $0.deliveryLocation, currency: $0.total.currency)
        }
    }

    /// The order with its lines, read for another domain's adapter (what a notification says):
    /// no viewer is checked, so it must never answer a request directly.
    public func orderForNotice(id: UUID) async throws -> Order? {
        try await store.order(id: id)
    }

    /// The status of each existing order among `orderIDs`.
    public func statuses(of orderIDs: [UUID]) async throws -> [UUID: OrderStatus] {
        try await store.statuses(of: orderIDs)
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// Learned preparation time per restaurant, shared by the copies of one `OrderService`.
final class PreparationCache: Sendable {
    let entries = Mutex<[UUID: (seconds: TimeInterval, at: Date)]>([:])
}
