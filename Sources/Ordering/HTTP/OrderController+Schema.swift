public import Core
import Events
import TiffinHTTP

extension OrderRequest.Line: SchemaConstrained {
    public static let schemaConstraints: [String: SchemaConstraint] = [
        "quantity": .range(OrderRequest.Limits.quantity),
        "options": SchemaConstraint(maxItems: OrderRequest.Limits.optionsPerLine.upperBound, description: "Chosen option ids, each at most once"),
    ]
}

/// The limits `OrderRequest.validate()` enforces on a quote or order body.
let orderBodyConstraints: [String: SchemaConstraint] = [
    "items": .items(OrderRequest.Limits.lines),
    "deliveryAddress": .length(OrderRequest.Limits.address),
]

extension QuoteRequestBody: SchemaConstrained {
    static let schemaConstraints = orderBodyConstraints
}

extension PlaceOrderBody: SchemaConstrained {
    static let schemaConstraints = orderBodyConstraints
}

extension PlaceOrderBody.Payment: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = [
        "card": SchemaConstraint(
            minLength: 12, maxLength: 32, pattern: "^[0-9 -]+$",
            description: "A card number, 12 to 19 digits passing the Luhn check (spaces and dashes ignored); in the sandbox, a test card")
    ]
}

extension RefundBody: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = [
        "amount": .range(amountRange, "Minor units; leave out to refund everything you may still refund"),
        "reason": .length(reasonLength),
    ]
}

extension OrderRefund.Status: SchemaEnumeration {}

/// `POST /v1/orders/:orderID/accept`: how long the kitchen needs, and an optional note.
struct AcceptBody: ValidatedRequest, Codable, Sendable, SchemaConstrained {
    static let prepMinutesRange = 1...180
    static let schemaConstraints: [String: SchemaConstraint] = [
        "prepMinutes": .range(prepMinutesRange, "Minutes until the food is ready; leave out to use the restaurant's usual time"),
        "reason": SchemaConstraint(maxLength: ReasonBody.maximumLength),
    ]

    let prepMinutes: Int?
    let reason: String?

    func validate() throws {
        try ReasonBody(reason: reason).validate()
        if let prepMinutes, !Self.prepMinutesRange.contains(prepMinutes) {
            throw ValidationError(field: "prepMinutes", reason: "must be between 1 and 180 minutes")
        }
    }
}
