import Core
import Foundation
import HTTPTypes
import Testing
import TiffinHTTP
import TiffinTestSupport
import Catalog

@testable import TiffinApp

/// Hostile input on every operation with a body, generated from the API document: never a 5xx,
/// always a problem naming what is wrong; and every limit the document states is enforced.
@Suite("Hostile input, generated from the API document")
struct BadInputTests {
    /// A JSON path into a body (keys and array indices) and the schema found there.
    struct Field {
        let path: [String]
        let schema: [String: Any]
        var name: String { path.joined(separator: ".") }
    }

    /// The example body of `operation` with the ids of the world's A parties in place of the
    /// example's made-up ones, so requests reach validation and the services.
    static func baseBody(_ operation: APIOperation, _ world: World) throws -> Any {
        let data = try TiffinJSON.encoder.encode(operation.request!.example)
        var value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        func substitute(_ value: inout Any) {
            if var object = value as? [String: Any] {
                for key in Array(object.keys) {
                    switch key {
                    case "restaurantID": object[key] = world.fixture.restaurant.id.uuidString
                    case "itemID": object[key] = world.fixture.pizza.id.uuidString
                    case "sectionID": object[key] = world.fixture.pizza.sectionID.uuidString
                    case "options" where object["itemID"] != nil: object[key] = [world.fixture.small.uuidString]
                    default:
                        var inner = object[key]!
                        substitute(&inner)
                        object[key] = inner
                    }
                }
                value = object
            } else if var array = value as? [Any] {
                for index in array.indices { substitute(&array[index]) }
                value = array
            }
        }
        substitute(&value)
        return value
    }

    /// Every field of `schema` present in `body`: objects' properties, the first element of arrays.
    static func fields(of schema: [String: Any], in body: Any, at path: [String] = []) -> [Field] {
        var found: [Field] = []
        if let object = body as? [String: Any], let properties = schema["properties"] as? [String: [String: Any]] {
            for (name, property) in properties.sorted(by: { $0.key < $1.key }) {
                found.append(Field(path: path + [name], schema: property))
                if let value = object[name] { found += fields(of: property, in: value, at: path + [name]) }
            }
        } else if let array = body as? [Any], let items = schema["items"] as? [String: Any], let first = array.first {
            found += fields(of: items, in: first, at: path + ["0"])
        }
        return found
    }

