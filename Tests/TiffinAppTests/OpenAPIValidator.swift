import Foundation

/// Checks HTTP answers against Tiffin's OpenAPI document: the status must be documented for the
/// operation, and a JSON body must match the documented schema — stricter than JSON Schema in one
/// way: a property the schema does not list is an error, so an undocumented field cannot slip in.
///
/// Supports what the document uses: type, properties, required, items, enum, format (uuid,
/// date-time), minimum, maximum, minLength, maxLength, minItems, maxItems, pattern, $ref.
struct OpenAPIValidator: @unchecked Sendable {
    struct Operation: @unchecked Sendable {
        let method: String
        let template: String
        let segments: [String]
        let responses: [String: Any]
        let requestSchema: [String: Any]?
    }

    let operations: [Operation]
    let components: [String: [String: Any]]

    init(document: [String: Any]) {
        var operations: [Operation] = []
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            for (method, value) in item as? [String: Any] ?? [:] {
                guard let operation = value as? [String: Any] else { continue }
                let request = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any]
                operations.append(
                    Operation(
                        method: method, template: path, segments: path.split(separator: "/").map(String.init),
                        responses: operation["responses"] as? [String: Any] ?? [:], requestSchema: request?["schema"] as? [String: Any]))
            }
        }
        // Literal segments win over parameters (`/v1/restaurants/nearby` before `/{restaurantID}`).
        self.operations = operations.sorted { $0.segments.filter { $0.hasPrefix("{") }.count < $1.segments.filter { $0.hasPrefix("{") }.count }
        self.components = (document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]] ?? [:]
    }

    func operation(method: String, path: String) -> Operation? {
        let segments = path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        return operations.first { operation in
            operation.method == method && operation.segments.count == segments.count
                && zip(operation.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }

    /// Problems with an answer; empty when it is as documented.
    func problems(method: String, path: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let operation = operation(method: method, path: path) else {
            // An unknown route answers 404 (or 405) from the router itself.
            return status == 404 || status == 405 ? [] : ["\(method) \(path) is not in the document"]
        }
        let where_ = "\(method) \(operation.template) → \(status)"
        // 413 comes from the server before any route sees the request.
        guard let response = operation.responses[String(status)] as? [String: Any] else {
            return status == 413 ? [] : ["\(where_): status not documented (documented: \(operation.responses.keys.sorted()))"]
        }
        guard let content = response["content"] as? [String: Any] else {
            return body.isEmpty ? [] : ["\(where_): a body where none is documented"]
        }
        let mediaType = contentType?.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[mediaType] as? [String: Any] else { return ["\(where_): content type \(mediaType) not documented"] }
        guard mediaType.hasSuffix("json"), let schema = media["schema"] as? [String: Any] else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return ["\(where_): body is not JSON"] }
        return validate(value, against: schema, at: "body").map { "\(where_): \($0)" }
    }

    func validate(_ value: Any, against schema: [String: Any], at path: String) -> [String] {
        if let ref = schema["$ref"] as? String {
            guard let target = components[String(ref.split(separator: "/").last ?? "")] else { return ["\(path): unknown $ref \(ref)"] }
            return validate(value, against: target, at: path)
        }
        var problems: [String] = []
        if let type = schema["type"] as? String, !Self.matches(value, type: type) {
            return ["\(path): expected \(type), got \(value)"]
        }
        if let values = schema["enum"] as? [Any], let text = value as? String, !values.contains(where: { ($0 as? String) == text }) {
            problems.append("\(path): '\(text)' is not one of \(values)")
        }
        if let text = value as? String {
            if let format = schema["format"] as? String {
                if format == "uuid" && UUID(uuidString: text) == nil { problems.append("\(path): '\(text)' is not a uuid") }
                if format == "date-time" && !Self.isDateTime(text) { problems.append("\(path): '\(text)' is not a date-time") }
            }
            if let min = schema["minLength"] as? Int, text.count < min { problems.append("\(path): shorter than \(min)") }
            if let max = schema["maxLength"] as? Int, text.count > max { problems.append("\(path): longer than \(max)") }
            if let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
        }
        if let number = value as? NSNumber, !(value is Bool) {
            if let min = (schema["minimum"] as? NSNumber)?.doubleValue, number.doubleValue < min { problems.append("\(path): below \(min)") }
            if let max = (schema["maximum"] as? NSNumber)?.doubleValue, number.doubleValue > max { problems.append("\(path): above \(max)") }
        }
        if let array = value as? [Any] {
            if let min = schema["minItems"] as? Int, array.count < min { problems.append("\(path): fewer than \(min) items") }
            if let max = schema["maxItems"] as? Int, array.count > max { problems.append("\(path): more than \(max) items") }
            if let items = schema["items"] as? [String: Any], !items.isEmpty {
                for (index, element) in array.enumerated() { problems += validate(element, against: items, at: "\(path).\(index)") }
            }
        }
        if let object = value as? [String: Any], schema["type"] as? String == "object" {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                problems.append("\(path).\(name): required but absent")
            }
            if !properties.isEmpty {
                for (name, element) in object {
                    guard let property = properties[name] as? [String: Any] else {
                        problems.append("\(path).\(name): not in the schema")
                        continue
                    }
                    problems += validate(element, against: property, at: "\(path).\(name)")
                }
            }
        }
        return problems
    }

    static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "boolean": (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
        case "integer":
            (value as? NSNumber).map { String(cString: $0.objCType) != "c" && $0.doubleValue.rounded() == $0.doubleValue } ?? false
        case "number": (value as? NSNumber).map { String(cString: $0.objCType) != "c" } ?? false
        case "null": value is NSNull
        default: false
        }
    }

    static func isDateTime(_ text: String) -> Bool {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) != nil
            || (try? Date(text, strategy: Date.ISO8601FormatStyle())) != nil
    }
}
