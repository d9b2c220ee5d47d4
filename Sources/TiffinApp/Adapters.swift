import Catalog
import Core
import Dispatching
import Foundation
import Ordering
import Payments

/// Ordering's view of the catalog.
struct CatalogAdapter: CatalogPort {
    let catalog: CatalogService
    let clock: any WallClock

    func restaurant(id: UUID) async throws -> PricingRestaurant? {
        guard let r = try await catalog.store.restaurant(id: id) else { return nil }
        return PricingRestaurant(
            id: r.id, ownerID: r.ownerID, name: r.name, location: r.location, currency: r.currency,
            deliveryRadiusMetres: r.deliveryRadiusMetres, minimumOrder: r.minimumOrder, prepMinutes: r.prepMinutes,
            isOpenNow: r.isOpen(at: clock.now()))
    }

    func items(restaurantID: UUID) async throws -> [PricingItem] {
        try await catalog.store.items(restaurantID: restaurantID).map { item in
            PricingItem(
                id: item.id, name: item.name, price: item.price, isSoldOut: item.isSoldOut,
                groups: item.optionGroups.map { g in
                    PricingItem.Group(
                        id: g.id, name: g.name, minChoices: g.minChoices, maxChoices: g.maxChoices,
                        options: g.options.map { PricingItem.Option(id: $0.id, name: $0.name, priceDelta: $0.priceDelta, isSoldOut: $0.isSoldOut) })
                })
        }
    }

    func restaurantID(ownedBy staffID: UUID) async throws -> UUID? {
        try await catalog.store.restaurant(ownedBy: staffID)?.id
    }
}

/// Ordering's view of payments.
struct PaymentAdapter: PaymentPort {
    let payments: PaymentService

    func authorize(orderID: UUID, customerID: UUID, amount: Money, card: String) async -> AuthorizationOutcome {
        do {
            switch try await payments.authorize(orderID: orderID, customerID: customerID, amount: amount, card: card) {
            case .authorized(let payment): return .authorized(paymentID: payment.id)
            case .declined(let payment, let reason): return .declined(paymentID: payment.id, reason: reason)
            case .unavailable: return .unavailable
            }
        } catch {
            return .unavailable
        }
    }
}

/// Dispatch's view of orders.
struct DispatchOrdersAdapter: DispatchOrderPort {
    let orders: OrderService

    func ordersAwaitingCourier(limit: Int) async throws -> [DispatchOrder] {
        try await orders.store.awaitingCourier(limit: limit).map { DispatchOrder(id: $0.id, pickup: $0.pickupLocation, placedAt: $0.placedAt) }
    }

    func busyCourierIDs() async throws -> Set<UUID> {
        try await orders.store.busyCourierIDs()
    }

    func assign(orderID: UUID, courierID: UUID, reason: String) async throws -> Bool {
        try await orders.assignCourier(orderID: orderID, courierID: courierID, reason: reason)
    }

    func trackingInfo(orderID: UUID) async throws -> TrackingInfo? {
        guard let order = try await orders.store.order(id: orderID) else { return nil }
        return TrackingInfo(
            customerID: order.customerID, courierID: order.courierID, status: order.status.rawValue, isCarrying: order.status == .pickedUp)
    }
}
