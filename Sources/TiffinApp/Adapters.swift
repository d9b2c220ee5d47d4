import Accounts
import Catalog
import Core
import Dispatching
import Events
import Foundation
public import Live
import Ordering
import Payments
import Synchronization

/// Ordering's view of the catalog: one price list per call, mapped.
struct CatalogAdapter: CatalogPort {
    let catalog: CatalogService

    func pricingMenu(restaurantID: UUID, at instant: Date) async throws -> PricingMenu? {
        guard let list = try await catalog.priceList(restaurantID: restaurantID) else { return nil }
        let r = list.restaurant
        return PricingMenu(
            restaurant: PricingRestaurant(
                id: r.id, name: r.name, location: r.location, currency: r.currency, deliveryRadiusMetres: r.deliveryRadiusMetres,
                minimumOrder: r.minimumOrder, prepMinutes: r.prepMinutes, isOpenNow: list.isOpen(at: instant),
                timeZone: r.timeZone),
            items: list.items.map { item in
                PricingItem(
                    id: item.id, name: item.name, price: item.price, isSoldOut: item.isSoldOut,
                    groups: item.optionGroups.map { g in
                        PricingItem.Group(
                            id: g.id, name: g.name, minChoices: g.minChoices, maxChoices: g.maxChoices,
                            options: g.options.map {
                                PricingItem.Option(id: $0.id, name: $0.name, priceDelta: $0.priceDelta, isSoldOut: $0.isSoldOut)
                            })
                    })
            })
    }

    func restaurantID(ownedBy staffID: UUID) async throws -> UUID? {
        try await catalog.restaurantID(ownedBy: staffID)
    }
}

/// Ordering's view of payments.
struct PaymentAdapter: PaymentPort {
    let payments: PaymentService

    func authorize(orderID: UUID, customerID: UUID, amount: Money, card: String) async throws -> AuthorizationOutcome {
        Self.outcome(try await payments.authorize(orderID: orderID, customerID: customerID, amount: amount, card: card))
    }

    func unavailableFor() -> Int? { payments.unavailableFor() }

    func recover(orderID: UUID, customerID: UUID, amount: Money) async throws -> AuthorizationOutcome {
        Self.outcome(try await payments.recover(orderID: orderID, customerID: customerID, amount: amount))
    }

    static func outcome(_ payment: Payment) -> AuthorizationOutcome {
        switch payment.status {
        case .authorized, .captured, .partiallyRefunded, .refunded: .authorized(paymentID: payment.id)
        case .declined: .declined(paymentID: payment.id, reason: payment.failureReason ?? "declined")
        case .failed, .voided: .unavailable
        }
    }

    func refund(_ request: RefundRequest) async throws -> (refund: OrderRefund, replayed: Bool) {
        let result = try await payments.refund(request)
        return (Self.view(result.refund), result.replayed)
    }

    func refunds(orderID: UUID) async throws -> [OrderRefund] {
        try await payments.refunds(orderID: orderID).map(Self.view)
    }

    static func view(_ refund: Refund) -> OrderRefund {
        OrderRefund(
            id: refund.id, amount: refund.amount, reason: refund.reason, actor: refund.actor,
            status: OrderRefund.Status(rawValue: refund.status.rawValue) ?? .pending, createdAt: refund.createdAt)
    }
}

/// Dispatch's view of orders.
struct DispatchOrdersAdapter: DispatchOrderPort {
    let orders: OrderService

    func ordersAwaitingCourier(limit: Int) async throws -> [OrderAwaitingCourier] {
        try await orders.ordersAwaitingCourier(limit: limit)
    }

    func activeDeliveries() async throws -> [ActiveDelivery] {
        try await orders.activeDeliveries()
    }

    func assign(orderID: UUID, courierID: UUID, reason: String) async throws -> Bool {
        try await orders.assignCourier(orderID: orderID, courierID: courierID, reason: reason)
    }

    func route(orderID: UUID) async throws -> OrderRoute? {
        try await orders.route(orderID: orderID)
    }
}

/// Payments' view of orders, for reconciliation. Payments and Ordering each need the other, so
/// this adapter is given the order service once both exist.
final class OrderLivenessAdapter: OrderLivenessPort, Sendable {
    struct NotBound: Error, CustomStringConvertible {
        var description: String { "order liveness asked before the order service was bound" }
    }

    private let orders = Mutex<OrderService?>(nil)

    func bind(_ service: OrderService) {
        orders.withLock { $0 = service }
    }

    func liveness(of orderIDs: [UUID]) async throws -> [UUID: OrderLiveness] {
        // Unbound (still assembling): no answer, rather than an empty one that reads as
        // "these orders do not exist" and would release their holds.
        guard let service = orders.withLock({ $0 }) else { throw NotBound() }
        return try await service.statuses(of: orderIDs).mapValues { status in
            switch status {
            case .delivered: .delivered
            case .rejected, .cancelled, .expired, .paymentFailed: .ended
            case .placed, .confirmed, .accepted, .preparing, .ready, .pickedUp: .live
            }
        }
    }
}

/// The live layer's view of accounts: the account service answers as it is.
extension AccountService: LiveSignIns {}

/// The live layer's view of couriers.
struct LiveCouriersAdapter: LiveCouriers {
    let dispatch: DispatchService

    var changes: Feed<DispatchChange> { dispatch.changes }

    func state(courierID: UUID) async -> CourierState { await dispatch.state(courierID: courierID) }

    func report(courierID: UUID, _ fix: PositionFix) async { _ = await dispatch.report(courierID: courierID, fix) }

    func receiveRemote(_ state: CourierState) { dispatch.receiveRemote(state) }

    func pendingOffers(courierID: UUID) async throws -> [OfferMade] {
        try await dispatch.pendingOffers(courierID: courierID).offers.map(\.made)
    }
}

/// The live layer's view of orders and of who runs which restaurant.
struct LiveOrdersAdapter: LiveOrders {
    let orders: OrderService
    let catalog: CatalogService

    func viewing(_ orderID: UUID, by viewer: Principal) async throws -> OrderViewing {
        let order = try await orders.readableOrder(id: orderID, viewer: viewer)
        let party: CourierVisibility.Party =
            switch viewer.role {
            case .operator: .operator
            case .customer: .customer
            case .staff: .restaurant
            case .courier: .courier
            }
        return OrderViewing(party: party, status: order.status, delivery: order.activeDelivery)
    }

    func restaurantID(runBy staffID: UUID) async throws -> UUID? {
        try await catalog.restaurantID(ownedBy: staffID)
    }

    func activeDelivery(orderID: UUID) async throws -> ActiveDelivery? {
        try await orders.activeDelivery(orderID: orderID)
    }

    func activeDeliveries() async throws -> [ActiveDelivery] {
        try await orders.activeDeliveries()
    }

    func recordProximity(orderID: UUID, courierID: UUID, milestone: ProximityMilestone, distanceMetres: Int) async throws {
        _ = try await orders.recordProximity(orderID: orderID, courierID: courierID, milestone: milestone, distanceMetres: distanceMetres)
    }
}
