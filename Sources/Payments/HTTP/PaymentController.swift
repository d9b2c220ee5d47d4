import Core
import Foundation
public import Hummingbird
public import TiffinHTTP

/// `GET /v1/orders/:orderID/payment`: the paying customer or an operator (the service decides).
public struct PaymentController: Sendable {
    let service: PaymentService

    public init(service: PaymentService) {
        self.service = service
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        router.group("v1/orders", context: SignedInContext.self).get(":orderID/payment", use: payment)
        return router
    }

    @Sendable func payment(_ request: Request, context: SignedInContext) async throws -> Payment {
        try await service.payment(orderID: try context.uuidParameter("orderID", entity: "order"), viewer: context.principal)
    }
}

extension Payment: ResponseEncodable {}
extension Refund: ResponseEncodable {}
