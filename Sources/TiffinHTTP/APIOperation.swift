public import Core
import Foundation

/// One documented route: what the OpenAPI document says about it. Each controller lists its
/// operations next to its routes; a test checks every served route is documented, and that real
/// responses match the schemas.
public struct APIOperation: Sendable {
    public enum Method: String, Sendable { case get, post, put, patch, delete }

    public var method: Method
    /// Hummingbird-style path (`/v1/orders/:orderID`).
    public var path: String
    public var summary: String
    public var tag: String
    /// Empty means public.
    public var roles: [Role]
    public var queryParameters: [QueryParameter]
    public var request: Body?
    public var responseStatus: Int
    public var response: Body?
    public var errorStatuses: [Int]
    public var requiresIdempotencyKey: Bool
    /// Which rate limits apply (`RateLimiter`); by default reads for GET, actions otherwise.
    public var rateClass: RateClass
    /// The largest body this route takes (`BodyLimitMiddleware`): by default
    /// `maximumRequestBodyBytes` (64 KiB) with a documented request body, 1 KiB without; less
    /// where the body is small by nature (sign-in, a fix, the beacon).
    public var maximumBodyBytes: Int
    /// The user journey whose SLO this route's outcomes count towards (`JourneyOutcomeMiddleware`
    /// in Operations), if any.
    public var journey: RequestJourney?

    /// A JSON body: its schema, derived from its Swift type, and an example value of that type.
    public struct Body: Sendable {
        public let schema: @Sendable () throws -> JSONValue
        public let example: any Encodable & Sendable
        /// The whole body may be left out (then every field is optional too).
        public let isOptional: Bool

        public static func json<T: Codable & Sendable>(_ example: T, optional: Bool = false) -> Body {
            Body(schema: { try JSONSchema.of(T.self) }, example: example, isOptional: optional)
        }
    }

    public struct QueryParameter: Sendable {
        public var name: String
        public var schema: JSONValue
        public var required: Bool
        public var description: String

        /// `type` is a JSON Schema type ("number", "integer", "string", "boolean").
        public init(
            _ name: String, _ type: String, required: Bool = true, _ description: String, minimum: Double? = nil, maximum: Double? = nil,
            format: String? = nil
        ) {
            var schema: [String: JSONValue] = ["type": .string(type)]
            if let minimum { schema["minimum"] = minimum.rounded() == minimum ? .integer(Int64(minimum)) : .number(minimum) }
            if let maximum { schema["maximum"] = maximum.rounded() == maximum ? .integer(Int64(maximum)) : .number(maximum) }
            if let format { schema["format"] = .string(format) }
            self.name = name
            self.schema = .object(schema)
            self.required = required
            self.description = description
        }
    }

    public init(
        _ method: Method, _ path: String, summary: String, tag: String, roles: [Role] = [],
        query: [QueryParameter] = [], request: Body? = nil,
        status: Int = 200, response: Body? = nil, errors: [Int] = [],
        idempotent: Bool = false, limit: RateClass? = nil, bodyLimit: Int? = nil, journey: RequestJourney? = nil
    ) {
        self.method = method
        self.path = path
        self.summary = summary
        self.tag = tag
        self.roles = roles
        self.queryParameters = query
        self.request = request
        self.responseStatus = status
        self.response = response
        self.errorStatuses = errors
        self.requiresIdempotencyKey = idempotent
        self.rateClass = limit ?? (method == .get ? .reads : .actions)
        self.maximumBodyBytes = bodyLimit ?? (request == nil ? 1_024 : maximumRequestBodyBytes)
        self.journey = journey
    }
}

/// The journeys measured from request outcomes: a route tagged with one counts each answer as
/// good, bad (with its cause) or left out (Operations' `JourneyID` has the same names).
public enum RequestJourney: String, Sendable, CaseIterable {
    case browse, checkout
}
