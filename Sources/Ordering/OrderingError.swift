import Core
import Foundation

public enum OrderingError: DomainError, Equatable {
    case illegalTransition(from: OrderStatus, to: OrderStatus)
    case notAllowedFor(actor: OrderActor, from: OrderStatus, to: OrderStatus)
    case restaurantClosed(name: String)
    case outsideDeliveryArea(distanceMetres: Int, radiusMetres: Int)
    case belowMinimumOrder(subtotal: Money, minimum: Money)
    case itemUnavailable(field: String, name: String)
    case paymentDeclined(orderID: UUID, reason: String)
    case paymentUnavailable(orderID: UUID)
    case idempotencyKeyReused
    case requestInProgress
    case missingIdempotencyKey

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
                detail: "the payment provider did not answer for order \(orderID); nothing was charged, please retry with a new Idempotency-Key",
                state: OrderStatus.paymentFailed.rawValue)
        case .idempotencyKeyReused:
            ProblemDescription(
                kind: .unprocessable, type: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "this Idempotency-Key was used for a different request body", field: "Idempotency-Key")
        case .requestInProgress:
            ProblemDescription(
                kind: .conflict, type: "request-in-progress", title: "Request in progress",
                detail: "a request with this Idempotency-Key is still being processed", field: "Idempotency-Key")
        case .missingIdempotencyKey:
            ProblemDescription(
                kind: .badRequest, type: "missing-idempotency-key", title: "Idempotency-Key required",
                detail: "placing an order needs an Idempotency-Key header of 1 to 255 characters", field: "Idempotency-Key")
        }
    }
}
