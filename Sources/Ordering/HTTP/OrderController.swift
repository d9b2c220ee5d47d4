import Core
import Events
import Foundation
import HTTPTypes
public import Hummingbird
public import TiffinHTTP

/// `/v1/quotes`, `/v1/orders/…`, a restaurant's order board, a courier's orders, refunds and the
/// operators' order list.
public struct OrderController: Sendable {
    let service: OrderService

    public init(service: OrderService) {
        self.service = service
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    /// The staff routes that move an order one step, each with its target status.
    static let restaurantSteps: [(path: String, target: OrderStatus)] = [
        ("accept", .accepted), ("reject", .rejected), ("preparing", .preparing), ("ready", .ready),
    ]

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        let customer = router.group("v1", context: CustomerContext.self)
        customer.post("quotes", use: quote)
        customer.post("orders", use: place)
        customer.get("orders", use: customerOrders)

        router.group("v1/orders", context: Authenticated<CustomerStaffOrOperatorRole>.self).post(":orderID/cancel", use: cancel)
        router.group("v1/orders", context: SignedInContext.self).get(":orderID", use: order)
        router.group("v1/orders", context: Authenticated<StaffOrOperatorRole>.self).post(":orderID/refunds", use: refund)

        let staff = router.group("v1", context: StaffContext.self)
        for step in Self.restaurantSteps {
            staff.post("orders/:orderID/\(step.path)") { request, context in
                try await restaurantStep(request, context: context, to: step.target)
            }
        }
        staff.get("restaurants/:restaurantID/orders", use: restaurantOrders)
        staff.get("restaurants/:restaurantID/today", use: restaurantToday)

        let courier = router.group("v1", context: CourierContext.self)
        courier.post("orders/:orderID/pickup", use: pickUp)
        courier.post("orders/:orderID/deliver", use: deliver)
        courier.post("orders/:orderID/hand-back", use: handBack)
        courier.get("courier/orders", use: courierOrders)

        router.group("v1/operator", context: OperatorContext.self).get("orders", use: operatorOrders)
        return router
    }

    @Sendable func quote(_ request: Request, context: CustomerContext) async throws -> Quote {
        let body = try await request.decodeJSON(as: QuoteRequestBody.self, context: context)
        return try await service.quote(body.orderRequest)
    }

