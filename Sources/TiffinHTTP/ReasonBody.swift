public import Core

/// A body that only gives an optional reason (cancel, reject, hand back, decline an offer).
public struct ReasonBody: ValidatedRequest, Codable, Sendable, SchemaConstrained {
    public static let maximumLength = 500
    public static let schemaConstraints: [String: SchemaConstraint] = ["reason": SchemaConstraint(maxLength: maximumLength)]
    public let reason: String?

    public init(reason: String?) {
        self.reason = reason
    }

    public func validate() throws {
        if let reason, TextSafetyRules.length(reason) > Self.maximumLength {
            throw ValidationError(field: "reason", reason: "at most \(Self.maximumLength) characters")
        }
    }
}