    /// JSON text of `body` with the value at `path` replaced by raw JSON text.
    static func replacing(_ path: [String], in body: Any, with raw: String) throws -> String {
        let marker = "__RAW_\(UUID().uuidString)__"
        func set(_ value: Any, _ path: ArraySlice<String>) -> Any {
            guard let key = path.first else { return marker }
            if var object = value as? [String: Any] {
                object[key] = set(object[key] ?? [String: Any](), path.dropFirst())
                return object
            }
            if var array = value as? [Any], let index = Int(key), array.indices.contains(index) {
                array[index] = set(array[index], path.dropFirst())
                return array
            }
            return value
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: set(body, path[...]), options: [.fragmentsAllowed]), as: UTF8.self)
        return text.replacingOccurrences(of: "\"\(marker)\"", with: raw)
    }

    /// Hostile values for a field of this schema, as raw JSON.
    static func hostileValues(_ schema: [String: Any]) -> [String] {
        var values = ["null", "{}", "[]", "\"\\u0000\"", "true"]
        switch schema["type"] as? String {
        case "string":
            values += ["\"a\\u0000b\"", "\"" + String(repeating: "x", count: 10_000) + "\"", "123", "\"\\ud800\""]
            if schema["format"] as? String == "uuid" { values += ["\"\(UUID().uuidString)\"", "\"not-a-uuid\""] }
            if schema["format"] as? String == "date-time" { values += ["\"2026-02-30T00:00:00Z\"", "\"yesterday\""] }
        case "integer", "number":
            values += ["\"12\"", "1e300", "-1e300", "9223372036854775808", "-9223372036854775809", "1.5", "-1", "0"]
        case "array":
            values += ["\"x\"", "[null]", "[" + Array(repeating: "1", count: 2_000).joined(separator: ",") + "]"]
        default:
            values += ["\"x\"", "12"]
        }
        return values
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int64(value)) : String(value)
    }

    static func value(at path: [String], in body: Any) -> Any? {
        path.reduce(Optional(body)) { value, key in
            if let object = value as? [String: Any] { return object[key] }
            if let array = value as? [Any], let index = Int(key), array.indices.contains(index) { return array[index] }
            return nil
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func hostileBodiesNeverGetA5xxAndAlwaysAProblem(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, services in
            let world = try await World.make(services)
            var sent = 0
            for operation in allOperations where operation.request != nil {
                let token = operation.roles.first.map { world.party($0).token }
                let path = world.concrete(operation.path)
                let base = try Self.baseBody(operation, world)
                let schema = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(try operation.request!.schema())) as! [String: Any]
                var bodies = ["{", "[]", "\"x\"", "null", "{}", "{\"\\u0000\":1}", "{\"a\":" + String(repeating: "[", count: 5_000)]
                bodies.append(
                    String(decoding: try JSONSerialization.data(withJSONObject: ["pad": String(repeating: "x", count: 100_000)]), as: UTF8.self))
                for field in Self.fields(of: schema, in: base) {
                    for value in Self.hostileValues(field.schema) { bodies.append(try Self.replacing(field.path, in: base, with: value)) }
                }
                for body in bodies {
                    let headers = operation.requiresIdempotencyKey ? ["Idempotency-Key": "hostile-\(UUID())"] : [:]
                    let reply = try await api.call(operation.httpMethod, path, token: token, json: body, headers: headers)
                    sent += 1
                    let code = Int(reply.status.code)
                    #expect(code < 500, "\(operation.method.rawValue.uppercased()) \(operation.path) with \(body.prefix(200)): \(reply.status)")
                    if code >= 400 {
                        #expect(reply.isProblem, "\(operation.path): \(reply.status) without a problem body")
                    }
                }
            }
            #expect(sent > 500, "\(sent) hostile requests")
        }
    }

    @Test(arguments: TestDatabaseKind.available)
    func everyDocumentedLimitIsEnforcedWithA422NamingTheField(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, services in
            let world = try await World.make(services)
            var checked = 0
            for operation in allOperations where operation.request != nil {
                let token = operation.roles.first.map { world.party($0).token }
                let base = try Self.baseBody(operation, world)
                let schema = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(try operation.request!.schema())) as! [String: Any]
                for field in Self.fields(of: schema, in: base) {
                    var outside: [String] = []
                    if let min = field.schema["minimum"] as? Double { outside.append(Self.number(min - 1)) }
                    if let max = field.schema["maximum"] as? Double { outside.append(Self.number(max + 1)) }
                    if let min = field.schema["minLength"] as? Int, min > 0 { outside.append("\"" + String(repeating: "x", count: min - 1) + "\"") }
                    if let max = field.schema["maxLength"] as? Int {
                        outside.append("\"" + String(repeating: "x", count: max + 1) + "\"")
                        // One letter on screen, `max + 1` code points: limits count code points.
                        outside.append("\"a" + String(repeating: "\\u0301", count: max) + "\"")
                    }
                    if let min = field.schema["minItems"] as? Int, min > 0 { outside.append("[]") }
                    if let max = field.schema["maxItems"] as? Int, let items = (Self.value(at: field.path, in: base) as? [Any])?.first {
                        let element = String(decoding: try JSONSerialization.data(withJSONObject: items, options: [.fragmentsAllowed]), as: UTF8.self)
                        outside.append("[" + Array(repeating: element, count: max + 1).joined(separator: ",") + "]")
                    }
                    for value in outside {
                        let body = try Self.replacing(field.path, in: base, with: value)
                        let headers = operation.requiresIdempotencyKey ? ["Idempotency-Key": "limit-\(UUID())"] : [:]
                        let reply = try await api.call(
                            operation.httpMethod, world.concrete(operation.path), token: token, json: body, headers: headers)
                        checked += 1
                        #expect(
                            reply.status == .unprocessableContent && reply.string("field") == field.name,
                            "\(operation.method.rawValue.uppercased()) \(operation.path): \(field.name) = \(value.prefix(40)) → \(reply.status) \(String(decoding: reply.body, as: UTF8.self).prefix(300))"
                        )
                    }
                }
            }
            #expect(checked > 40, "\(checked) limits checked")
        }
    }
}
