import Accounts
import Catalog
import Core
import Dispatching
import Foundation
import Live
import Notifications
import Operations
import Ordering
import Payments
import TiffinHTTP
import WebApps

/// Every documented route of Tiffin. `OpenAPITests` checks it against the routes the router serves.
let allOperations: [APIOperation] =
    AccountController.operations + CatalogController.operations + OrderController.operations + PaymentController.operations
    + DispatchController.operations + NotificationController.operations + WebhookController.operations + SystemController.operations
    + MetricsController.operations + OpenAPIController.operations + TelemetryController.operations + AppConfigController.operations
    + WebAppController.operations + CourierPositionController.operations + SLOController.operations

/// The OpenAPI 3.1 document of the API, built from `APIOperation`s. Request and response schemas
/// are inferred from each operation's example, encoded exactly as the API encodes it.
struct OpenAPIDocument: Sendable {
    static let version = "1.0.0"

    let operations: [APIOperation]

    init(operations: [APIOperation] = allOperations) {
        self.operations = operations
    }

    /// The document as compact JSON text with sorted keys, so it is the same on every build.
    func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(try json())
    }

    func json() throws -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            let path = Self.openAPIPath(operation.path)
            var item = paths[path]?.objectValue ?? [:]
            item[operation.method.rawValue] = try Self.operationObject(operation)
            paths[path] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Tiffin",
                "version": .string(Self.version),
                "description": .string(Self.overview),
            ],
            "servers": [["url": "/"]],
            "tags": .array(tags().map { name, description in ["name": .string(name), "description": .string(description)] }),
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "bearer": [
                        "type": "http", "scheme": "bearer",
                        "description": "The token from POST /v1/auth/login, sent as `Authorization: Bearer <token>`.",
                    ]
                ],
                "schemas": ["Problem": Self.problemSchema],
            ],
        ]
    }

    // MARK: Operations

    static let overview = """
        Tiffin is an open-source food-delivery platform: restaurants, couriers and customers of one city.

        * Sign in with `POST /v1/auth/login` and send `Authorization: Bearer <token>`. Each operation's \
        `x-roles` lists the account roles it admits; operations without `security` are public, and \
        there a token that is no longer valid is ignored, not refused.
        * Requests are rate-limited per account and per client address, by class (`x-rate-limit-class`; \
        limits in the README). An answer of a limited class carries `RateLimit-Policy` and `RateLimit` \
        (draft-ietf-httpapi-ratelimit-headers); past a limit the answer is 429 with `Retry-After`.
        * Every `GET` also answers `HEAD`: the same status and headers, no body.
        * Money is an integer amount of minor units (cents) with an ISO 4217 currency. Times are ISO 8601 in UTC.
        * Every 4xx and 5xx answer is an RFC 9457 problem (`application/problem+json`); `field` names the \
        request field at fault and `state` the state a state machine refused.
        * `POST /v1/orders` needs an `Idempotency-Key` header: a retry with the same key replays the order.
        """

    static let tagDescriptions: [(String, String)] = [
        ("Accounts", "Sign-up, log-in and bearer tokens"),
        ("Catalog", "Restaurants, opening hours and menus"),
        ("Ordering", "Quotes, orders and their status"),
        ("Payments", "Card payments held for orders"),
        ("Dispatch", "Couriers' availability, positions and tracking"),
        ("Notifications", "The activity feed of every user, and which channels each kind of notification uses"),
        ("Webhooks", "Signed deliveries of events to partners' endpoints, with retries and a log of every attempt"),
        ("Operations", "What operators see: every order, filtered; online couriers"),
        ("System", "Health, readiness and this document"),
        ("Apps", "The customer, restaurant and courier web apps, served by Tiffin itself"),
    ]

    /// Paths answered with something other than JSON.
    static let plainContent: [String: String] =
        ["/": "text/html", "/metrics": "text/plain"]
        .merging(WebApps.apps.map { ("/\($0)", "text/html") } + WebApps.folders.map { ("/\($0)/**", "*/*") }) { a, _ in a }

    /// The documented tags, in a fixed order, then any others the operations use.
    func tags() -> [(String, String)] {
        let known = Set(Self.tagDescriptions.map(\.0))
        let others = Set(operations.map(\.tag)).subtracting(known).sorted().map { ($0, $0) }
        return Self.tagDescriptions + others
    }

    static func operationObject(_ operation: APIOperation) throws -> JSONValue {
        var object: [String: JSONValue] = [
            "operationId": .string(operationID(operation)),
            "summary": .string(operation.summary),
            "tags": [.string(operation.tag)],
            "responses": .object(try responses(operation)),
        ]
        let parameters = parameters(operation)
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = operation.request {
            var schema = try body.schema()
            // A PATCH body is a partial update and an optional body is all optional: no field is required.
            if operation.method == .patch || body.isOptional, case .object(var fields) = schema {
                fields["required"] = nil
                schema = .object(fields)
            }
            object["requestBody"] = [
                "required": .bool(!body.isOptional),
                "content": ["application/json": ["schema": schema, "example": try jsonValue(of: body.example)]],
            ]
        }
        if !operation.roles.isEmpty {
            object["security"] = [["bearer": []]]
            let roles = Role.allCases.filter(operation.roles.contains)
            object["x-roles"] = .array(roles.map { .string($0.rawValue) })
        }
        if operation.rateClass != .unlimited { object["x-rate-limit-class"] = .string(operation.rateClass.rawValue) }
        if operation.request != nil { object["x-max-body-bytes"] = .integer(Int64(operation.maximumBodyBytes)) }
        return .object(object)
    }

    static func parameters(_ operation: APIOperation) -> [JSONValue] {
        var parameters: [JSONValue] = pathParameters(operation.path).map { name in
            [
                "name": .string(name), "in": "path", "required": true,
                "schema": name.hasSuffix("ID") ? ["type": "string", "format": "uuid"] : ["type": "string"],
            ]
        }
        parameters += operation.queryParameters.map { query in
            [
                "name": .string(query.name), "in": "query", "required": .bool(query.required), "description": .string(query.description),
                "schema": query.schema,
            ]
        }
        if operation.requiresIdempotencyKey {
            parameters.append([
                "name": "Idempotency-Key", "in": "header", "required": true,
                "description": .string(idempotencyKeyDescription),
                "schema": ["type": "string", "minLength": 1, "maxLength": 255],
            ])
        }
        return parameters
    }

    static let idempotencyKeyDescription = """
        A key unique to this request (1 to 255 visible ASCII characters). A retry with the same key and body replays the \
        first answer — its status and body, a failure included — with `Idempotent-Replayed: true`; while the first is still \
        running it gets 409 with `Retry-After`; the same key with another body is refused (422).
        """

    static func responses(_ operation: APIOperation) throws -> [String: JSONValue] {
        var success: [String: JSONValue] = ["description": .string(statusDescription(operation.responseStatus))]
        if let body = operation.response {
            success["content"] = ["application/json": ["schema": try body.schema(), "example": try jsonValue(of: body.example)]]
        } else if let content = plainContent[operation.path] {
            success["content"] = .object([content: ["schema": ["type": "string"]]])
        }
        if operation.requiresIdempotencyKey {
            success["headers"] = [
                "Idempotent-Replayed": [
                    "description": "Present on a replay of an earlier request with the same Idempotency-Key",
                    "schema": ["type": "string", "enum": ["true"]],
                ]
            ]
        }
        var responses = [String(operation.responseStatus): JSONValue.object(success)]
        var errors = Set(operation.errorStatuses)
        // What every operation of a kind can answer: a body can be malformed or invalid, an id unknown.
        if operation.request != nil { errors.formUnion([400, 413, 422]) }
        if operation.path.contains("/:") { errors.insert(404) }
        if operation.requiresIdempotencyKey { errors.formUnion([400, 409, 422]) }
        if !operation.roles.isEmpty { errors.insert(401) }
        if !operation.roles.isEmpty && Set(operation.roles) != Set(Role.allCases) { errors.insert(403) }
        if operation.rateClass != .unlimited {
            // A limit, or the database or a dependency unavailable (docs/edge.md).
            errors.formUnion([429, 503])
            success["headers"] = .object((success["headers"]?.objectValue ?? [:]).merging(rateLimitHeaders) { a, _ in a })
            responses[String(operation.responseStatus)] = .object(success)
        }
        for status in errors {
            var response: [String: JSONValue] = [
                "description": .string(statusDescription(status)),
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ]
            if status == 429 || status == 503 {
                response["headers"] = .object(
                    ["Retry-After": ["description": "Seconds to wait before retrying", "schema": ["type": "integer", "minimum": 1]]]
                        .merging(status == 429 ? rateLimitHeaders : [:]) { a, _ in a })
            }
            responses[String(status)] = .object(response)
        }
        return responses
    }

    /// The IETF rate-limit fields (draft-ietf-httpapi-ratelimit-headers), on every answer of a limited class.
    static let rateLimitHeaders: [String: JSONValue] = [
        "RateLimit-Policy": [
            "description":
                "The limits this request fell under, e.g. `\"placement-account\";q=10;w=60, \"placement-address\";q=120;w=60` (q requests per w seconds, as a token bucket)",
            "schema": ["type": "string"],
        ],
        "RateLimit": [
            "description": "What is left of each: `\"placement-account\";r=9;t=6` (r requests left, t seconds until the bucket is full)",
            "schema": ["type": "string"],
        ],
    ]

    static func statusDescription(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No content"
        case 400: "Malformed request, e.g. a missing or unparseable JSON body"
        case 401: "Missing, unknown or expired bearer token"
        case 402: "Payment declined"
        case 403: "Signed in with a role this route is not for, or the object belongs to someone else"
        case 404: "No such object, or not one the caller may see"
        case 409: "The object's current state does not allow this"
        case 413: "The body is larger than this route takes (`x-max-body-bytes`)"
        case 422: "A field is missing, malformed or out of range (`field` names it)"
        case 429: "Too many requests (a rate limit, or the login throttle); retry after `Retry-After` seconds"
        case 503: "A dependency is unavailable (`database-unavailable`, `payment-unavailable`) or the server is shedding load (`overloaded`); retry after `Retry-After` seconds"
        default: "Status \(status)"
        }
    }

    static let problemSchema: JSONValue = [
        "type": "object",
        "description": "An RFC 9457 problem, sent with every 4xx and 5xx.",
        "required": ["type", "title", "status", "detail"],
        "properties": [
            "type": ["type": "string", "format": "uri", "description": "https://tiffin.dev/problems/<slug>"],
            "title": ["type": "string"],
            "status": ["type": "integer", "description": "The HTTP status code"],
            "detail": ["type": "string"],
            "field": ["type": "string", "description": "The request field at fault, as a dotted path (items.0.quantity)"],
            "state": ["type": "string", "description": "The state a state machine refused"],
            "instance": ["type": "string", "description": "The request path"],
        ],
    ]

    // MARK: Paths

    /// `/v1/orders/:orderID` → `/v1/orders/{orderID}`.
    static func openAPIPath(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
    }

    /// `post /v1/orders/:orderID/cancel` → `postV1OrdersByOrderIDCancel`; `/` is `Root`; a
    /// trailing `**` (any file below) is `Files`.
    static func operationID(_ operation: APIOperation) -> String {
        func capitalized(_ word: Substring) -> String { word.prefix(1).uppercased() + word.dropFirst() }
        let words = operation.path.split(separator: "/").map { segment in
            segment.hasPrefix(":")
                ? "By" + capitalized(segment.dropFirst())
                : segment == "**" ? "Files" : segment.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(capitalized).joined()
        }
        return operation.method.rawValue + (words.isEmpty ? "Root" : words.joined())
    }

    /// The value as the API sends it: encoded with `TiffinJSON.encoder`, parsed back.
    static func jsonValue(of example: any Encodable) throws -> JSONValue {
        let data = try TiffinJSON.encoder.encode(example)
        return JSONValue(jsonObject: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }
}