    @Sendable func place(_ request: Request, context: CustomerContext) async throws -> Response {
        let key = try Self.idempotencyKey(request)
        let body = try await request.decodeJSON(as: PlaceOrderBody.self, context: context)
        let placement = try await service.place(
            customerID: context.principal.userID, idempotencyKey: key, request: body.orderRequest, card: body.payment.card)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.location] = "/v1/orders/\(placement.order.id)"
        if placement.replayed { headers[Self.replayedHeader] = "true" }
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: placement.body)))
    }

    static func idempotencyKey(_ request: Request) throws -> String {
        let key = request.headers[idempotencyKeyHeader]?.trimmingCharacters(in: .whitespaces) ?? ""
        try OrderService.validate(idempotencyKey: key)
        return key
    }

    @Sendable func customerOrders(_ request: Request, context: CustomerContext) async throws -> OrderList {
        let limit = try request.optionalQuery("limit", as: Int.self) ?? 50
        guard (1...200).contains(limit) else { throw ValidationError(field: "limit", reason: "must be between 1 and 200") }
        return OrderList(orders: try await service.customerOrders(customerID: context.principal.userID, limit: limit), for: context.principal)
    }

    @Sendable func cancel(_ request: Request, context: Authenticated<CustomerStaffOrOperatorRole>) async throws -> Order {
        let id = try context.uuidParameter("orderID", entity: "order")
        let body = try await request.decodeJSONIfPresent(as: ReasonBody.self, context: context)
        return try await service.cancel(orderID: id, by: context.principal, reason: body?.reason).seen(by: context.principal)
    }

    @Sendable func order(_ request: Request, context: SignedInContext) async throws -> Order {
        try await service.order(id: try context.uuidParameter("orderID", entity: "order"), viewer: context.principal)
    }

    @Sendable func refund(_ request: Request, context: Authenticated<StaffOrOperatorRole>) async throws -> Response {
        let id = try context.uuidParameter("orderID", entity: "order")
        let key = try Self.idempotencyKey(request)
        let body = try await request.decodeJSON(as: RefundBody.self, context: context)
        let result = try await service.refund(orderID: id, by: context.principal, amount: body.amount, reason: body.reason, idempotencyKey: key)
        var response = try JSONResponse(status: .created, result.refund).response(from: request, context: context)
        if result.replayed { response.headers[Self.replayedHeader] = "true" }
        return response
    }

    func restaurantStep(_ request: Request, context: StaffContext, to target: OrderStatus) async throws -> Order {
        let id = try context.uuidParameter("orderID", entity: "order")
        // Every step reads the accept body: a preparation time sent to another step is refused
        // (422) by the service, not silently dropped.
        let body = try await request.decodeJSONIfPresent(as: AcceptBody.self, context: context)
        return try await service.restaurantMove(
            orderID: id, to: target, staffID: context.principal.userID, reason: body?.reason, prepMinutes: body?.prepMinutes
        ).seen(by: context.principal)
    }

    @Sendable func restaurantOrders(_ request: Request, context: StaffContext) async throws -> OrderList {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        let active = try request.optionalQuery("active", as: Bool.self) ?? true
        let limit = try request.optionalQuery("limit", as: Int.self) ?? 100
        guard (1...500).contains(limit) else { throw ValidationError(field: "limit", reason: "must be between 1 and 500") }
        return OrderList(
            orders: try await service.restaurantOrders(restaurantID: id, staffID: context.principal.userID, activeOnly: active, limit: limit),
            for: context.principal)
    }

    @Sendable func restaurantToday(_ request: Request, context: StaffContext) async throws -> RestaurantDay {
        let id = try context.uuidParameter("restaurantID", entity: "restaurant")
        return try await service.restaurantToday(restaurantID: id, staffID: context.principal.userID)
    }

    @Sendable func pickUp(_ request: Request, context: CourierContext) async throws -> Order {
        try await service.courierMove(
            orderID: try context.uuidParameter("orderID", entity: "order"), to: .pickedUp, courierID: context.principal.userID
        ).seen(by: context.principal)
    }

    @Sendable func deliver(_ request: Request, context: CourierContext) async throws -> Order {
        try await service.courierMove(
            orderID: try context.uuidParameter("orderID", entity: "order"), to: .delivered, courierID: context.principal.userID
        ).seen(by: context.principal)
    }

    @Sendable func handBack(_ request: Request, context: CourierContext) async throws -> Order {
        let id = try context.uuidParameter("orderID", entity: "order")
        let body = try await request.decodeJSONIfPresent(as: ReasonBody.self, context: context)
        return try await service.handBack(orderID: id, courierID: context.principal.userID, reason: body?.reason).seen(by: context.principal)
    }

    @Sendable func courierOrders(_ request: Request, context: CourierContext) async throws -> OrderList {
        let active = try request.optionalQuery("active", as: Bool.self) ?? true
        return OrderList(orders: try await service.courierOrders(courierID: context.principal.userID, activeOnly: active, limit: 50), for: context.principal)
    }

    @Sendable func operatorOrders(_ request: Request, context: OperatorContext) async throws -> OrderPage {
        try await service.operatorOrders(try OperatorOrderQuery(request).filter).seen(by: context.principal)
    }
}

/// `GET /v1/operator/orders`'s query, validated like a body.
struct OperatorOrderQuery {
    static let limitRange = 1...200
    let filter: OrderFilter

