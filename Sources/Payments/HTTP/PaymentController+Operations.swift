import Core
import Events
import Foundation
public import TiffinHTTP

/// The documented routes of `PaymentController`.
extension PaymentController {
    public static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/orders/:orderID/payment",
            summary: "An order's payment (its customer or an operator; anyone else gets 404)", tag: "Payments", roles: Role.allCases,
            response: .json(
                Payment(
                    id: UUID(uuidString: "2B4D6F8A-1C3E-4A5B-9D7F-4B6D8F1A3C5E")!,
                    orderID: UUID(uuidString: "8E2A4C6E-1B3D-4F5A-9C7E-2A4C6E8A1B3D")!,
                    customerID: UUID(uuidString: "6F1C2A47-5C2B-4B8B-9E7E-1D3F2C4B5A69")!,
                    amount: Money(3_643, "EUR"), status: .partiallyRefunded, cardLast4: "4242", provider: "sandbox",
                    providerReference: "sbx_auth_0c8e4a2f-6b1d-4e3a-9f7c-5d2b8a1e4c6f", failureReason: nil, refundedAmount: Money(500, "EUR"),
                    createdAt: Date(timeIntervalSince1970: 1_800_000_000), updatedAt: Date(timeIntervalSince1970: 1_800_003_000),
                    refunds: [PaymentExamples.refund])),
            errors: [401, 404])
    ]
}

enum PaymentExamples {
    static let refund = Refund(
        id: UUID(uuidString: "7C9E1A3B-5D7F-4B2C-8E4A-6C8E1A3B5D7F")!, paymentID: UUID(uuidString: "2B4D6F8A-1C3E-4A5B-9D7F-4B6D8F1A3C5E")!,
        orderID: UUID(uuidString: "8E2A4C6E-1B3D-4F5A-9C7E-2A4C6E8A1B3D")!, amount: Money(500, "EUR"), reason: "naan missing",
        actor: .restaurant, status: .succeeded, failureReason: nil, createdAt: Date(timeIntervalSince1970: 1_800_003_000),
        updatedAt: Date(timeIntervalSince1970: 1_800_003_000))
}
