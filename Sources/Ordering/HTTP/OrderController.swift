import Core
import Foundation
import HTTPTypes
import Hummingbird
import TiffinHTTP

/// `/v1/quotes`, `/v1/orders/…`, a restaurant's order board and a courier's orders.
public struct OrderController: Sendable {
    let service: OrderService

    public init(service: OrderService) {
        self.service = service
    }

    public func addRoutes(to router: Router<TiffinRequestContext>) {
        let customer = router.group("v1", context: CustomerContext.self)
        customer.post("quotes") { request, context in
            let body = try await request.decodeJSON(as: QuoteRequestBody.self, context: context)
            return JSONResponse(try await service.quote(body.orderRequest))
        }
        customer.post("orders") { request, context in
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !key.isEmpty else { throw OrderingError.missingIdempotencyKey }
            let body = try await request.decodeJSON(as: PlaceOrderBody.self, context: context)
            let placement = try await service.place(
                customerID: context.principal.userID, idempotencyKey: key, request: body.orderRequest, card: body.payment.card)
            var response = try JSONResponse(
                status: placement.replayed ? .ok : .created, placement.order, location: "/v1/orders/\(placement.order.id)"
            )
            .response(from: request, context: context)
            if placement.replayed { response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
            return response
        }
        customer.get("orders") { request, context in
            let limit = try request.optionalQuery("limit", as: Int.self) ?? 50
            guard (1...200).contains(limit) else { throw ValidationError(field: "limit", reason: "must be between 1 and 200") }
            return OrderList(orders: try await service.customerOrders(customerID: context.principal.userID, limit: limit))
        }
        customer.post("orders/:orderID/cancel") { request, context in
            let id = try context.uuidParameter("orderID", entity: "order")
            let body = try await request.decodeJSONIfPresent(as: ReasonBody.self, context: context)
            return try await service.cancel(orderID: id, customerID: context.principal.userID, reason: body?.reason)
        }

        router.group("v1/orders", context: SignedInContext.self).get(":orderID") { _, context in
            try await service.order(id: try context.uuidParameter("orderID", entity: "order"), viewer: context.principal)
        }

        let staff = router.group("v1", context: StaffContext.self)
        let restaurantSteps: [(String, OrderStatus)] = [("accept", .accepted), ("reject", .rejected), ("preparing", .preparing), ("ready", .ready)]
        for (path, target) in restaurantSteps {
            staff.post("orders/:orderID/\(path)") { request, context in
                let id = try context.uuidParameter("orderID", entity: "order")
                let body = try await request.decodeJSONIfPresent(as: ReasonBody.self, context: context)
                return try await service.restaurantMove(orderID: id, to: target, staffID: context.principal.userID, reason: body?.reason)
            }
        }
        staff.get("restaurants/:restaurantID/orders") { request, context in
            let id = try context.uuidParameter("restaurantID", entity: "restaurant")
            let active = try request.optionalQuery("active", as: Bool.self) ?? true
            let limit = try request.optionalQuery("limit", as: Int.self) ?? 100
            guard (1...500).contains(limit) else { throw ValidationError(field: "limit", reason: "must be between 1 and 500") }
            return OrderList(
                orders: try await service.restaurantOrders(restaurantID: id, staffID: context.principal.userID, activeOnly: active, limit: limit))
        }

        let courier = router.group("v1", context: CourierContext.self)
        courier.post("orders/:orderID/pickup") { _, context in
            try await service.courierMove(
                orderID: try context.uuidParameter("orderID", entity: "order"), to: .pickedUp, courierID: context.principal.userID)
        }
        courier.post("orders/:orderID/deliver") { _, context in
            try await service.courierMove(
                orderID: try context.uuidParameter("orderID", entity: "order"), to: .delivered, courierID: context.principal.userID)
        }
        courier.get("courier/orders") { request, context in
            let active = try request.optionalQuery("active", as: Bool.self) ?? true
            return OrderList(orders: try await service.courierOrders(courierID: context.principal.userID, activeOnly: active, limit: 50))
        }
    }
}

struct QuoteRequestBody: ValidatedRequest, Encodable, Sendable {
    let restaurantID: UUID
    let items: [OrderRequest.Line]
    let deliveryLocation: GeoPoint
    let deliveryAddress: String

    var orderRequest: OrderRequest {
        OrderRequest(restaurantID: restaurantID, items: items, deliveryLocation: deliveryLocation, deliveryAddress: deliveryAddress)
    }

    func validate() throws { try orderRequest.validate() }
}

struct PlaceOrderBody: ValidatedRequest, Encodable, Sendable {
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
        guard PaymentCard.isValid(payment.card) else {
            throw ValidationError(field: "payment.card", reason: "must be a card number of 12 to 19 digits passing the Luhn check")
        }
    }
}

struct ReasonBody: ValidatedRequest, Encodable, Sendable {
    let reason: String?

    func validate() throws {
        if let reason, reason.count > 500 { throw ValidationError(field: "reason", reason: "at most 500 characters") }
    }
}

struct OrderList: ResponseEncodable, Sendable {
    let orders: [Order]
}

extension Order: ResponseEncodable {}
