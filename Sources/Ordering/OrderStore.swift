import Core
import Foundation
import SQLKit
import Storage

/// Orders, their lines, their status history and idempotency keys. Owns `orders`,
/// `order_lines`, `order_status_changes`, `order_idempotency_keys`. Every status change is
/// written with its history row and its outbox event in one transaction.
public struct OrderStore: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public static let migrations: [Migration] = [
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
        }
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
        }

        init(_ o: Order) {
            id = o.id
            customerID = o.customerID
            restaurantID = o.restaurantID
            restaurantName = o.restaurantName
            status = o.status.rawValue
            currency = o.total.currency
            subtotalMinor = o.subtotal.amount
            deliveryFeeMinor = o.deliveryFee.amount
            serviceFeeMinor = o.serviceFee.amount
            totalMinor = o.total.amount
            deliveryLat = o.deliveryLocation.lat
            deliveryLon = o.deliveryLocation.lon
            deliveryAddress = o.deliveryAddress
            pickupLat = o.pickupLocation.lat
            pickupLon = o.pickupLocation.lon
            etaMinutes = Int64(o.etaMinutes)
            paymentID = o.paymentID
            courierID = o.courierID
            placedAt = o.placedAt
            updatedAt = o.updatedAt
            acceptDeadline = o.acceptDeadline
        }

        func order(lines: [QuoteLine]) -> Order {
            Order(
                id: id, customerID: customerID, restaurantID: restaurantID, restaurantName: restaurantName,
                status: OrderStatus(rawValue: status) ?? .placed, lines: lines, subtotal: Money(subtotalMinor, currency),
                deliveryFee: Money(deliveryFeeMinor, currency), serviceFee: Money(serviceFeeMinor, currency), total: Money(totalMinor, currency),
                deliveryLocation: GeoPoint(uncheckedLat: deliveryLat, lon: deliveryLon), deliveryAddress: deliveryAddress,
                pickupLocation: GeoPoint(uncheckedLat: pickupLat, lon: pickupLon), etaMinutes: Int(etaMinutes), paymentID: paymentID,
                courierID: courierID, placedAt: placedAt, updatedAt: updatedAt, acceptDeadline: acceptDeadline, history: nil)
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
        placed_at, updated_at, accept_deadline
        """

    // MARK: Writes (inside the caller's transaction)

    func insert(_ order: Order, on db: any SQLDatabase) async throws {
        try await db.insert(into: "orders").model(OrderRow(order), keyEncodingStrategy: .useDefaultKeys, nilEncodingStrategy: .asNil).run()
        let encoder = JSONEncoder()
        let lines = try order.lines.enumerated().map { index, line in
            LineRow(
                orderID: order.id, position: Int64(index), itemID: line.itemID, name: line.name, quantity: Int64(line.quantity),
                unitPriceMinor: line.unitPrice.amount, lineTotalMinor: line.lineTotal.amount,
                options: String(decoding: try encoder.encode(line.options), as: UTF8.self))
        }
        try await db.insert(into: "order_lines").models(lines, keyEncodingStrategy: .useDefaultKeys).run()
    }

    /// Records a status change: history row and outbox event. The caller has updated the order row.
    func record(_ change: OrderStatusChange, of order: Order, on db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO order_status_changes (id, order_id, from_status, to_status, actor, actor_id, reason, occurred_at)
            VALUES (\(bind: UUID()), \(bind: order.id), \(bind: change.from?.rawValue), \(bind: change.to.rawValue), \(bind: change.actor.rawValue),
                    \(bind: change.actorID), \(bind: change.reason), \(bind: change.at))
            """
        ).run()
        let payload = OrderEventPayload(
            orderID: order.id, customerID: order.customerID, restaurantID: order.restaurantID, courierID: order.courierID,
            paymentID: order.paymentID, from: change.from, to: change.to, total: order.total, reason: change.reason)
        try await Outbox.append(DomainEvent(type: change.to.eventType, aggregateID: order.id, occurredAt: change.at, payload: payload), on: db)
    }

    /// Moves the row from `expected` to the order's current status; false if someone else moved it first.
    func updateStatus(_ order: Order, expected: OrderStatus, on db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.raw(
            """
            UPDATE orders SET status = \(bind: order.status.rawValue), payment_id = \(bind: order.paymentID), courier_id = \(bind: order.courierID),
                updated_at = \(bind: order.updatedAt), accept_deadline = \(bind: order.acceptDeadline)
            WHERE id = \(bind: order.id) AND status = \(bind: expected.rawValue)
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Sets the courier unless one is set already or the order left the courier-needing states.
    func assignCourier(orderID: UUID, courierID: UUID, at: Date, on db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.raw(
            """
            UPDATE orders SET courier_id = \(bind: courierID), updated_at = \(bind: at)
            WHERE id = \(bind: orderID) AND courier_id IS NULL AND status IN ('accepted', 'preparing', 'ready')
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    // MARK: Reads

    func order(id: UUID, on db: any SQLDatabase, forUpdate: Bool = false) async throws -> Order? {
        let lock = forUpdate && database.kind == .postgres ? " FOR UPDATE" : ""
        guard
            let row = try await db.raw("SELECT \(unsafeRaw: Self.orderColumns) FROM orders WHERE id = \(bind: id)\(unsafeRaw: lock)")
                .first(decoding: OrderRow.self)
        else { return nil }
        return row.order(lines: try await lines(of: row, on: db))
    }

    public func order(id: UUID, withHistory: Bool = false) async throws -> Order? {
        try await database.read { db in
            guard var order = try await self.order(id: id, on: db) else { return nil }
            if withHistory {
                order.history = try await db.raw(
                    """
                    SELECT from_status, to_status, actor, actor_id, reason, occurred_at FROM order_status_changes
                    WHERE order_id = \(bind: id) ORDER BY occurred_at, to_status
                    """
                ).all(decoding: ChangeRow.self).map {
                    OrderStatusChange(
                        from: $0.fromStatus.flatMap(OrderStatus.init(rawValue:)), to: OrderStatus(rawValue: $0.toStatus) ?? .placed,
                        actor: OrderActor(rawValue: $0.actor) ?? .system, actorID: $0.actorID, reason: $0.reason, at: $0.occurredAt)
                }
            }
            return order
        }
    }

    /// Orders matching a filter, newest first, without lines (list views).
    func orders(where column: String, equals value: UUID, statuses: [OrderStatus]?, limit: Int) async throws -> [Order] {
        precondition(["customer_id", "restaurant_id", "courier_id"].contains(column))
        return try await database.read { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.orderColumns) FROM orders WHERE \(unsafeRaw: column) = \(bind: value)")
            if let statuses {
                query.appendInterpolation(unsafeRaw: " AND status IN (")
                for (index, status) in statuses.enumerated() {
                    if index > 0 { query.appendInterpolation(unsafeRaw: ", ") }
                    query.appendInterpolation(bind: status.rawValue)
                }
                query.appendInterpolation(unsafeRaw: ")")
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY placed_at DESC LIMIT ")
            query.appendInterpolation(bind: limit)
            let rows = try await db.raw(query).all(decoding: OrderRow.self)
            return try await self.attachLines(rows, on: db)
        }
    }

    private func lines(of row: OrderRow, on db: any SQLDatabase) async throws -> [QuoteLine] {
        try await db.raw(
            """
            SELECT order_id, position, item_id, name, quantity, unit_price_minor, line_total_minor, options
            FROM order_lines WHERE order_id = \(bind: row.id) ORDER BY position
            """
        ).all(decoding: LineRow.self).map { try $0.line(currency: row.currency) }
    }

    private func attachLines(_ rows: [OrderRow], on db: any SQLDatabase) async throws -> [Order] {
        var orders: [Order] = []
        for row in rows {
            orders.append(row.order(lines: try await lines(of: row, on: db)))
        }
        return orders
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

    /// Orders still `placed` since before `cutoff`.
    func stalePlaced(before cutoff: Date) async throws -> [UUID] {
        struct Row: Decodable { let id: UUID }
        return try await database.read { db in
            try await db.raw("SELECT id FROM orders WHERE status = 'placed' AND placed_at <= \(bind: cutoff) ORDER BY placed_at LIMIT 500")
                .all(decoding: Row.self).map(\.id)
        }
    }

    /// Accepted-or-later orders still without a courier, oldest first.
    public func awaitingCourier(limit: Int) async throws -> [Order] {
        try await database.read { db in
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.orderColumns) FROM orders
                WHERE courier_id IS NULL AND status IN ('accepted', 'preparing', 'ready')
                ORDER BY placed_at LIMIT \(bind: limit)
                """
            ).all(decoding: OrderRow.self)
            return rows.map { $0.order(lines: []) }
        }
    }

    /// Couriers carrying an order that is not yet delivered.
    public func busyCourierIDs() async throws -> Set<UUID> {
        struct Row: Decodable {
            let courierID: UUID
            enum CodingKeys: String, CodingKey { case courierID = "courier_id" }
        }
        return try await database.read { db in
            Set(
                try await db.raw(
                    """
                    SELECT DISTINCT courier_id FROM orders WHERE courier_id IS NOT NULL AND status IN ('accepted', 'preparing', 'ready', 'picked_up')
                    """
                ).all(decoding: Row.self).map(\.courierID))
        }
    }

    // MARK: Idempotency keys

    struct KeyRow: Codable {
        let requestHash: String
        let orderID: UUID?
        let createdAt: Date
        enum CodingKeys: String, CodingKey {
            case requestHash = "request_hash"
            case orderID = "order_id"
            case createdAt = "created_at"
        }
    }

    func idempotencyKey(customerID: UUID, key: String, on db: any SQLDatabase) async throws -> KeyRow? {
        try await db.raw(
            """
            SELECT request_hash, order_id, created_at FROM order_idempotency_keys
            WHERE customer_id = \(bind: customerID) AND idempotency_key = \(bind: key)
            """
        ).first(decoding: KeyRow.self)
    }
}
