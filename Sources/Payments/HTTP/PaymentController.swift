import Core
import Foundation
import Hummingbird
import TiffinHTTP

/// `GET /v1/orders/:orderID/payment`: the paying customer or an operator (the service decides).
public struct PaymentController: Sendable {
    let service: PaymentService

    public init(service: PaymentService) {
        self.service = service
    }

    public func addRoutes(to router: Router<TiffinRequestContext>) {
        router.group("v1/orders", context: SignedInContext.self).get(":orderID/payment", use: payment)
    }

    @Sendable func payment(_ request: Request, context: SignedInContext) async throws -> Payment {
        try await service.payment(orderID: try context.uuidParameter("orderID", entity: "order"), viewer: context.principal)
    }
}

extension Payment: ResponseEncodable {}
extension Refund: ResponseEncodable {}
