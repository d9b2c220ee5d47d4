public import Core
public import Foundation

public struct MenuSection: Codable, Sendable, Equatable {
    public let id: UUID
    public let restaurantID: UUID
    public var name: String
    public var position: Int
    public var items: [MenuItem]

    public init(id: UUID, restaurantID: UUID, name: String, position: Int, items: [MenuItem] = []) {
        self.id = id
        self.restaurantID = restaurantID
        self.name = name
        self.position = position
        self.items = items
    }
}

public struct MenuItem: Codable, Sendable, Equatable {
    public let id: UUID
    public let restaurantID: UUID
    public var sectionID: UUID
    public var name: String
    public var description: String
    public var price: Money
    public var isSoldOut: Bool
    public var position: Int
    public var optionGroups: [OptionGroup]

    public init(
        id: UUID, restaurantID: UUID, sectionID: UUID, name: String, description: String, price: Money, isSoldOut: Bool = false,
        position: Int, optionGroups: [OptionGroup] = []
    ) {
        self.id = id
        self.restaurantID = restaurantID
        self.sectionID = sectionID
        self.name = name
        self.description = description
        self.price = price
        self.isSoldOut = isSoldOut
        self.position = position
        self.optionGroups = optionGroups
    }
}

/// A choice attached to an item, e.g. "Size" (min 1, max 1) or "Extras" (min 0, max 3).
public struct OptionGroup: Codable, Sendable, Equatable {
    public let id: UUID
    public var name: String
    public var minChoices: Int
    public var maxChoices: Int
    public var options: [MenuOption]

    public init(id: UUID, name: String, minChoices: Int, maxChoices: Int, options: [MenuOption]) {
        self.id = id
        self.name = name
        self.minChoices = minChoices
        self.maxChoices = maxChoices
        self.options = options
    }

    public func validate(field: String) throws {
        try CatalogRules.text(name, "\(field).name", CatalogRules.optionName)
        guard CatalogRules.options.contains(options.count) else {
            throw ValidationError(
                field: "\(field).options", reason: "must have \(CatalogRules.options.lowerBound) to \(CatalogRules.options.upperBound) options")
        }
        guard minChoices >= 0 else { throw ValidationError(field: "\(field).minChoices", reason: "must not be negative") }
        guard maxChoices >= max(1, minChoices), maxChoices <= options.count else {
            throw ValidationError(field: "\(field).maxChoices", reason: "must be at least minChoices (and 1) and at most the number of options")
        }
        for (index, option) in options.enumerated() {
            try CatalogRules.text(option.name, "\(field).options.\(index).name", CatalogRules.optionName)
            try CatalogRules.number(option.priceDelta, "\(field).options.\(index).priceDelta", CatalogRules.priceDelta, unit: " minor units")
        }
        guard Set(options.map(\.id)).count == options.count else {
            throw ValidationError(field: "\(field).options", reason: "option ids must be unique")
        }
    }
}

public struct MenuOption: Codable, Sendable, Equatable {
    public let id: UUID
    public var name: String
    /// Added to the item price, in the restaurant's currency's minor units (may be negative).
    public var priceDelta: Int64
    public var isSoldOut: Bool

    public init(id: UUID, name: String, priceDelta: Int64, isSoldOut: Bool = false) {
        self.id = id
        self.name = name
        self.priceDelta = priceDelta
        self.isSoldOut = isSoldOut
    }
}

/// The limits the catalog enforces, named once for the checks and the API document.
public enum CatalogRules {
    public static let name = 1...120
    public static let cuisine = 1...60
    public static let description = 0...1_000
    public static let address = 1...300
    public static let openingHours = 0...50
    public static let deliveryRadius = 100...CatalogService.maximumDeliveryRadiusMetres
    public static let price: ClosedRange<Int64> = 0...1_000_000
    public static let prepMinutes = 1...180
    public static let sectionName = 1...80
    public static let itemName = 1...120
    public static let position = 0...10_000
    public static let optionGroups = 0...20
    public static let optionName = 1...80
    public static let options = 1...50
    public static let priceDelta: ClosedRange<Int64> = -100_000...100_000

    /// Text whose trimmed length must lie in `range`.
    static func text(_ value: String, _ field: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(TextSafetyRules.length(value.trimmingCharacters(in: .whitespacesAndNewlines))),
            TextSafetyRules.length(value) <= range.upperBound
        else {
            throw ValidationError(
                field: field,
                reason: range.lowerBound == 0
                    ? "must be at most \(range.upperBound) characters" : "must be \(range.lowerBound) to \(range.upperBound) characters")
        }
    }

    static func number<T: BinaryInteger>(_ value: T, _ field: String, _ range: ClosedRange<T>, unit: String = "") throws {
        guard range.contains(value) else {
            throw ValidationError(field: field, reason: "must be between \(range.lowerBound) and \(range.upperBound)\(unit)")
        }
    }
}
