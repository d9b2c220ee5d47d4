import Core
import Foundation

/// One documented route: what the OpenAPI document says about it. Each controller lists its
/// operations next to its routes; a test checks every served route is documented.
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
    public var requestExample: (any Encodable & Sendable)?
    public var responseStatus: Int
    public var responseExample: (any Encodable & Sendable)?
    public var errorStatuses: [Int]
    public var requiresIdempotencyKey: Bool

    public struct QueryParameter: Sendable {
        public var name: String
        public var type: String  // "number", "integer", "string"
        public var required: Bool
        public var description: String
        public init(_ name: String, _ type: String, required: Bool = true, _ description: String) {
            self.name = name
            self.type = type
            self.required = required
            self.description = description
        }
    }

    public init(
        _ method: Method, _ path: String, summary: String, tag: String, roles: [Role] = [],
        query: [QueryParameter] = [], request: (any Encodable & Sendable)? = nil,
        status: Int = 200, response: (any Encodable & Sendable)? = nil, errors: [Int] = [],
        idempotent: Bool = false
    ) {
        self.method = method
        self.path = path
        self.summary = summary
        self.tag = tag
        self.roles = roles
        self.queryParameters = query
        self.requestExample = request
        self.responseStatus = status
        self.responseExample = response
        self.errorStatuses = errors
        self.requiresIdempotencyKey = idempotent
    }
}
