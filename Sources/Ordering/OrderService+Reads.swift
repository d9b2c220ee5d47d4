public import Core
public import Events
public import Foundation
import Storage
import Synchronization

/// What each party may read of the orders, and the reads other domains make through their ports.
extension OrderService {
    // MARK: Reads, per viewer

    /// The order with its history and refunds, if `viewer` may see it; otherwise not found.
    /// Account ids of other parties are left out (`Order.seen(by:)`).
    public func order(id: UUID, viewer: Principal) async throws -> Order {
        guard var order = try await store.order(id: id, withHistory: true), try await mayView(order, viewer) else {
            throw NotFoundError(entity: "order", id: id.uuidString)
        }
        order.refunds = try await payments.refunds(orderID: id)
        return order.seen(by: viewer)
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

    /// The order's parties, route and courier (nil: no such order).
    public func route(orderID: UUID) async throws -> OrderRoute? {
        try await store.order(id: orderID).map {
            OrderRoute(
                customerID: $0.customerID, restaurantID: $0.restaurantID, courierID: $0.courierID, status: $0.status, pickup: $0.pickupLocation,
                dropoff: $0.deliveryLocation, currency: $0.total.currency)
        }
    }

    /// The order with its lines, read for another domain's adapter (what a notification says):
    /// no viewer is checked, so it must never answer a request directly.
    public func orderForNotice(id: UUID) async throws -> Order? {
        try await store.order(id: id)
    }

    /// The order with its status history, for the system (the journeys' SLIs): no viewer.
    public func orderWithHistory(id: UUID) async throws -> Order? {
        try await store.order(id: id, withHistory: true)
    }

    /// The status of each existing order among `orderIDs`.
    public func statuses(of orderIDs: [UUID]) async throws -> [UUID: OrderStatus] {
        try await store.statuses(of: orderIDs)
    }
}
