import Core
import Foundation

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
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...80).contains(trimmed.count) else { throw ValidationError(field: "\(field).name", reason: "must be 1 to 80 characters") }
        guard !options.isEmpty, options.count <= 50 else { throw ValidationError(field: "\(field).options", reason: "must have 1 to 50 options") }
        guard minChoices >= 0 else { throw ValidationError(field: "\(field).minChoices", reason: "must not be negative") }
        guard maxChoices >= max(1, minChoices), maxChoices <= options.count else {
            throw ValidationError(field: "\(field).maxChoices", reason: "must be at least minChoices (and 1) and at most the number of options")
        }
        for (index, option) in options.enumerated() {
            guard (1...80).contains(option.name.trimmingCharacters(in: .whitespaces).count) else {
                throw ValidationError(field: "\(field).options.\(index).name", reason: "must be 1 to 80 characters")
            }
            guard (-100_000...100_000).contains(option.priceDelta) else {
                throw ValidationError(field: "\(field).options.\(index).priceDelta", reason: "must be between -100000 and 100000 minor units")
            }
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
