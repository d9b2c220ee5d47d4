/// What an HTTP edge needs to turn a domain failure into an RFC 9457 problem.
///
/// Domains describe failures in their own terms; only the edge knows about status codes, but
/// every domain error says which class of failure it is so the mapping is one table, not a
/// switch per route.
public struct ProblemDescription: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case badRequest  // 400: the request itself is malformed
        case unauthorized  // 401
        case paymentRequired  // 402: payment declined
        case forbidden  // 403
        case notFound  // 404
        case conflict  // 409: state does not allow it / concurrent duplicate
        case unprocessable  // 422: well-formed but semantically invalid
        case tooManyRequests  // 429: throttled; retry after `retryAfterSeconds`
        case unavailable  // 503: a dependency is down; retry later
    }

    public var kind: Kind
    /// A stable, short slug, e.g. "invalid-field", "illegal-transition".
    public var type: String
    public var title: String
    public var detail: String
    /// The request field at fault, as a dotted path (`items.0.quantity`), when there is one.
    public var field: String?
    /// The state at fault, when a state machine refused.
    public var state: String?
    /// Sent as `Retry-After` (seconds) when retrying later may succeed (409 in progress, 429, 503).
    public var retryAfterSeconds: Int?

    public init(
        kind: Kind, type: String, title: String, detail: String, field: String? = nil, state: String? = nil, retryAfterSeconds: Int? = nil
    ) {
        self.kind = kind
        self.type = type
        self.title = title
        self.detail = detail
        self.field = field
        self.state = state
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// An error that knows how to describe itself as a problem. Anything else thrown out of a
/// handler is an unexpected error (500).
public protocol DomainError: Error {
    var problem: ProblemDescription { get }
}

/// A field of a request is missing, malformed or out of range.
public struct ValidationError: DomainError, Equatable {
    public let field: String
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var problem: ProblemDescription {
        ProblemDescription(kind: .unprocessable, type: "invalid-field", title: "Invalid field", detail: "\(field): \(reason)", field: field)
    }
}

/// The named object does not exist, or the caller may not know that it does.
public struct NotFoundError: DomainError, Equatable {
    public let entity: String
    public let id: String

    public init(entity: String, id: String) {
        self.entity = entity
        self.id = id
    }

    public var problem: ProblemDescription {
        ProblemDescription(kind: .notFound, type: "not-found", title: "Not found", detail: "\(entity) \(id) was not found")
    }
}

/// The caller is authenticated but this object or action is not theirs.
public struct ForbiddenError: DomainError, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }

    public var problem: ProblemDescription {
        ProblemDescription(kind: .forbidden, type: "forbidden", title: "Forbidden", detail: reason)
    }
}

/// The request conflicts with the current state (duplicate, concurrent request, wrong state).
public struct ConflictError: DomainError, Equatable {
    public let type: String
    public let detail: String
    public let field: String?
    public let state: String?

    public init(type: String, detail: String, field: String? = nil, state: String? = nil) {
        self.type = type
        self.detail = detail
        self.field = field
        self.state = state
    }

    public var problem: ProblemDescription {
        ProblemDescription(kind: .conflict, type: type, title: "Conflict", detail: detail, field: field, state: state)
    }
}