    init(_ request: Request) throws {
        var filter = OrderFilter(limit: try request.optionalQuery("limit", as: Int.self) ?? 50)
        guard Self.limitRange.contains(filter.limit) else {
            throw ValidationError(field: "limit", reason: "must be between \(Self.limitRange.lowerBound) and \(Self.limitRange.upperBound)")
        }
        if let statuses = request.uri.queryParameters.get("status") {
            filter.statuses = try statuses.split(separator: ",").map { name in
                guard let status = OrderStatus(rawValue: String(name)) else {
                    throw ValidationError(
                        field: "status", reason: "'\(name)' is not one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
        }
        filter.restaurantID = try Self.uuid(request, "restaurantID")
        filter.courierID = try Self.uuid(request, "courierID")
        filter.customerID = try Self.uuid(request, "customerID")
        filter.placedFrom = try Self.date(request, "placedFrom")
        filter.placedBefore = try Self.date(request, "placedBefore")
        filter.needsAttention = try request.optionalQuery("needsAttention", as: Bool.self)
        filter.cursor = request.uri.queryParameters.get("cursor").map { String($0) }
        self.filter = filter
    }

    static func uuid(_ request: Request, _ name: String) throws -> UUID? {
        guard let raw = request.uri.queryParameters.get(name) else { return nil }
        guard let id = UUID(uuidString: String(raw)) else { throw ValidationError(field: name, reason: "must be a UUID") }
        return id
    }

    static func date(_ request: Request, _ name: String) throws -> Date? {
        guard let raw = request.uri.queryParameters.get(name) else { return nil }
        guard let date = TiffinJSON.parseDate(String(raw)) else {
            throw ValidationError(field: name, reason: "must be an ISO 8601 date-time such as 2026-11-21T18:30:00Z")
        }
        return date
    }
}

struct QuoteRequestBody: ValidatedRequest, Codable, Sendable {
    let restaurantID: UUID
    let items: [OrderRequest.Line]
    let deliveryLocation: GeoPoint
    let deliveryAddress: String

    var orderRequest: OrderRequest {
        OrderRequest(restaurantID: restaurantID, items: items, deliveryLocation: deliveryLocation, deliveryAddress: deliveryAddress)
    }

    func validate() throws { try orderRequest.validate() }
}

struct PlaceOrderBody: ValidatedRequest, Codable, Sendable {
    struct Payment: Codable, Sendable {
        /// A card number; in the sandbox, one of the documented test cards.
        let card: String
    }

    let restaurantID: UUID
    let items: [OrderRequest.Line]
    let deliveryLocation: GeoPoint
    let deliveryAddress: String
    let payment: Payment

    var orderRequest: OrderRequest {
        OrderRequest(restaurantID: restaurantID, items: items, deliveryLocation: deliveryLocation, deliveryAddress: deliveryAddress)
    }

    func validate() throws {
        try orderRequest.validate()
        guard payment.card.count <= 32, PaymentCard.isValid(payment.card) else {
            throw ValidationError(field: "payment.card", reason: "must be a card number of 12 to 19 digits passing the Luhn check")
        }
    }
}

struct RefundBody: ValidatedRequest, Codable, Sendable {
    static let reasonLength = 1...500
    static let amountRange: ClosedRange<Int64> = 1...10_000_000
    /// Minor units; absent refunds everything the caller may still refund.
    let amount: Int64?
    let reason: String

    func validate() throws {
        if let amount, !Self.amountRange.contains(amount) {
            throw ValidationError(
                field: "amount", reason: "must be between \(Self.amountRange.lowerBound) and \(Self.amountRange.upperBound) minor units")
        }
        guard Self.reasonLength.contains(TextSafetyRules.length(reason.trimmingCharacters(in: .whitespacesAndNewlines))),
            TextSafetyRules.length(reason) <= Self.reasonLength.upperBound
        else {
            throw ValidationError(field: "reason", reason: "must be \(Self.reasonLength.lowerBound) to \(Self.reasonLength.upperBound) characters")
        }
    }
}

struct OrderList: ResponseCodable, Sendable {
    let orders: [Order]
}

extension OrderList {
    /// The orders as `viewer` may read them (`Order.seen(by:)`).
    init(orders: [Order], for viewer: Principal) {
        self.orders = orders.map { $0.seen(by: viewer) }
    }
}

extension Order: ResponseEncodable {}
extension RestaurantDay: ResponseEncodable {}
extension Quote: ResponseEncodable {}
extension OrderPage: ResponseEncodable {}
extension OrderRefund: ResponseEncodable {}
