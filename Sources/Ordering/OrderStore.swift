import Core
import Events
import Foundation
import SQLKit
import Storage

/// Orders, their lines, status history, idempotency keys and courier hand-backs. Owns `orders`,
/// `order_lines`, `order_status_changes`, `order_idempotency_keys`, `order_courier_releases`:
/// every statement on these tables is here. Every status change is written with its history row
/// and its outbox event in one transaction.
struct OrderStore: Sendable {
    let database: any Database

    init(database: any Database) {
        self.database = database
    }

    static let migrations: [Migration] = [
        Migration(id: "ordering-001-orders") { t in
            [
                """
                CREATE TABLE orders (
                    id \(t.uuid) PRIMARY KEY,
                    customer_id \(t.uuid) NOT NULL,
                    restaurant_id \(t.uuid) NOT NULL,
                    restaurant_name TEXT NOT NULL,
                    status TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    subtotal_minor BIGINT NOT NULL,
                    delivery_fee_minor BIGINT NOT NULL,
                    service_fee_minor BIGINT NOT NULL,
                    total_minor BIGINT NOT NULL,
                    delivery_lat \(t.double) NOT NULL,
                    delivery_lon \(t.double) NOT NULL,
                    delivery_address TEXT NOT NULL,
                    pickup_lat \(t.double) NOT NULL,
                    pickup_lon \(t.double) NOT NULL,
                    eta_minutes BIGINT NOT NULL,
                    payment_id \(t.uuid),
                    courier_id \(t.uuid),
                    placed_at \(t.timestamp) NOT NULL,
                    updated_at \(t.timestamp) NOT NULL,
                    accept_deadline \(t.timestamp),
                    CHECK (subtotal_minor >= 0 AND total_minor >= 0)
                )
                """,
                "CREATE INDEX orders_customer ON orders (customer_id, placed_at)",
                "CREATE INDEX orders_restaurant ON orders (restaurant_id, placed_at)",
                "CREATE INDEX orders_status ON orders (status)",
                "CREATE INDEX orders_courier ON orders (courier_id)",
                """
                CREATE TABLE order_lines (
                    order_id \(t.uuid) NOT NULL REFERENCES orders(id),
                    position BIGINT NOT NULL,
                    item_id \(t.uuid) NOT NULL,
                    name TEXT NOT NULL,
                    quantity BIGINT NOT NULL CHECK (quantity > 0),
                    unit_price_minor BIGINT NOT NULL,
                    line_total_minor BIGINT NOT NULL,
                    options TEXT NOT NULL,
                    PRIMARY KEY (order_id, position)
                )
                """,
                """
                CREATE TABLE order_status_changes (
                    id \(t.uuid) PRIMARY KEY,
                    order_id \(t.uuid) NOT NULL REFERENCES orders(id),
                    from_status TEXT,
                    to_status TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    actor_id \(t.uuid),
                    reason TEXT,
                    occurred_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX order_status_changes_order ON order_status_changes (order_id, occurred_at)",
                """
                CREATE TABLE order_idempotency_keys (
                    customer_id \(t.uuid) NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    order_id \(t.uuid),
                    created_at \(t.timestamp) NOT NULL,
                    PRIMARY KEY (customer_id, idempotency_key)
                )
                """,
            ]
        },
        Migration(id: "ordering-002-lifecycle") { t in
            [
                "ALTER TABLE orders ADD COLUMN accepted_at \(t.timestamp)",
                "ALTER TABLE orders ADD COLUMN ready_at \(t.timestamp)",
                "ALTER TABLE orders ADD COLUMN picked_up_at \(t.timestamp)",
                "ALTER TABLE orders ADD COLUMN delivered_at \(t.timestamp)",
                "ALTER TABLE orders ADD COLUMN courier_assigned_at \(t.timestamp)",
                "ALTER TABLE orders ADD COLUMN attention_reason TEXT",
                "ALTER TABLE orders ADD COLUMN attention_since \(t.timestamp)",
                "CREATE INDEX orders_attention ON orders (attention_reason) WHERE attention_reason IS NOT NULL",
                "CREATE INDEX orders_placed ON orders (placed_at, id)",
                // The answer a key stands for, replayed to retries: `created` with the order as it
                // was answered, or the failure.
                "ALTER TABLE order_idempotency_keys ADD COLUMN outcome TEXT",
                "ALTER TABLE order_idempotency_keys ADD COLUMN response TEXT",
                "ALTER TABLE order_idempotency_keys ADD COLUMN completed_at \(t.timestamp)",
                "CREATE INDEX order_idempotency_keys_order ON order_idempotency_keys (order_id)",
                """
                CREATE TABLE order_courier_releases (
                    id \(t.uuid) PRIMARY KEY,
                    order_id \(t.uuid) NOT NULL REFERENCES orders(id),
                    courier_id \(t.uuid) NOT NULL,
                    reason TEXT NOT NULL,
                    released_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX order_courier_releases_order ON order_courier_releases (order_id, courier_id)",
            ]
        },
        Migration(id: "ordering-003-preparation-history") { _ in
            // Learned preparation time: a restaurant's latest accepted → ready durations.
            ["CREATE INDEX orders_restaurant_ready ON orders (restaurant_id, ready_at)"]
        },
        // Notices recorded once per order: the accept reminder, and a courier coming close.
        Migration(id: "ordering-004-notices") { t in
            [
                """
                CREATE TABLE order_milestones (
                    order_id \(t.uuid) NOT NULL,
                    milestone TEXT NOT NULL,
                    at \(t.timestamp) NOT NULL,
                    PRIMARY KEY (order_id, milestone)
                )
                """,
                "CREATE INDEX orders_confirmed_deadline ON orders (accept_deadline) WHERE status = 'confirmed'",
            ]
        },
        // The time the restaurant gave on accepting (today's orders use `orders_restaurant`).
        Migration(id: "ordering-005-ready-by") { t in
            ["ALTER TABLE orders ADD COLUMN ready_by \(t.timestamp)"]
        },
    ]

    // MARK: Rows

    struct OrderRow: Codable {
        let id: UUID
        let customerID: UUID
        let restaurantID: UUID
        let restaurantName: String
        let status: String
        let currency: String
        let subtotalMinor: Int64
        let deliveryFeeMinor: Int64
        let serviceFeeMinor: Int64
        let totalMinor: Int64
        let deliveryLat: Double
        let deliveryLon: Double
        let deliveryAddress: String
        let pickupLat: Double
        let pickupLon: Double
        let etaMinutes: Int64
        let paymentID: UUID?
        let courierID: UUID?
        let placedAt: Date
        let updatedAt: Date
        let acceptDeadline: Date?
        let readyBy: Date?
        let deliveredAt: Date?
        let attentionReason: String?
        let attentionSince: Date?

        enum CodingKeys: String, CodingKey {
            case id, status, currency
            case customerID = "customer_id"
            case restaurantID = "restaurant_id"
            case restaurantName = "restaurant_name"
            case subtotalMinor = "subtotal_minor"
            case deliveryFeeMinor = "delivery_fee_minor"
            case serviceFeeMinor = "service_fee_minor"
            case totalMinor = "total_minor"
            case deliveryLat = "delivery_lat"
            case deliveryLon = "delivery_lon"
            case deliveryAddress = "delivery_address"
            case pickupLat = "pickup_lat"
            case pickupLon = "pickup_lon"
            case etaMinutes = "eta_minutes"
            case paymentID = "payment_id"
            case courierID = "courier_id"
            case placedAt = "placed_at"
            case updatedAt = "updated_at"
            case acceptDeadline = "accept_deadline"
            case readyBy = "ready_by"
            case deliveredAt = "delivered_at"
            case attentionReason = "attention_reason"
            case attentionSince = "attention_since"
        }

        func order(lines: [QuoteLine]) -> Order {
            Order(
                id: id, customerID: customerID, restaurantID: restaurantID, restaurantName: restaurantName,
                status: OrderStatus(rawValue: status) ?? .placed, lines: lines, subtotal: Money(subtotalMinor, currency),
                deliveryFee: Money(deliveryFeeMinor, currency), serviceFee: Money(serviceFeeMinor, currency), total: Money(totalMinor, currency),
                deliveryLocation: GeoPoint(uncheckedLat: deliveryLat, lon: deliveryLon), deliveryAddress: deliveryAddress,
                pickupLocation: GeoPoint(uncheckedLat: pickupLat, lon: pickupLon), etaMinutes: Int(etaMinutes), paymentID: paymentID,
                courierID: courierID, placedAt: placedAt, updatedAt: updatedAt, acceptDeadline: acceptDeadline,
                readyBy: readyBy,
                attention: attentionReason.flatMap(AttentionReason.init(rawValue:)).map {
                    OrderAttention(reason: $0, since: attentionSince ?? updatedAt)
                },
                history: nil, refunds: nil)
        }
    }

    struct LineRow: Codable {
        let orderID: UUID
        let position: Int64
        let itemID: UUID
        let name: String
        let quantity: Int64
        let unitPriceMinor: Int64
        let lineTotalMinor: Int64
        let options: String

        enum CodingKeys: String, CodingKey {
            case position, name, quantity, options
            case orderID = "order_id"
            case itemID = "item_id"
            case unitPriceMinor = "unit_price_minor"
            case lineTotalMinor = "line_total_minor"
        }

        func line(currency: String) throws -> QuoteLine {
            QuoteLine(
                itemID: itemID, name: name, quantity: Int(quantity),
                options: try JSONDecoder().decode([ChosenOption].self, from: Data(options.utf8)),
                unitPrice: Money(unitPriceMinor, currency), lineTotal: Money(lineTotalMinor, currency))
        }
    }

    struct ChangeRow: Codable {
        let fromStatus: String?
        let toStatus: String
        let actor: String
        let actorID: UUID?
        let reason: String?
        let occurredAt: Date

        enum CodingKeys: String, CodingKey {
            case actor, reason
            case fromStatus = "from_status"
            case toStatus = "to_status"
            case actorID = "actor_id"
            case occurredAt = "occurred_at"
        }
    }

    static let orderColumns = """
        id, customer_id, restaurant_id, restaurant_name, status, currency, subtotal_minor, delivery_fee_minor, service_fee_minor,
        total_minor, delivery_lat, delivery_lon, delivery_address, pickup_lat, pickup_lon, eta_minutes, payment_id, courier_id,
        placed_at, updated_at, accept_deadline, ready_by, delivered_at, attention_reason, attention_since
        """

    // MARK: Placement

    /// The key was taken by another request between the caller's read and this write.
    struct KeyTaken: Error {}

    /// Claims the idempotency key for the new order and, only if it was free, writes the order,
    /// its lines, its first history row and its `order.placed` event — all at once (on PostgreSQL
    /// one statement, on SQLite one transaction).
    /// - Throws: `KeyTaken` (nothing written) when the customer already used the key.
    func insertPlaced(_ order: Order, key: String, requestHash: String, actorID: UUID) async throws {
        let claim: SQLQueryString = """
            INSERT INTO order_idempotency_keys (customer_id, idempotency_key, request_hash, order_id, created_at)
            VALUES (\(bind: order.customerID), \(bind: key), \(bind: requestHash), \(bind: order.id), \(bind: order.placedAt))
            ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING order_id
            """
        let none: UUID? = nil
        let nothing: Date? = nil
        let noText: String? = nil
        let insertOrder = SQLWrite.insert(
            table: "orders", columns: Self.orderColumns,
            rows: [
                [
                    order.id, order.customerID, order.restaurantID, order.restaurantName, order.status.rawValue, order.total.currency,
                    order.subtotal.amount, order.deliveryFee.amount, order.serviceFee.amount, order.total.amount, order.deliveryLocation.lat,
                    order.deliveryLocation.lon, order.deliveryAddress, order.pickupLocation.lat, order.pickupLocation.lon, Int64(order.etaMinutes),
                    none, none, order.placedAt, order.updatedAt, nothing, nothing, nothing, noText, nothing,
                ]
            ])
        let encoder = JSONEncoder()
        let insertLines = SQLWrite.insert(
            table: "order_lines", columns: "order_id, position, item_id, name, quantity, unit_price_minor, line_total_minor, options",
            rows: try order.lines.enumerated().map { index, line in
                [
                    order.id, Int64(index), line.itemID, line.name, Int64(line.quantity), line.unitPrice.amount, line.lineTotal.amount,
                    String(decoding: try encoder.encode(line.options), as: UTF8.self),
                ]
            })
        let placed = OrderStatusChange(from: nil, to: .placed, actor: .customer, actorID: actorID, reason: nil, at: order.placedAt)
        let writes = [insertOrder, insertLines] + (try Self.recording(placed, of: order))
        guard try await database.write({ db in try await db.runGated(claim, then: writes) != nil }) else { throw KeyTaken() }
    }

    struct KeyRow: Codable {
        let requestHash: String
        let orderID: UUID?
        let outcome: String?
        let response: String?
        let createdAt: Date
        enum CodingKeys: String, CodingKey {
            case outcome, response
            case requestHash = "request_hash"
            case orderID = "order_id"
            case createdAt = "created_at"
        }
    }

    func idempotencyKey(customerID: UUID, key: String) async throws -> KeyRow? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT request_hash, order_id, outcome, response, created_at FROM order_idempotency_keys
                WHERE customer_id = \(bind: customerID) AND idempotency_key = \(bind: key)
                """
            ).first(decoding: KeyRow.self)
        }
    }

    /// The write that stores the answer the order's key stands for.
    static func completingKey(orderID: UUID, outcome: String, response: String, at: Date) -> SQLWrite {
        .update(
            "order_idempotency_keys SET outcome = \(bind: outcome), response = \(bind: response), completed_at = \(bind: at)",
            where: "order_id = \(bind: orderID)")
    }

    // MARK: Status changes

    /// The column stamped when an order enters a status, if any.
    static func stampColumn(for status: OrderStatus) -> String? {
        switch status {
        case .accepted: "accepted_at"
        case .ready: "ready_at"
        case .pickedUp: "picked_up_at"
        case .delivered: "delivered_at"
        default: nil
        }
    }

    /// Moves the row from `expected` to the order's status (clearing any attention flag) and
    /// records history and event — with `also`, further writes of the same change — in the
    /// caller's transaction. False (nothing written) if someone moved it first.
    static func transition(
        _ order: Order, from expected: OrderStatus, change: OrderStatusChange, also: [SQLWrite] = [], on db: any SQLDatabase
    ) async throws -> Bool {
        var query = SQLQueryString(
            """
            UPDATE orders SET status = \(bind: order.status.rawValue), payment_id = \(bind: order.paymentID), courier_id = \(bind: order.courierID),
                updated_at = \(bind: order.updatedAt), accept_deadline = \(bind: order.acceptDeadline),
                ready_by = \(bind: order.readyBy), attention_reason = NULL, attention_since = NULL
            """)
        if let column = stampColumn(for: order.status) {
            query.appendInterpolation(unsafeRaw: ", \(column) = ")
            query.appendInterpolation(bind: order.updatedAt)
        }
        query.appendInterpolation(unsafeRaw: " WHERE id = ")
        query.appendInterpolation(bind: order.id)
        query.appendInterpolation(unsafeRaw: " AND status = ")
        query.appendInterpolation(bind: expected.rawValue)
        query.appendInterpolation(unsafeRaw: " RETURNING id")
        return try await db.runGated(query, then: try recording(change, of: order) + also) != nil
    }

    /// The writes that record a change: its history row and its `order.<status>` event.
    static func recording(_ change: OrderStatusChange, of order: Order) throws -> [SQLWrite] {
        let history = SQLWrite.insert(
            table: "order_status_changes", columns: "id, order_id, from_status, to_status, actor, actor_id, reason, occurred_at",
            rows: [
                [
                    UUID.timeOrdered(at: change.at), order.id, change.from?.rawValue, change.to.rawValue, change.actor.rawValue, change.actorID,
                    change.reason, change.at,
                ]
            ])
        let payload = OrderStatusChanged(
            orderID: order.id, customerID: order.customerID, restaurantID: order.restaurantID, courierID: order.courierID, from: change.from,
            to: change.to, actor: change.actor, total: order.total, reason: change.reason)
        return [history, Outbox.write(try DomainEvent(type: .order(change.to), aggregateID: order.id, occurredAt: change.at, payload: payload))]
    }

    // MARK: Couriers

    /// Sets the courier unless one is set, the order left the courier-needing states, or this
    /// courier handed it back before; writes `order.courier_assigned`. False when nothing changed.
    func assignCourier(orderID: UUID, courierID: UUID, reason: String, at: Date) async throws -> Bool {
        try await database.transaction { db in
            struct Row: Decodable {
                let customerID: UUID
                let restaurantID: UUID
                let status: String
                enum CodingKeys: String, CodingKey {
                    case status
                    case customerID = "customer_id"
                    case restaurantID = "restaurant_id"
                }
            }
            guard
                let row = try await db.raw(
                    """
                    UPDATE orders SET courier_id = \(bind: courierID), courier_assigned_at = \(bind: at), updated_at = \(bind: at),
                        attention_reason = NULL, attention_since = NULL
                    WHERE id = \(bind: orderID) AND courier_id IS NULL AND status IN (\(binds: OrderStatus.awaitingPickup.map(\.rawValue)))
                        AND NOT EXISTS (SELECT 1 FROM order_courier_releases r WHERE r.order_id = \(bind: orderID) AND r.courier_id = \(bind: courierID))
                    RETURNING customer_id, restaurant_id, status
                    """
                ).first(decoding: Row.self)
            else { return false }
            let payload = CourierAssignmentChanged(
                orderID: orderID, customerID: row.customerID, restaurantID: row.restaurantID, courierID: courierID,
                status: OrderStatus(rawValue: row.status) ?? .accepted, reason: reason)
            try await Outbox.append(try DomainEvent(type: .orderCourierAssigned, aggregateID: orderID, occurredAt: at, payload: payload), on: db)
            return true
        }
    }

    enum Release {
        case released(Order)
        case notTheirs
        case notHandBackable(OrderStatus)
    }

    /// The courier gives the order back before pickup: clears the courier, remembers that this
    /// courier handed it back (dispatch will not give it to them again), writes `order.courier_released`.
    func releaseCourier(orderID: UUID, courierID: UUID, reason: String, at: Date) async throws -> Release {
        let kind = database.kind
        return try await database.transaction { db in
            guard var order = try await Self.order(id: orderID, on: db, kind: kind, forUpdate: true), order.courierID == courierID else {
                return .notTheirs
            }
            guard OrderStatus.awaitingPickup.contains(order.status) else { return .notHandBackable(order.status) }
            let updated = try await db.raw(
                """
                UPDATE orders SET courier_id = NULL, courier_assigned_at = NULL, updated_at = \(bind: at)
                WHERE id = \(bind: orderID) AND courier_id = \(bind: courierID) AND status IN (\(binds: OrderStatus.awaitingPickup.map(\.rawValue))) RETURNING id
                """
            ).all()
            guard !updated.isEmpty else { return .notHandBackable(order.status) }
            try await db.raw(
                """
                INSERT INTO order_courier_releases (id, order_id, courier_id, reason, released_at)
                VALUES (\(bind: UUID()), \(bind: orderID), \(bind: courierID), \(bind: reason), \(bind: at))
                """
            ).run()
            let payload = CourierAssignmentChanged(
                orderID: orderID, customerID: order.customerID, restaurantID: order.restaurantID, courierID: courierID, status: order.status,
                reason: reason)
            try await Outbox.append(try DomainEvent(type: .orderCourierReleased, aggregateID: orderID, occurredAt: at, payload: payload), on: db)
            order.courierID = nil
            order.updatedAt = at
            return .released(order)
        }
    }

    struct AwaitingCourier {
        let order: Order
        let excludedCouriers: Set<UUID>
        let acceptedAt: Date?
        let readyAt: Date?
    }

    /// How long the restaurant's latest orders took from acceptance to ready, newest first.
    func preparationSamples(restaurantID: UUID, limit: Int) async throws -> [TimeInterval] {
        struct Row: Decodable {
            let acceptedAt: Date
            let readyAt: Date
            enum CodingKeys: String, CodingKey {
                case acceptedAt = "accepted_at"
                case readyAt = "ready_at"
            }
        }
        return try await database.read { db in
            try await db.raw(
                """
                SELECT accepted_at, ready_at FROM orders
                WHERE restaurant_id = \(bind: restaurantID) AND ready_at IS NOT NULL AND accepted_at IS NOT NULL
                ORDER BY ready_at DESC LIMIT \(bind: limit)
                """
            ).all(decoding: Row.self).map { $0.readyAt.timeIntervalSince($0.acceptedAt) }
        }
    }

    /// One page of the orders with a courier that are not yet delivered, after `after` by id.
    /// Only the columns live tracking needs, in pages, so no single read holds a connection (and,
    /// on SQLite, a thread) for long however busy the city is.
    func activeDeliveries(after: UUID?, limit: Int) async throws -> [ActiveDelivery] {
        struct Row: Decodable {
            let id: UUID
            let restaurantID: UUID
            let courierID: UUID
            let status: OrderStatus
            let pickupLat: Double
            let pickupLon: Double
            let deliveryLat: Double
            let deliveryLon: Double
            enum CodingKeys: String, CodingKey {
                case id, status
                case restaurantID = "restaurant_id", courierID = "courier_id", pickupLat = "pickup_lat", pickupLon = "pickup_lon"
                case deliveryLat = "delivery_lat", deliveryLon = "delivery_lon"
            }
        }
        return try await database.read { db in
            try await db.raw(
                """
                SELECT id, restaurant_id, courier_id, status, pickup_lat, pickup_lon, delivery_lat, delivery_lon FROM orders
                WHERE courier_id IS NOT NULL AND status IN (\(binds: OrderStatus.withCourier.map(\.rawValue)))
                    AND id > \(bind: after ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
                ORDER BY id LIMIT \(bind: limit)
                """
            ).all(decoding: Row.self).map {
                ActiveDelivery(
                    orderID: $0.id, restaurantID: $0.restaurantID, courierID: $0.courierID, status: $0.status,
                    pickup: GeoPoint(uncheckedLat: $0.pickupLat, lon: $0.pickupLon),
                    dropoff: GeoPoint(uncheckedLat: $0.deliveryLat, lon: $0.deliveryLon))
            }
        }
    }

    /// Accepted-or-later orders still without a courier, oldest first, each with the couriers who
    /// handed it back.
    func awaitingCourier(limit: Int) async throws -> [AwaitingCourier] {
        try await database.read { db in
            struct Row: Decodable {
                let order: OrderRow
                let acceptedAt: Date?
                let readyAt: Date?
                enum CodingKeys: String, CodingKey {
                    case acceptedAt = "accepted_at"
                    case readyAt = "ready_at"
                }
                init(from decoder: any Decoder) throws {
                    order = try OrderRow(from: decoder)
                    let c = try decoder.container(keyedBy: CodingKeys.self)
                    acceptedAt = try c.decodeIfPresent(Date.self, forKey: .acceptedAt)
                    readyAt = try c.decodeIfPresent(Date.self, forKey: .readyAt)
                }
            }
            let found = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.orderColumns), accepted_at, ready_at FROM orders
                WHERE courier_id IS NULL AND status IN (\(binds: OrderStatus.awaitingPickup.map(\.rawValue)))
                ORDER BY placed_at LIMIT \(bind: limit)
                """
            ).all(decoding: Row.self)
            let rows = found.map(\.order)
            guard !rows.isEmpty else { return [] }
            struct Excluded: Decodable {
                let orderID: UUID
                let courierID: UUID
                enum CodingKeys: String, CodingKey {
                    case orderID = "order_id"
                    case courierID = "courier_id"
                }
            }
            let excluded = try await db.raw(
                "SELECT order_id, courier_id FROM order_courier_releases WHERE order_id IN (\(binds: rows.map(\.id)))"
            ).all(decoding: Excluded.self)
            let byOrder = Dictionary(grouping: excluded, by: \.orderID).mapValues { Set($0.map(\.courierID)) }
            return found.map {
                AwaitingCourier(
                    order: $0.order.order(lines: []), excludedCouriers: byOrder[$0.order.id] ?? [], acceptedAt: $0.acceptedAt, readyAt: $0.readyAt)
            }
        }
    }

    // MARK: Attention

    /// Orders whose wait for `reason` began before `cutoff` and that are not flagged for it yet.
    func attentionCandidates(_ reason: AttentionReason, before cutoff: Date, limit: Int) async throws -> [(Order, Date)] {
        let condition: String
        let since: String
        switch reason {
        case .waitingForCourier:
            condition = "status IN ('accepted', 'preparing', 'ready') AND courier_id IS NULL AND accepted_at <= "
            since = "accepted_at"
        case .waitingForPickup:
            condition = "status = 'ready' AND courier_id IS NOT NULL AND ready_at <= "
            since = "ready_at"
        case .waitingForDelivery:
            condition = "status = 'picked_up' AND picked_up_at <= "
            since = "picked_up_at"
        }
        struct Since: Decodable { let since: Date }
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.orderColumns), \(unsafeRaw: since) AS since FROM orders WHERE \(unsafeRaw: condition)")
        query.appendInterpolation(bind: cutoff)
        query.appendInterpolation(unsafeRaw: " AND (attention_reason IS NULL OR attention_reason <> ")
        query.appendInterpolation(bind: reason.rawValue)
        query.appendInterpolation(unsafeRaw: ") ORDER BY placed_at LIMIT ")
        query.appendInterpolation(bind: limit)
        let finalQuery = query
        return try await database.read { db in
            try await db.raw(finalQuery).all().map { row in
                (
                    try row.decode(model: OrderRow.self, keyDecodingStrategy: .useDefaultKeys).order(lines: []),
                    try row.decode(column: "since", as: Date.self)
                )
            }
        }
    }

    /// Flags the order (if still in `status`) and writes `order.needs_attention`. False when it moved on.
    func flag(_ order: Order, reason: AttentionReason, since: Date, at: Date) async throws -> Bool {
        try await database.transaction { db in
            let rows = try await db.raw(
                """
                UPDATE orders SET attention_reason = \(bind: reason.rawValue), attention_since = \(bind: since)
                WHERE id = \(bind: order.id) AND status = \(bind: order.status.rawValue)
                    AND courier_id IS NOT DISTINCT FROM \(bind: order.courierID) RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            let payload = OrderNeedsAttention(
                orderID: order.id, restaurantID: order.restaurantID, courierID: order.courierID, status: order.status, reason: reason,
                waitingSince: since)
            try await Outbox.append(try DomainEvent(type: .orderNeedsAttention, aggregateID: order.id, occurredAt: at, payload: payload), on: db)
            return true
        }
    }

    /// Confirmed orders expiring before `horizon` that were not reminded yet.
    func unremindedConfirmed(expiringBefore horizon: Date, after now: Date) async throws -> [Order] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.orderColumns) FROM orders
                WHERE status = 'confirmed' AND accept_deadline <= \(bind: horizon) AND accept_deadline > \(bind: now)
                    AND NOT EXISTS (SELECT 1 FROM order_milestones m WHERE m.order_id = orders.id AND m.milestone = 'accept_reminder')
                ORDER BY accept_deadline LIMIT 200
                """
            ).all(decoding: OrderRow.self).map { $0.order(lines: []) }
        }
    }

    /// Records `milestone` for the order and writes `event` with it, once: false (and nothing
    /// written) when it was recorded before.
    func recordMilestone(_ milestone: String, orderID: UUID, at: Date, event: DomainEvent) async throws -> Bool {
        try await database.transaction { db in
            try await db.runGated(
                """
                INSERT INTO order_milestones (order_id, milestone, at) VALUES (\(bind: orderID), \(bind: milestone), \(bind: at))
                ON CONFLICT DO NOTHING RETURNING order_id
                """, then: [Outbox.write(event)]) != nil
        }
    }

    /// How many orders are in each active status now.
    func activeCounts() async throws -> [OrderStatus: Int] {
        struct Row: Decodable {
            let status: String
            let n: Int64
        }
        return try await database.read { db in
            let rows = try await db.raw(
                """
                SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM orders
                WHERE status IN ('placed', 'confirmed', 'accepted', 'preparing', 'ready', 'picked_up') GROUP BY status
                """
            ).all(decoding: Row.self)
            return Dictionary(rows.compactMap { row in OrderStatus(rawValue: row.status).map { ($0, Int(row.n)) } }, uniquingKeysWith: +)
        }
    }

    // MARK: Reads

    static func order(id: UUID, on db: any SQLDatabase, kind: DatabaseKind, forUpdate: Bool = false) async throws -> Order? {
        let lock = forUpdate && kind == .postgres ? " FOR UPDATE" : ""
        guard
            let row = try await db.raw("SELECT \(unsafeRaw: Self.orderColumns) FROM orders WHERE id = \(bind: id)\(unsafeRaw: lock)")
                .first(decoding: OrderRow.self)
        else { return nil }
        return try await attachLines([row], on: db)[0]
    }

    func order(id: UUID, withHistory: Bool = false) async throws -> Order? {
        let kind = database.kind
        return try await database.read { db in
            guard var order = try await Self.order(id: id, on: db, kind: kind) else { return nil }
            if withHistory {
                // Changes in the same millisecond are put in the order the lifecycle allows.
                order.history = try await db.raw(
                    """
                    SELECT from_status, to_status, actor, actor_id, reason, occurred_at FROM order_status_changes
                    WHERE order_id = \(bind: id)
                    """
                ).all(decoding: ChangeRow.self).map {
                    OrderStatusChange(
                        from: $0.fromStatus.flatMap(OrderStatus.init(rawValue:)), to: OrderStatus(rawValue: $0.toStatus) ?? .placed,
                        actor: OrderActor(rawValue: $0.actor) ?? .system, actorID: $0.actorID, reason: $0.reason, at: $0.occurredAt)
                }.sorted { ($0.at, $0.to.lifecycleRank) < ($1.at, $1.to.lifecycleRank) }
            }
            return order
        }
    }

    /// When the order was delivered, if it was.
    func deliveredAt(orderID: UUID) async throws -> Date? {
        struct Row: Decodable {
            let deliveredAt: Date?
            enum CodingKeys: String, CodingKey { case deliveredAt = "delivered_at" }
        }
        return try await database.read { db in
            try await db.raw("SELECT delivered_at FROM orders WHERE id = \(bind: orderID)").first(decoding: Row.self)?.deliveredAt
        }
    }

    /// A restaurant's orders placed in `[from, to)`: how many and their subtotals, per status.
    func statusTotals(restaurantID: UUID, from: Date, to: Date) async throws -> [(status: OrderStatus, count: Int, subtotalMinor: Int64)] {
        struct Row: Decodable {
            let status: String
            let count: Int64
            let subtotal: Int64
        }
        let rows = try await database.read { db in
            try await db.raw(
                """
                SELECT status, COUNT(*) AS count, CAST(COALESCE(SUM(subtotal_minor), 0) AS BIGINT) AS subtotal FROM orders
                WHERE restaurant_id = \(bind: restaurantID) AND placed_at >= \(bind: from) AND placed_at < \(bind: to)
                GROUP BY status
                """
            ).all(decoding: Row.self)
        }
        return rows.compactMap { row in OrderStatus(rawValue: row.status).map { ($0, Int(row.count), row.subtotal) } }
    }

    /// Orders matching `filter`, newest first (by placement, then id), with their lines.
    func orders(_ filter: OrderFilter, cursor: (placedAt: Date, id: UUID)?) async throws -> [Order] {
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.orderColumns) FROM orders WHERE 1 = 1")
        if let statuses = filter.statuses, !statuses.isEmpty {
            query.appendInterpolation(unsafeRaw: " AND status IN (")
            query.appendInterpolation(binds: statuses.map(\.rawValue))
            query.appendInterpolation(unsafeRaw: ")")
        }
        for (column, value) in [("restaurant_id", filter.restaurantID), ("courier_id", filter.courierID), ("customer_id", filter.customerID)] {
            guard let value else { continue }
            query.appendInterpolation(unsafeRaw: " AND \(column) = ")
            query.appendInterpolation(bind: value)
        }
        if let from = filter.placedFrom {
            query.appendInterpolation(unsafeRaw: " AND placed_at >= ")
            query.appendInterpolation(bind: from)
        }
        if let before = filter.placedBefore {
            query.appendInterpolation(unsafeRaw: " AND placed_at < ")
            query.appendInterpolation(bind: before)
        }
        if let needsAttention = filter.needsAttention {
            query.appendInterpolation(unsafeRaw: needsAttention ? " AND attention_reason IS NOT NULL" : " AND attention_reason IS NULL")
        }
        if let cursor {
            query.appendInterpolation(unsafeRaw: " AND (placed_at < ")
            query.appendInterpolation(bind: cursor.placedAt)
            query.appendInterpolation(unsafeRaw: " OR (placed_at = ")
            query.appendInterpolation(bind: cursor.placedAt)
            query.appendInterpolation(unsafeRaw: " AND id < ")
            query.appendInterpolation(bind: cursor.id)
            query.appendInterpolation(unsafeRaw: "))")
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY placed_at DESC, id DESC LIMIT ")
        query.appendInterpolation(bind: filter.limit)
        let finalQuery = query
        return try await database.read { db in
            try await Self.attachLines(try await db.raw(finalQuery).all(decoding: OrderRow.self), on: db)
        }
    }

    /// The orders' lines, read with one statement.
    static func attachLines(_ rows: [OrderRow], on db: any SQLDatabase) async throws -> [Order] {
        guard !rows.isEmpty else { return [] }
        let lines = try await db.raw(
            """
            SELECT order_id, position, item_id, name, quantity, unit_price_minor, line_total_minor, options
            FROM order_lines WHERE order_id IN (\(binds: rows.map(\.id))) ORDER BY order_id, position
            """
        ).all(decoding: LineRow.self)
        let byOrder = Dictionary(grouping: lines, by: \.orderID)
        return try rows.map { row in row.order(lines: try (byOrder[row.id] ?? []).map { try $0.line(currency: row.currency) }) }
    }

    /// Confirmed orders whose deadline has passed.
    func overdueConfirmed(now: Date) async throws -> [UUID] {
        struct Row: Decodable { let id: UUID }
        return try await database.read { db in
            try await db.raw(
                "SELECT id FROM orders WHERE status = 'confirmed' AND accept_deadline <= \(bind: now) ORDER BY accept_deadline LIMIT 500"
            )
            .all(decoding: Row.self).map(\.id)
        }
    }

    /// Orders still `placed` since before `cutoff`, with their lines.
    func stalePlaced(before cutoff: Date) async throws -> [Order] {
        try await database.read { db in
            let rows = try await db.raw(
                "SELECT \(unsafeRaw: Self.orderColumns) FROM orders WHERE status = 'placed' AND placed_at <= \(bind: cutoff) ORDER BY placed_at LIMIT 200"
            ).all(decoding: OrderRow.self)
            return try await Self.attachLines(rows, on: db)
        }
    }

    /// The status of each order that exists.
    func statuses(of orderIDs: [UUID]) async throws -> [UUID: OrderStatus] {
        guard !orderIDs.isEmpty else { return [:] }
        struct Row: Decodable {
            let id: UUID
            let status: String
        }
        return try await database.read { db in
            Dictionary(
                try await db.raw("SELECT id, status FROM orders WHERE id IN (\(binds: orderIDs))").all(decoding: Row.self).compactMap { row in
                    OrderStatus(rawValue: row.status).map { (row.id, $0) }
                }, uniquingKeysWith: { a, _ in a })
        }
    }
}

extension OrderStore {
    /// The idempotency key that placed `order`.
    func idempotencyKeyOfOrder(_ order: Order) async throws -> KeyRow? {
        try await database.read { db in
            try await db.raw(
                "SELECT request_hash, order_id, outcome, response, created_at FROM order_idempotency_keys WHERE order_id = \(bind: order.id)"
            ).first(decoding: KeyRow.self)
        }
    }
}
