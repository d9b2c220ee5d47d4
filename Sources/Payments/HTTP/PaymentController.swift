import Core
import Foundation
import Hummingbird
import TiffinHTTP

/// `GET /v1/orders/:orderID/payment`: the paying customer or an operator.
public struct PaymentController: Sendable {
    let service: PaymentService

    public init(service: PaymentService) {
        self.service = service
    }

    public func addRoutes(to router: Router<TiffinRequestContext>) {
        router.group("v1/orders", context: SignedInContext.self).get(":orderID/payment") { _, context in
            let orderID = try context.uuidParameter("orderID", entity: "order")
            let payment = try await service.payment(orderID: orderID)
            guard context.principal.role == .operator || payment.customerID == context.principal.userID else {
                throw NotFoundError(entity: "payment for order", id: orderID.uuidString)
            }
            return payment
        }
    }
}

extension Payment: ResponseEncodable {}
