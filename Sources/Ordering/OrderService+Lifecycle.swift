public import Core
public import Events
public import Foundation
import Logging
import Metrics
import Storage

/// The order's life after placement: every move, by whom it may be made, the sweeps that expire,
/// remind and flag orders, and refunds.
extension OrderService {
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
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
