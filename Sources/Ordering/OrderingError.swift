public import Core
public import Events
public import Foundation

public enum OrderingError: DomainError, Equatable {
    case illegalTransition(from: OrderStatus, to: OrderStatus)
    case notAllowedFor(actor: OrderActor, from: OrderStatus, to: OrderStatus)
    case restaurantClosed(name: String)
    case outsideDeliveryArea(distanceMetres: Int, radiusMetres: Int)
    case belowMinimumOrder(subtotal: Money, minimum: Money)
    case itemUnavailable(field: String, name: String)
    case paymentDeclined(orderID: UUID, reason: String)
    case paymentUnavailable(orderID: UUID)
    /// The payment provider's breaker is open: no order was made.
    case paymentServiceDown(retryAfter: Int)
    case soldOutDuringPayment(orderID: UUID, name: String)
    case idempotencyKeyReused
    case requestInProgress
    case missingIdempotencyKey
    case paymentInProgress
    case notHandBackable(status: OrderStatus)
    case refundWindowClosed(hours: Int)
    case notDelivered(status: OrderStatus)

    public var problem: ProblemDescription {
        switch self {
        case .illegalTransition(let from, let to):
            ProblemDescription(
                kind: .conflict, type: "illegal-transition", title: "Illegal transition",
                detail: "an order cannot go from \(from.rawValue) to \(to.rawValue)", state: from.rawValue)
        case .notAllowedFor(let actor, let from, let to):
            ProblemDescription(
                kind: .forbidden, type: "transition-not-yours", title: "Forbidden",
                detail: "the \(actor.rawValue) may not move an order from \(from.rawValue) to \(to.rawValue)", state: from.rawValue)
        case .restaurantClosed(let name):
            ProblemDescription(
                kind: .conflict, type: "restaurant-closed", title: "Restaurant closed", detail: "\(name) is not taking orders right now",
                field: "restaurantID")
        case .outsideDeliveryArea(let distance, let radius):
            ProblemDescription(
                kind: .unprocessable, type: "outside-delivery-area", title: "Outside delivery area",
                detail: "the address is \(distance) m away; this restaurant delivers up to \(radius) m", field: "deliveryLocation")
        case .belowMinimumOrder(let subtotal, let minimum):
            ProblemDescription(
                kind: .unprocessable, type: "below-minimum-order", title: "Below minimum order",
                detail: "subtotal \(subtotal) is below the minimum order of \(minimum)", field: "items")
        case .itemUnavailable(let field, let name):
            ProblemDescription(kind: .conflict, type: "item-unavailable", title: "Item unavailable", detail: "\(name) is sold out", field: field)
        case .paymentDeclined(let orderID, let reason):
            ProblemDescription(
                kind: .paymentRequired, type: "payment-declined", title: "Payment declined",
                detail: "payment for order \(orderID) was declined: \(reason)", field: "payment", state: OrderStatus.paymentFailed.rawValue)
        case .paymentUnavailable(let orderID):
            ProblemDescription(
                kind: .unavailable, type: "payment-unavailable", title: "Payment unavailable",
                detail: "the payment provider did not answer for order \(orderID); nothing is charged, please retry with a new Idempotency-Key",
                state: OrderStatus.paymentFailed.rawValue, retryAfterSeconds: 5)
        case .paymentServiceDown(let retryAfter):
            ProblemDescription(
                kind: .unavailable, type: "payment-unavailable", title: "Payment service unavailable",
                detail:
                    "the payment service has not answered the last attempts; no order was made and nothing is charged — retry in \(retryAfter) s",
                retryAfterSeconds: retryAfter)
        case .idempotencyKeyReused:
            ProblemDescription(
                kind: .unprocessable, type: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "this Idempotency-Key was used for a different request body", field: "Idempotency-Key")
        case .soldOutDuringPayment(let orderID, let name):
            ProblemDescription(
                kind: .conflict, type: "item-unavailable", title: "Item unavailable",
                detail: "\(name) sold out while order \(orderID) was being paid; the order is cancelled and nothing is charged", field: "items",
                state: OrderStatus.cancelled.rawValue)
        case .requestInProgress:
            ProblemDescription(
                kind: .conflict, type: "request-in-progress", title: "Request in progress",
                detail: "a request with this Idempotency-Key is still being processed; retry shortly for its answer", field: "Idempotency-Key",
                retryAfterSeconds: 1)
        case .missingIdempotencyKey:
            ProblemDescription(
                kind: .badRequest, type: "missing-idempotency-key", title: "Idempotency-Key required",
                detail: "this request needs an Idempotency-Key header of 1 to 255 visible ASCII characters", field: "Idempotency-Key")
        case .paymentInProgress:
            ProblemDescription(
                kind: .conflict, type: "payment-in-progress", title: "Payment in progress",
                detail: "the payment for this order is still being authorised; try again in a moment", state: OrderStatus.placed.rawValue,
                retryAfterSeconds: 1)
        case .notHandBackable(let status):
            ProblemDescription(
                kind: .conflict, type: "illegal-transition", title: "Cannot hand back",
                detail: "an order can be handed back only before pickup; this one is \(status.rawValue)", state: status.rawValue)
        case .refundWindowClosed(let hours):
            ProblemDescription(
                kind: .forbidden, type: "refund-window-closed", title: "Refund window closed",
                detail: "a restaurant may refund its orders within \(hours) hours of delivery; ask an operator")
        case .notDelivered(let status):
            ProblemDescription(
                kind: .conflict, type: "payment-not-captured", title: "Nothing to refund",
                detail: "only a delivered order's payment is taken; this order is \(status.rawValue) (cancel it instead)", state: status.rawValue)
        }
    }
}
