import Core
import Events
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing
import TiffinHTTP

@testable import Accounts
@testable import Ordering
@testable import TiffinApp

/// The API document at `/openapi.json` against the routes the router really serves.
@Suite struct OpenAPITests {
    /// `/v1/orders/:orderID` (or Hummingbird's `{orderID}`) → `/v1/orders/{orderID}`.
    static func openAPIPath(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    /// The served document, fetched through the real router over an in-memory database, and the
    /// routes that router serves as `method path` (lower-case method, OpenAPI path).
    static func fetchDocument() async throws -> (document: [String: Any], served: Set<String>) {
        var logger = Logger(label: "tiffin.test.openapi")
        logger.logLevel = .warning
        let database = try await SQLiteStorage.open(path: nil, logger: logger)
        do {
            _ = try await Migrator(database: database, migrations: allMigrations).migrate()
            var configuration = TiffinConfiguration()
            configuration.seedDemoCity = false
            let services = buildServices(configuration: configuration, database: database, logger: logger)
            let limiter = RateLimiter(settings: configuration.rateLimits)
            let live = buildLive(services: services, configuration: configuration, limiter: limiter, logger: testLogger)
            let router = buildRouter(services: services, configuration: configuration, live: live, limiter: limiter)
            let served = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \(openAPIPath($0.path.description))" })
            let body = try await Application(router: router).test(.router) { client in
                try await client.execute(uri: "/openapi.json", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json")
                    return Data(response.body.readableBytesView)
                }
            }
            try await database.close()
            let document = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            return (document, served)
        } catch {
            try? await database.close()
            throw error
        }
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// Every operation in the document as (`method path`, operation object).
    static func operations(in document: [String: Any]) throws -> [(key: String, operation: [String: Any])] {
        let paths = try #require(document["paths"] as? [String: Any])
        return try paths.flatMap { path, item in
            let item = try #require(item as? [String: Any], "path item \(path)")
            return try item.filter { methods.contains($0.key) }.map { method, operation in
                (key: "\(method) \(path)", operation: try #require(operation as? [String: Any], "\(method) \(path)"))
            }
        }
    }

    @Test func everyServedRouteIsInTheDocument() async throws {
        let (document, served) = try await Self.fetchDocument()
        let documented = Set(try Self.operations(in: document).map(\.key))
        #expect(served.contains("get /openapi.json"))
        #expect(served.count > 40, "the router should serve every controller's routes")
        for route in served.subtracting(documented).sorted() {
            Issue.record("served but not in /openapi.json: \(route)")
        }
        for route in documented.subtracting(served).sorted() {
            Issue.record("in /openapi.json but not served: \(route)")
        }
        // The operations' own list says the same as the served document.
        #expect(Set(allOperations.map { "\($0.method.rawValue) \(Self.openAPIPath($0.path))" }) == documented)
        #expect(allOperations.count == documented.count, "an operation is listed twice")
    }

    @Test func theDocumentIsOpenAPI31WithSchemasForBodies() async throws {
        let (document, _) = try await Self.fetchDocument()
        #expect(document["openapi"] as? String == "3.1.0")
        let info = try #require(document["info"] as? [String: Any])
        #expect(info["title"] as? String == "Tiffin")
        #expect(info["version"] is String)
        let components = try #require(document["components"] as? [String: Any])
        let schemes = try #require(components["securitySchemes"] as? [String: Any])
        let bearer = try #require(schemes["bearer"] as? [String: Any])
        #expect(bearer["type"] as? String == "http")
        #expect(bearer["scheme"] as? String == "bearer")
        let schemas = try #require(components["schemas"] as? [String: Any])
        #expect(schemas["Problem"] != nil)

        let examples = Dictionary(
            allOperations.map { ("\($0.method.rawValue) \(Self.openAPIPath($0.path))", $0) }, uniquingKeysWith: { first, _ in first })
        var operationIDs: [String] = []
        for (key, operation) in try Self.operations(in: document) {
            let id = try #require(operation["operationId"] as? String, "\(key) has no operationId")
            operationIDs.append(id)
            let source = try #require(examples[key])
            if source.request != nil {
                let body = try #require(operation["requestBody"] as? [String: Any], "\(key) has no requestBody")
                let content = try #require(body["content"] as? [String: Any])
                let json = try #require(content["application/json"] as? [String: Any], "\(key) request is not JSON")
                let schema = try #require(json["schema"] as? [String: Any])
                #expect(schema["type"] as? String == "object", "\(key) request schema")
            }
            let responses = try #require(operation["responses"] as? [String: Any], "\(key) has no responses")
            #expect(responses[String(source.responseStatus)] != nil, "\(key) lacks its success response")
            for status in source.errorStatuses {
                let response = try #require(responses[String(status)] as? [String: Any], "\(key) lacks \(status)")
                let content = try #require(response["content"] as? [String: Any])
                #expect(content["application/problem+json"] != nil, "\(key) \(status) is not a problem")
            }
            if source.roles.isEmpty {
                #expect(operation["security"] == nil, "\(key) is public")
            } else {
                #expect(operation["security"] != nil, "\(key) needs a bearer token")
                #expect((operation["x-roles"] as? [String]).map(Set.init) == Set(source.roles.map(\.rawValue)), "\(key) x-roles")
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds are not unique")

        let paths = try #require(document["paths"] as? [String: Any])
        let place = try #require((paths["/v1/orders"] as? [String: Any])?["post"] as? [String: Any])
        let parameters = try #require(place["parameters"] as? [[String: Any]])
        #expect(parameters.contains { $0["name"] as? String == "Idempotency-Key" && $0["in"] as? String == "header" })
        let cancel = try #require((paths["/v1/orders/{orderID}/cancel"] as? [String: Any])?["post"] as? [String: Any])
        let orderID = try #require((cancel["parameters"] as? [[String: Any]])?.first)
        #expect(orderID["in"] as? String == "path")
        #expect((orderID["schema"] as? [String: Any])?["format"] as? String == "uuid")
        let home = try #require((paths["/"] as? [String: Any])?["get"] as? [String: Any])
        let homeContent = try #require(((home["responses"] as? [String: Any])?["200"] as? [String: Any])?["content"] as? [String: Any])
        #expect(homeContent["text/html"] != nil)
    }

    @Test func schemasComeFromTheTypesWithOptionalFieldsOptionalAndEnumsListed() throws {
        let order = try JSONSchema.of(Order.self)
        let required = try #require(order["required"]).arrayStrings
        #expect(required.contains("id") && required.contains("status") && required.contains("total"))
        for optional in ["acceptDeadline", "courierID", "paymentID", "history", "refunds", "attention"] {
            #expect(!required.contains(optional), "\(optional) may be absent, so it is not required")
        }
        let history = try #require(order["properties"]?["history"]?["items"])
        #expect(!(try #require(history["required"]).arrayStrings.contains("actorID")))
        #expect(order["properties"]?["status"]?["enum"] == .array(OrderStatus.allCases.map { .string($0.rawValue) }))
        #expect(order["properties"]?["placedAt"] == ["type": "string", "format": "date-time"])
        #expect(order["properties"]?["id"] == ["type": "string", "format": "uuid"])
        #expect(order["properties"]?["deliveryLocation"]?["properties"]?["lat"]?["maximum"] == 90)
    }

    @Test func enforcedLimitsAreDocumented() throws {
        let signUp = try JSONSchema.of(AccountController.SignUpRequest.self)
        #expect(signUp["properties"]?["password"]?["minLength"] == 8 && signUp["properties"]?["password"]?["maxLength"] == 72)
        #expect(signUp["properties"]?["role"]?["enum"] == ["customer", "staff", "courier", "operator"])
        let order = try JSONSchema.of(PlaceOrderBody.self)
        #expect(order["properties"]?["items"]?["minItems"] == 1 && order["properties"]?["items"]?["maxItems"] == 50)
        let line = try #require(order["properties"]?["items"]?["items"])
        #expect(line["properties"]?["quantity"]?["minimum"] == 1 && line["properties"]?["quantity"]?["maximum"] == 50)
        #expect(!(try #require(line["required"]).arrayStrings.contains("options")))
        let document = try OpenAPIDocument().json()
        let nearby = try #require(document["paths"]?["/v1/restaurants/nearby"]?["get"]?["parameters"])
        guard case .array(let parameters) = nearby else { Issue.record("no parameters"); return }
        let limit = try #require(parameters.first { $0["name"] == "limit" })
        #expect(limit["schema"]?["maximum"] == 100 && limit["schema"]?["minimum"] == 1)
    }

    /// The documented examples are themselves valid against the documented schemas.
    @Test func everyExampleMatchesItsSchema() throws {
        let validator = OpenAPIValidator(document: try JSONSerialization.jsonObject(with: try OpenAPIDocument().data()) as! [String: Any])
        for operation in allOperations {
            for body in [operation.request, operation.response].compactMap({ $0 }) {
                let schema = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(try body.schema())) as! [String: Any]
                let example = try JSONSerialization.jsonObject(with: try TiffinJSON.encoder.encode(body.example), options: [.fragmentsAllowed])
                let problems = validator.validate(example, against: schema, at: "example")
                #expect(problems.isEmpty, "\(operation.method) \(operation.path): \(problems)")
            }
        }
    }

    @Test func pathsAndOperationIDs() {
        #expect(
            OpenAPIDocument.openAPIPath("/v1/restaurants/:restaurantID/menu/items/:itemID") == "/v1/restaurants/{restaurantID}/menu/items/{itemID}")
        #expect(OpenAPIDocument.openAPIPath("/") == "/")
        #expect(OpenAPIDocument.operationID(.init(.post, "/v1/orders/:orderID/cancel", summary: "", tag: "")) == "postV1OrdersByOrderIDCancel")
        #expect(OpenAPIDocument.operationID(.init(.get, "/", summary: "", tag: "")) == "getRoot")
        #expect(OpenAPIDocument.operationID(.init(.get, "/openapi.json", summary: "", tag: "")) == "getOpenapiJson")
    }
}

extension JSONValue {
    var arrayStrings: [String] {
        if case .array(let values) = self { values.compactMap { if case .string(let s) = $0 { s } else { nil } } } else { [] }
    }
}
