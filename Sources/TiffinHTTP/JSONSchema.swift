import Core
import Foundation

/// A JSON value: what the API document is built of, and what examples are parsed into.
public enum JSONValue: Sendable, Equatable, Encodable {
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
    public init(jsonObject: Any) {
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

    public var objectValue: [String: JSONValue]? {
        if case .object(let fields) = self { fields } else { nil }
    }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    public func encode(to encoder: any Encoder) throws {
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

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// JSON Schema of a `Decodable` type, read off the type itself: a decoder records what the
/// type's `init(from:)` asks for — which keys, of which types, and which with `decodeIfPresent`
/// (those are optional: absent from `required`). Dates, UUIDs and `SchemaEnumeration`s are
/// recognised; `SchemaConstrained` types add their limits.
///
/// It describes what a type decodes. For response types that is what they encode too (every
/// response type is `Codable` with matching keys; optionals left out when nil).
public enum JSONSchema {
    public struct Unsupported: Error, CustomStringConvertible {
        public let description: String
    }

    public static func of<T: Decodable>(_ type: T.Type) throws -> JSONValue {
        try SchemaRecorder.record(T.self, codingPath: []).schema
    }
}

/// Builds a schema by decoding a placeholder value of `T`.
final class SchemaRecorder: Decoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    var schema: JSONValue = [:]
    // For objects: properties in the order asked, and which are required.
    var properties: [String: JSONValue] = [:]
    var required: [String] = []
    var isObject = false

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    /// A placeholder `T` and its schema.
    static func record<T: Decodable>(_ type: T.Type, codingPath: [any CodingKey]) throws -> (value: T, schema: JSONValue) {
        if T.self == Date.self { return (Date(timeIntervalSince1970: 0) as! T, ["type": "string", "format": "date-time"]) }
        if T.self == UUID.self { return (UUID() as! T, ["type": "string", "format": "uuid"]) }
        if T.self == String.self { return ("x" as! T, ["type": "string"]) }
        if T.self == Bool.self { return (false as! T, ["type": "boolean"]) }
        if T.self == Double.self { return (0.0 as! T, ["type": "number"]) }
        if T.self == Float.self { return (Float(0) as! T, ["type": "number"]) }
        if T.self == Int.self { return (0 as! T, ["type": "integer"]) }
        if T.self == Int64.self { return (Int64(0) as! T, ["type": "integer", "format": "int64"]) }
        if T.self == Int32.self { return (Int32(0) as! T, ["type": "integer", "format": "int32"]) }
        if T.self == UInt8.self { return (UInt8(0) as! T, ["type": "integer", "minimum": 0, "maximum": 255]) }
        if let enumeration = T.self as? any SchemaEnumeration.Type {
            let values = enumeration.schemaValues
            guard let first = values.first else { throw JSONSchema.Unsupported(description: "\(T.self) has no values") }
            let value = try JSONDecoder().decode(T.self, from: Data("\"\(first)\"".utf8))
            return (value, ["type": "string", "enum": .array(values.map(JSONValue.string))])
        }
        let recorder = SchemaRecorder(codingPath: codingPath)
        let value: T
        do {
            value = try T(from: recorder)
        } catch {
            throw JSONSchema.Unsupported(description: "cannot describe \(T.self) at \(codingPath.map(\.stringValue)): \(error)")
        }
        var schema = recorder.isObject ? recorder.objectSchema : recorder.schema
        if let constrained = T.self as? any SchemaConstrained.Type, case .object(var fields) = schema,
            case .object(var properties) = fields["properties"] ?? [:]
        {
            for (name, constraint) in constrained.schemaConstraints {
                // A constraint shared by several types applies to those that have the property.
                guard let existing = properties[name], case .object(var property) = existing else { continue }
                apply(constraint, to: &property)
                properties[name] = .object(property)
            }
            fields["properties"] = .object(properties)
            schema = .object(fields)
        }
        return (value, schema)
    }

    static func apply(_ c: SchemaConstraint, to property: inout [String: JSONValue]) {
        // A constraint on an array's elements (`minimum` of each quantity) goes to `items`.
        if property["type"] == "array", c.minimum != nil || c.maximum != nil || c.minLength != nil || c.maxLength != nil || c.pattern != nil,
            case .object(var items) = property["items"] ?? [:]
        {
            apply(
                SchemaConstraint(minimum: c.minimum, maximum: c.maximum, minLength: c.minLength, maxLength: c.maxLength, pattern: c.pattern),
                to: &items)
            property["items"] = .object(items)
        } else {
            if let v = c.minimum { property["minimum"] = number(v) }
            if let v = c.maximum { property["maximum"] = number(v) }
            if let v = c.minLength { property["minLength"] = .integer(Int64(v)) }
            if let v = c.maxLength { property["maxLength"] = .integer(Int64(v)) }
            if let v = c.pattern { property["pattern"] = .string(v) }
        }
        if let v = c.minItems { property["minItems"] = .integer(Int64(v)) }
        if let v = c.maxItems { property["maxItems"] = .integer(Int64(v)) }
        if let v = c.format { property["format"] = .string(v) }
        if let v = c.description { property["description"] = .string(v) }
    }

    static func number(_ value: Double) -> JSONValue {
        value.rounded() == value && abs(value) < 9e15 ? .integer(Int64(value)) : .number(value)
    }

    var objectSchema: JSONValue {
        var fields: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { fields["required"] = .array(required.sorted().map(JSONValue.string)) }
        return .object(fields)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        isObject = true
        return KeyedDecodingContainer(KeyedRecorder<Key>(recorder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        UnkeyedRecorder(recorder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueRecorder(recorder: self)
    }

    struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { recorder.codingPath }
        var allKeys: [Key] { [] }
        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }

        /// Every `decode` and `decodeIfPresent` comes here; the overloads only pick `required`.
        private func property<T: Decodable>(_ type: T.Type, _ key: Key, required: Bool) throws -> T {
            let (value, schema) = try SchemaRecorder.record(T.self, codingPath: codingPath + [key])
            recorder.properties[key.stringValue] = schema
            if required && !recorder.required.contains(key.stringValue) { recorder.required.append(key.stringValue) }
            return value
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try property(type, key, required: true) }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try property(type, key, required: false) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try property(type, key, required: true) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try property(type, key, required: true) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try property(type, key, required: true) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try property(type, key, required: true) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try property(type, key, required: true) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try property(type, key, required: true) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try property(type, key, required: true) }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try property(type, key, required: false) }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try property(type, key, required: false) }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try property(type, key, required: false) }
        func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try property(type, key, required: false) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try property(type, key, required: false) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try property(type, key, required: false) }
        func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try property(type, key, required: false) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw JSONSchema.Unsupported(description: "nested containers are not described")
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw JSONSchema.Unsupported(description: "nested containers are not described")
        }
        func superDecoder() throws -> any Decoder { recorder }
        func superDecoder(forKey key: Key) throws -> any Decoder { recorder }
    }

    /// An array: decodes one element, records its schema as `items`, then reports the end.
    struct UnkeyedRecorder: UnkeyedDecodingContainer {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { recorder.codingPath }
        var count: Int? { 1 }
        var currentIndex = 0
        var isAtEnd: Bool { currentIndex > 0 }

        init(recorder: SchemaRecorder) {
            self.recorder = recorder
            recorder.schema = ["type": "array", "items": [:]]
        }

        mutating func decodeNil() throws -> Bool { false }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (value, schema) = try SchemaRecorder.record(T.self, codingPath: codingPath)
            recorder.schema = ["type": "array", "items": schema]
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: String.Type) throws -> String { try element(type) }
        mutating func decode(_ type: Bool.Type) throws -> Bool { try element(type) }
        mutating func decode(_ type: Double.Type) throws -> Double { try element(type) }
        mutating func decode(_ type: Int.Type) throws -> Int { try element(type) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try element(type) }

        private mutating func element<T: Decodable>(_ type: T.Type) throws -> T {
            let (value, schema) = try SchemaRecorder.record(T.self, codingPath: codingPath)
            recorder.schema = ["type": "array", "items": schema]
            currentIndex += 1
            return value
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            throw JSONSchema.Unsupported(description: "nested containers are not described")
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw JSONSchema.Unsupported(description: "nested containers are not described")
        }
        mutating func superDecoder() throws -> any Decoder { recorder }
    }

    struct SingleValueRecorder: SingleValueDecodingContainer {
        let recorder: SchemaRecorder
        var codingPath: [any CodingKey] { recorder.codingPath }
        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }
        func decode(_ type: String.Type) throws -> String { try value(type) }
        func decode(_ type: Bool.Type) throws -> Bool { try value(type) }
        func decode(_ type: Double.Type) throws -> Double { try value(type) }
        func decode(_ type: Int.Type) throws -> Int { try value(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try value(type) }

        private func value<T: Decodable>(_ type: T.Type) throws -> T {
            let (value, schema) = try SchemaRecorder.record(T.self, codingPath: codingPath)
            recorder.schema = schema
            return value
        }
    }
}
