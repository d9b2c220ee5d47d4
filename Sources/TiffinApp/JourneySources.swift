import Events
import Foundation
import Operations
import Ordering
import Storage

/// The journeys counted from order events (`operations.slis`, one outbox consumer): the
/// restaurant's answer, the courier's assignment, the delivery against its promise; and each
/// order's end, whose money is checked 15 minutes later (`MoneyChecks`). Delivery is
/// at least once, so an event delivered again after a crash is counted again: rare, and never
/// more than the events of one batch.
func journeySubscription(orders: OrderService, journeys: JourneyRecorder, moneyChecks: MoneyChecks) -> OutboxSubscription {
    let endings: [OrderStatus] = [.delivered, .rejected, .cancelled, .expired, .paymentFailed]
    return OutboxSubscription(
        name: "operations.slis",
        eventTypes: Set([.order(.accepted), .orderCourierAssigned] + endings.map(EventType.order))
    ) { event in
        if endings.map(EventType.order).contains(event.type) {
            try await moneyChecks.orderEnded(try event.decode(OrderStatusChanged.self).orderID, at: event.occurredAt)
        }
        switch event.type {
        case .order(.accepted), .order(.rejected):
            journeys.record(.restaurantAnswers, EventOutcomes.restaurantAnswer(answered: true), at: event.occurredAt)
        case .order(.expired):
            journeys.record(.restaurantAnswers, EventOutcomes.restaurantAnswer(answered: false), at: event.occurredAt)
        case .orderCourierAssigned:
            let orderID = try event.decode(CourierAssignmentChanged.self).orderID
            guard let order = try await orders.orderWithHistory(id: orderID) else { return }
            let readyAt = order.history?.last { $0.to == .ready && $0.at <= event.occurredAt }?.at
            journeys.record(.dispatch, EventOutcomes.dispatch(readyAt: readyAt, assignedAt: event.occurredAt), at: event.occurredAt)
        case .order(.delivered):
            let orderID = try event.decode(OrderStatusChanged.self).orderID
            guard let order = try await orders.orderForNotice(id: orderID) else { return }
            journeys.record(
                .deliveryPromise,
                EventOutcomes.deliveryPromise(placedAt: order.placedAt, promisedMinutes: order.etaMinutes, deliveredAt: event.occurredAt),
                at: event.occurredAt)
        default:
            break
        }
    }
}
