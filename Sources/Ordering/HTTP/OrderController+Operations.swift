import Core
import Events
import Foundation
public import TiffinHTTP

/// The documented routes of `OrderController`, one per route it registers (the four restaurant
/// steps each have their own).
extension OrderController {
    public static let operations: [APIOperation] =
        [
            APIOperation(
                .post, "/v1/quotes", summary: "Price a basket without ordering it", tag: "Ordering", roles: [.customer],
                request: .json(
                    QuoteRequestBody(
                        restaurantID: OrderExamples.restaurantID, items: OrderExamples.requestLines,
                        deliveryLocation: OrderExamples.deliveryLocation, deliveryAddress: OrderExamples.deliveryAddress)),
                response: .json(OrderExamples.quote), errors: [400, 401, 403, 404, 409, 422], limit: .quote),
            APIOperation(
                .post, "/v1/orders",
                summary: "Place an order and authorise its payment (a retry with the same Idempotency-Key replays the order)",
                tag: "Ordering", roles: [.customer],
                request: .json(
                    PlaceOrderBody(
                        restaurantID: OrderExamples.restaurantID, items: OrderExamples.requestLines,
                        deliveryLocation: OrderExamples.deliveryLocation, deliveryAddress: OrderExamples.deliveryAddress,
                        payment: .init(card: "4242424242424242"))),
                status: 201, response: .json(OrderExamples.order(.confirmed)), errors: [400, 401, 402, 403, 404, 409, 422, 503],
                idempotent: true, limit: .placement, journey: .checkout),
            APIOperation(
                .get, "/v1/orders", summary: "The signed-in customer's orders, newest first", tag: "Ordering", roles: [.customer],
                query: [.init("limit", "integer", required: false, "At most this many orders (default 50)", minimum: 1, maximum: 200)],
                response: .json(OrderList(orders: [OrderExamples.order(.delivered, courier: true, seenBy: .customer)])), errors: [401, 403, 422]),
            APIOperation(
                .post, "/v1/orders/:orderID/cancel",
                summary:
                    "Cancel an order: its customer once confirmed and before acceptance; its restaurant once accepted and before pickup; an operator any time before delivery (restaurants and operators must give a reason)",
                tag: "Ordering", roles: [.customer, .staff, .operator], request: .json(ReasonBody(reason: "ordered by mistake"), optional: true),
                response: .json(OrderExamples.order(.cancelled)), errors: [401, 403, 404, 409, 422]),
            APIOperation(
                .post, "/v1/orders/:orderID/refunds",
                summary:
                    "Refund part or all of a delivered order: an operator up to what was captured; its restaurant within 48 h of delivery, up to the order's subtotal",
                tag: "Ordering", roles: [.staff, .operator], request: .json(RefundBody(amount: 500, reason: "the naan was missing")), status: 201,
                response: .json(
                    OrderRefund(
                        id: UUID(uuidString: "7C9E1A3B-5D7F-4B2C-8E4A-6C8E1A3B5D7F")!, amount: Money(500, "EUR"), reason: "the naan was missing",
                        actor: .restaurant, status: .succeeded, createdAt: OrderExamples.placedAt + 3_000)),
                errors: [400, 401, 403, 404, 409, 422, 503], idempotent: true),
            APIOperation(
                .get, "/v1/operator/orders", summary: "Every order, filtered, newest first, a page at a time (operators)", tag: "Operations",
                roles: [.operator],
                query: [
                    .init("status", "string", required: false, "Comma-separated statuses, e.g. ready,picked_up"),
                    .init("restaurantID", "string", required: false, "Only this restaurant's orders", format: "uuid"),
                    .init("courierID", "string", required: false, "Only orders of this courier", format: "uuid"),
                    .init("customerID", "string", required: false, "Only orders of this customer", format: "uuid"),
                    .init("placedFrom", "string", required: false, "Placed at or after this time", format: "date-time"),
                    .init("placedBefore", "string", required: false, "Placed before this time", format: "date-time"),
                    .init("needsAttention", "boolean", required: false, "Only orders flagged (true) or not flagged (false)"),
                    .init(
                        "limit", "integer", required: false, "At most this many orders (default 50)",
                        minimum: Double(OperatorOrderQuery.limitRange.lowerBound), maximum: Double(OperatorOrderQuery.limitRange.upperBound)),
                    .init("cursor", "string", required: false, "nextCursor of the previous page"),
                ],
                response: .json(OrderPage(orders: [OrderExamples.order(.ready, courier: true)], nextCursor: nil)), errors: [401, 403, 422]),
            APIOperation(
                .get, "/v1/orders/:orderID",
                summary:
                    "One order with its status history (its customer, its restaurant's staff, its courier or an operator; the courier's id and who made each change are shown to operators, the courier's id also to that courier)",
                tag: "Ordering", roles: Role.allCases, response: .json(OrderExamples.order(.pickedUp, courier: true, history: true)),
                errors: [401, 404]),
        ]
        + OrderExamples.restaurantSteps.map { step in
            APIOperation(
                .post, "/v1/orders/:orderID/\(step.path)", summary: step.summary, tag: "Ordering", roles: [.staff],
                request: step.target == .accepted
                    ? .json(AcceptBody(prepMinutes: 20, reason: step.reason), optional: true)
                    : .json(ReasonBody(reason: step.reason), optional: true),
                response: .json(OrderExamples.order(step.target)),
                errors: [401, 403, 404, 409, 422])
        }
        + [
            APIOperation(
                .get, "/v1/restaurants/:restaurantID/orders", summary: "A restaurant's order board, for its staff", tag: "Ordering",
                roles: [.staff],
                query: [
                    .init("active", "boolean", required: false, "Only orders still in progress (default true)"),
                    .init("limit", "integer", required: false, "At most this many orders (default 100)", minimum: 1, maximum: 500),
                ],
                response: .json(OrderList(orders: [OrderExamples.order(.accepted)])), errors: [401, 403, 404, 422]),
            APIOperation(
                .get, "/v1/restaurants/:restaurantID/today",
                summary: "The restaurant's orders and revenue today (its time zone): counts by outcome, food sold in delivered orders",
                tag: "Ordering", roles: [.staff],
                response: .json(
                    RestaurantDay(
                        date: "2027-01-15", timeZone: "Europe/Berlin", orders: 42, inProgress: 5, delivered: 35, notFulfilled: 2,
                        revenue: Money(98_450, "EUR"))),
                errors: [401, 403, 404]),
            APIOperation(
                .post, "/v1/orders/:orderID/pickup", summary: "The assigned courier has collected the food", tag: "Ordering",
                roles: [.courier], response: .json(OrderExamples.order(.pickedUp, courier: true)), errors: [401, 403, 404, 409]),
            APIOperation(
                .post, "/v1/orders/:orderID/deliver", summary: "The assigned courier has handed the food over", tag: "Ordering",
                roles: [.courier], response: .json(OrderExamples.order(.delivered, courier: true)), errors: [401, 403, 404, 409]),
            APIOperation(
                .post, "/v1/orders/:orderID/hand-back", summary: "The assigned courier gives the order back before pickup (body optional)",
                tag: "Ordering", roles: [.courier], request: .json(ReasonBody(reason: "flat tyre"), optional: true),
                response: .json(OrderExamples.order(.ready)),
                errors: [401, 403, 404, 409, 422]),
            APIOperation(
                .get, "/v1/courier/orders", summary: "Orders assigned to the signed-in courier", tag: "Ordering", roles: [.courier],
                query: [.init("active", "boolean", required: false, "Only orders not yet delivered (default true)")],
                response: .json(OrderList(orders: [OrderExamples.order(.ready, courier: true)])), errors: [401, 403, 422]),
        ]
}

