import Accounts
import Catalog
import Core
import Dispatching
import Foundation
import Ordering
import Payments
import TiffinHTTP

/// Every documented route of Tiffin. `OpenAPITests` checks it against the routes the router serves.
let allOperations: [APIOperation] =
    AccountController.operations + CatalogController.operations + OrderController.operations + PaymentController.operations
    + DispatchController.operations + SystemController.operations + MetricsController.operations + OpenAPIController.operations

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
        `x-roles` lists the account roles it admits; operations without `security` are public.
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
        ("Operations", "What operators see: every order, filtered; online couriers"),
        ("System", "Health, readiness and this document"),
    ]

    /// Paths answered with HTML rather than JSON.
    static let htmlPaths: Set<String> = ["/"]

    /// Operations whose handler reads the body with `decodeJSONIfPresent`: the body may be left
    /// out, and so may each of its fields.
    static let optionalBodies: Set<String> = [
        "post /v1/orders/:orderID/cancel", "post /v1/orders/:orderID/accept", "post /v1/orders/:orderID/reject",
        "post /v1/orders/:orderID/preparing", "post /v1/orders/:orderID/ready", "post /v1/courier/online",
        "post /v1/orders/:orderID/hand-back",
    ]

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
        if let example = operation.requestExample {
            var schema = try schema(forExample: example)
            let isOptional = optionalBodies.contains("\(operation.method.rawValue) \(operation.path)")
            // A PATCH body is a partial update and an optional body is all optional: no field is required.
            if operation.method == .patch || isOptional, case .object(var fields) = schema {
                fields["required"] = nil
                schema = .object(fields)
            }
            object["requestBody"] = [
                "required": .bool(!isOptional),
                "content": ["application/json": ["schema": schema, "example": try jsonValue(of: example)]],
            ]
        }
        if !operation.roles.isEmpty {
            object["security"] = [["bearer": []]]
            let roles = Role.allCases.filter(operation.roles.contains)
            object["x-roles"] = .array(roles.map { .string($0.rawValue) })
        }
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
                "name": .string(query.name), "in": "query", "required": .bool(query.required),
                "description": .string(query.description), "schema": ["type": .string(query.type)],
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
        A key unique to this request (1 to 255 characters). A retry with the same key and body replays the first answer \
        with `Idempotent-Replayed: true`; the same key with another body is refused (422).
        """

    static func responses(_ operation: APIOperation) throws -> [String: JSONValue] {
        var success: [String: JSONValue] = ["description": .string(statusDescription(operation.responseStatus))]
        if let example = operation.responseExample {
            success["content"] = ["application/json": ["schema": try schema(forExample: example), "example": try jsonValue(of: example)]]
        } else if htmlPaths.contains(operation.path) {
            success["content"] = ["text/html": ["schema": ["type": "string"]]]
        } else if operation.responseStatus != 204 {
            success["content"] = ["application/json": ["schema": ["type": "object"]]]
        }
        var responses = [String(operation.responseStatus): JSONValue.object(success)]
        if operation.requiresIdempotencyKey && operation.responseStatus == 201 {
            var replay = success
            replay["description"] = "Replay of an earlier request with the same Idempotency-Key"
            replay["headers"] = ["Idempotent-Replayed": ["schema": ["type": "string", "enum": ["true"]]]]
            responses["200"] = .object(replay)
        }
        var errors = Set(operation.errorStatuses)
        if !operation.roles.isEmpty { errors.insert(401) }
        if !operation.roles.isEmpty && Set(operation.roles) != Set(Role.allCases) { errors.insert(403) }
        for status in errors {
            responses[String(status)] = [
                "description": .string(statusDescription(status)),
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ]
        }
        return responses
    }

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
        case 422: "A field is missing, malformed or out of range (`field` names it)"
        case 503: "A dependency is unavailable; retry later"
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

    /// `post /v1/orders/:orderID/cancel` → `postV1OrdersByOrderIDCancel`; `/` is `Root`.
    static func operationID(_ operation: APIOperation) -> String {
        func capitalized(_ word: Substring) -> String { word.prefix(1).uppercased() + word.dropFirst() }
        let words = operation.path.split(separator: "/").map { segment in
            segment.hasPrefix(":")
                ? "By" + capitalized(segment.dropFirst())
                : segment.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(capitalized).joined()
        }
        return operation.method.rawValue + (words.isEmpty ? "Root" : words.joined())
    }

    // MARK: Schema inference

    /// The value as the API sends it: encoded with `TiffinJSON.encoder`, parsed back.
    static func jsonValue(of example: any Encodable) throws -> JSONValue {
        let data = try TiffinJSON.encoder.encode(example)
        return JSONValue(jsonObject: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// A JSON Schema for values shaped like `example`, from its JSON encoding.
    static func schema(forExample example: any Encodable) throws -> JSONValue {
        schema(for: try jsonValue(of: example))
    }

    /// Objects list their properties and require every key present; arrays take their items'
    /// schema from the first element; strings that parse as a UUID or an ISO 8601 date-time say so.
    static func schema(for value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields):
            guard !fields.isEmpty else { return ["type": "object"] }
            return [
                "type": "object",
                "properties": .object(fields.mapValues(schema(for:))),
                "required": .array(fields.keys.sorted().map(JSONValue.string)),
            ]
        case .array(let elements):
            return ["type": "array", "items": elements.first.map(schema(for:)) ?? [:]]
        case .string(let text):
            if UUID(uuidString: text) != nil { return ["type": "string", "format": "uuid"] }
            if isDateTime(text) { return ["type": "string", "format": "date-time"] }
            return ["type": "string"]
        case .integer: return ["type": "integer"]
        case .number: return ["type": "number"]
        case .bool: return ["type": "boolean"]
        case .null: return ["type": "null"]
        }
    }

    static func isDateTime(_ text: String) -> Bool {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) != nil
            || (try? Date(text, strategy: Date.ISO8601FormatStyle())) != nil
    }
}

extension OpenAPIDocument {
    /// A JSON value: what the document is built of, and what examples are parsed into.
    enum JSONValue: Sendable, Equatable, Encodable {
        case object([String: JSONValue])
        case array([JSONValue])
        case string(String)
        case integer(Int64)
        case number(Double)
        case bool(Bool)
        case null

        /// Converts `JSONSerialization` output. Booleans arrive as `NSNumber`s too (and on Linux
        /// `NSNumber(1) is Bool` holds), so they are told apart by their Objective-C type `c`;
        /// other numbers are integers when integral.
        init(jsonObject: Any) {
            switch jsonObject {
            case is NSNull:
                self = .null
            case let number as NSNumber:
                let double = number.doubleValue
                if String(cString: number.objCType) == "c" {
                    self = .bool(number.boolValue)
                } else if double.rounded() == double, abs(double) < 9.2e18 {
                    self = .integer(number.int64Value)
                } else {
                    self = .number(double)
                }
            case let string as String:
                self = .string(string)
            case let array as [Any]:
                self = .array(array.map(JSONValue.init(jsonObject:)))
            case let object as [String: Any]:
                self = .object(object.mapValues(JSONValue.init(jsonObject:)))
            default:
                self = .string(String(describing: jsonObject))
            }
        }

        var objectValue: [String: JSONValue]? {
            if case .object(let fields) = self { fields } else { nil }
        }

        subscript(key: String) -> JSONValue? { objectValue?[key] }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .object(let fields): try container.encode(fields)
            case .array(let elements): try container.encode(elements)
            case .string(let text): try container.encode(text)
            case .integer(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .bool(let value): try container.encode(value)
            case .null: try container.encodeNil()
            }
        }
    }
}

extension OpenAPIDocument.JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: OpenAPIDocument.JSONValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, OpenAPIDocument.JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
