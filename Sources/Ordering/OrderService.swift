public import Core
import Crypto
import Events
public import Foundation
public import Logging
import Metrics
public import Storage
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
        /// Period of the sweep that expires unanswered orders and flags late ones.
        public var expiryInterval: Duration = .seconds(5)
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
    let preparationCache = PreparationCache()

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
        // The provider is known to be down (its breaker is open): refuse before writing anything.
        if let wait = payments.unavailableFor() { throw OrderingError.paymentServiceDown(retryAfter: wait) }
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
}


/// Learned preparation time per restaurant, shared by the copies of one `OrderService`.
final class PreparationCache: Sendable {
    let entries = Mutex<[UUID: (seconds: TimeInterval, at: Date)]>([:])
}