/// Fixed values for the documented examples, so the API document is the same on every build.
private enum OrderExamples {
    static let orderID = UUID(uuidString: "8E2A4C6E-1B3D-4F5A-9C7E-2A4C6E8A1B3D")!
    static let customerID = UUID(uuidString: "6F1C2A47-5C2B-4B8B-9E7E-1D3F2C4B5A69")!
    static let restaurantID = UUID(uuidString: "3B1F6E2A-8C4D-4E5F-9A7B-1C2D3E4F5A6B")!
    static let staffID = UUID(uuidString: "5D2E7F3B-9A1C-4B6D-8E2F-3A4B5C6D7E8F")!
    static let courierID = UUID(uuidString: "1D3F5A7C-9E2B-4C6D-8F1A-3C5E7A9C2E4A")!
    static let paymentID = UUID(uuidString: "2B4D6F8A-1C3E-4A5B-9D7F-4B6D8F1A3C5E")!
    static let itemID = UUID(uuidString: "9C5E1A3B-4D6F-4A8C-9E2B-7F1A3C5E7A9B")!
    static let naanOptionID = UUID(uuidString: "4F6B8D1A-3C5E-4F7A-9B2D-1E3F5A7C9E2B")!
    static let placedAt = Date(timeIntervalSince1970: 1_800_000_000)
    static let deliveryLocation = GeoPoint(uncheckedLat: 52.5251, lon: 13.4093)
    static let pickupLocation = GeoPoint(uncheckedLat: 52.5293, lon: 13.4011)
    static let deliveryAddress = "Alte Schönhauser Straße 12, 10119 Berlin"

