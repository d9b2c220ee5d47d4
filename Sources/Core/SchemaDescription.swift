/// How types describe themselves to the API document, beyond what their shape says. Pure
/// declarations: the HTTP edge turns them into JSON Schema; nothing here knows of HTTP.

/// A string type with a fixed set of values (an enum): the document lists them.
public protocol SchemaEnumeration {
    static var schemaValues: [String] { get }
}

extension SchemaEnumeration where Self: CaseIterable & RawRepresentable, RawValue == String {
    public static var schemaValues: [String] { allCases.map(\.rawValue) }
}

/// A type whose fields have limits that validation enforces: the document states them, from the
/// same constants the checks use.
public protocol SchemaConstrained {
    /// By property name (the coding key).
    static var schemaConstraints: [String: SchemaConstraint] { get }
}

/// JSON Schema keywords for one field.
public struct SchemaConstraint: Sendable, Equatable {
    public var minimum: Double?
    public var maximum: Double?
    public var minLength: Int?
    public var maxLength: Int?
    public var minItems: Int?
    public var maxItems: Int?
    public var pattern: String?
    public var format: String?
    public var description: String?

    public init(
        minimum: Double? = nil, maximum: Double? = nil, minLength: Int? = nil, maxLength: Int? = nil, minItems: Int? = nil,
        maxItems: Int? = nil, pattern: String? = nil, format: String? = nil, description: String? = nil
    ) {
        self.minimum = minimum
        self.maximum = maximum
        self.minLength = minLength
        self.maxLength = maxLength
        self.minItems = minItems
        self.maxItems = maxItems
        self.pattern = pattern
        self.format = format
        self.description = description
    }

    public static func range<T: BinaryInteger>(_ range: ClosedRange<T>, _ description: String? = nil) -> SchemaConstraint {
        SchemaConstraint(minimum: Double(range.lowerBound), maximum: Double(range.upperBound), description: description)
    }

    public static func length(_ range: ClosedRange<Int>, _ description: String? = nil) -> SchemaConstraint {
        SchemaConstraint(minLength: range.lowerBound, maxLength: range.upperBound, description: description)
    }

    public static func items(_ range: ClosedRange<Int>, _ description: String? = nil) -> SchemaConstraint {
        SchemaConstraint(minItems: range.lowerBound, maxItems: range.upperBound, description: description)
    }
}

extension Role: SchemaEnumeration {}

extension GeoPoint: SchemaConstrained {
    public static let schemaConstraints: [String: SchemaConstraint] = [
        "lat": SchemaConstraint(minimum: -90, maximum: 90, description: "Latitude, WGS84"),
        "lon": SchemaConstraint(minimum: -180, maximum: 180, description: "Longitude, WGS84"),
    ]
}

extension Money: SchemaConstrained {
    public static let schemaConstraints: [String: SchemaConstraint] = [
        "amount": SchemaConstraint(description: "Integer minor units (cents)"),
        "currency": SchemaConstraint(minLength: 3, maxLength: 3, pattern: "^[A-Z]{3}$", description: "ISO 4217 code"),
    ]
}