    /// The staff routes `addRoutes` registers in a loop; each takes an optional `{"reason": …}` body
    /// (accept also `prepMinutes`).
    static let restaurantSteps: [(path: String, target: OrderStatus, summary: String, reason: String)] = [
        (
            "accept", .accepted, "The restaurant accepts a confirmed order, saying when the food will be ready (body optional)",
            "extra naan on the side"
        ),
        ("reject", .rejected, "The restaurant rejects a confirmed order (body optional)", "kitchen closing early"),
        ("preparing", .preparing, "The kitchen has started an accepted order (body optional)", "in the tandoor"),
        ("ready", .ready, "The food is ready for the courier (body optional)", "on the pickup shelf"),
    ]

    static let requestLines = [OrderRequest.Line(itemID: itemID, quantity: 2, options: [naanOptionID])]

    static let lines = [
        QuoteLine(
            itemID: itemID, name: "Chicken Tikka Masala", quantity: 2,
            options: [ChosenOption(id: naanOptionID, group: "Extras", name: "Garlic naan", priceDelta: Money(250, "EUR"))],
            unitPrice: Money(1_640, "EUR"), lineTotal: Money(3_280, "EUR"))
    ]

    static let quote = Quote(
        restaurantID: restaurantID, restaurantName: "Curry Kitchen", lines: lines, subtotal: Money(3_280, "EUR"),
        deliveryFee: Money(199, "EUR"), serviceFee: Money(164, "EUR"), total: Money(3_643, "EUR"), distanceMetres: 874, etaMinutes: 28,
        deliveryLocation: deliveryLocation, deliveryAddress: deliveryAddress)

    /// An order in `status`, with a courier assigned and/or its history when asked, as a party
    /// in `seenBy` reads it (a customer or the restaurant does not see the courier's id).
    static func order(_ status: OrderStatus, courier: Bool = false, history: Bool = false, seenBy: Role = .courier) -> Order {
        let minute: TimeInterval = 60
        let minutesSincePlaced: [OrderStatus: TimeInterval] = [
            .confirmed: 0.05, .cancelled: 1, .accepted: 2, .rejected: 2, .preparing: 3, .ready: 18, .pickedUp: 21, .delivered: 34,
        ]
        let changes = [
            OrderStatusChange(from: nil, to: .placed, actor: .customer, actorID: customerID, reason: nil, at: placedAt),
            OrderStatusChange(
                from: .placed, to: .confirmed, actor: .system, actorID: nil, reason: "payment authorised", at: placedAt + 3),
            OrderStatusChange(from: .confirmed, to: .accepted, actor: .restaurant, actorID: staffID, reason: nil, at: placedAt + 2 * minute),
            OrderStatusChange(from: .accepted, to: .preparing, actor: .restaurant, actorID: staffID, reason: nil, at: placedAt + 3 * minute),
            OrderStatusChange(from: .preparing, to: .ready, actor: .restaurant, actorID: staffID, reason: nil, at: placedAt + 18 * minute),
            OrderStatusChange(from: .ready, to: .pickedUp, actor: .courier, actorID: courierID, reason: nil, at: placedAt + 21 * minute),
        ]
        return Order(
            id: orderID, customerID: customerID, restaurantID: restaurantID, restaurantName: "Curry Kitchen", status: status,
            lines: lines, subtotal: Money(3_280, "EUR"), deliveryFee: Money(199, "EUR"), serviceFee: Money(164, "EUR"),
            total: Money(3_643, "EUR"), deliveryLocation: deliveryLocation, deliveryAddress: deliveryAddress,
            pickupLocation: pickupLocation, etaMinutes: 28, paymentID: paymentID,
            courierID: courier && [.courier, .operator].contains(seenBy) ? courierID : nil, courierAssigned: courier, placedAt: placedAt, updatedAt: placedAt + (minutesSincePlaced[status] ?? 0) * minute,
            acceptDeadline: status == .confirmed ? placedAt + 10 * minute : nil,
            readyBy: [.confirmed, .cancelled, .rejected].contains(status) ? nil : placedAt + 17 * minute, attention: nil,
            history: history ? changes : nil,
            refunds: history ? [] : nil)
    }
}
