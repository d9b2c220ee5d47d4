/// A cuisine's menu from which each demo restaurant of that cuisine takes a deterministic variant.
struct MenuTemplate: Sendable {
    /// Shown as the restaurant's cuisine, e.g. "Vietnamese".
    let cuisine: String
    /// Typical preparation minutes; each restaurant varies it by a few minutes.
    let prepMinutes: Int
    /// The option groups items of this cuisine may carry, by kind.
    let groups: [OptionKind: OptionGroupTemplate]
    let sections: [SectionTemplate]
}

/// Which option group of its template an item carries.
enum OptionKind: String, Sendable, CaseIterable {
    case size, portion, choice, extras, spice, sauce, milk
}

struct OptionGroupTemplate: Sendable {
    let name: String
    let minChoices: Int
    let maxChoices: Int
    let options: [(name: String, priceDelta: Int64)]

    /// Exactly one option must be chosen (e.g. "Size").
    static func one(_ name: String, _ options: [(name: String, priceDelta: Int64)]) -> Self {
        Self(name: name, minChoices: 1, maxChoices: 1, options: options)
    }

    /// Up to `max` options may be chosen (e.g. "Extras").
    static func upTo(_ max: Int, _ name: String, _ options: [(name: String, priceDelta: Int64)]) -> Self {
        Self(name: name, minChoices: 0, maxChoices: max, options: options)
    }
}

struct SectionTemplate: Sendable {
    let name: String
    /// Optional sections (sides, desserts) are left out by some restaurants.
    let isOptional: Bool
    /// Drinks keep their prices within 2.50–4.50.
    let isDrinks: Bool
    let items: [ItemTemplate]

    static func section(_ name: String, _ items: [ItemTemplate]) -> Self {
        Self(name: name, isOptional: false, isDrinks: false, items: items)
    }

    static func optional(_ name: String, _ items: [ItemTemplate]) -> Self {
        Self(name: name, isOptional: true, isDrinks: false, items: items)
    }

    /// The cuisine's own drinks followed by Berlin's usual soft drinks.
    static func drinks(_ specialities: [ItemTemplate]) -> Self {
        Self(name: "Drinks", isOptional: false, isDrinks: true, items: specialities + softDrinks)
    }

    static let softDrinks: [ItemTemplate] = [
        .item("Club-Mate", "Berlin's yerba mate soda, 0.5 l", 350),
        .item("Fritz-Kola", "0.33 l", 320),
        .item("Rhabarberschorle", "Rhubarb spritzer, 0.33 l", 340),
        .item("Still water", "0.5 l", 250),
        .item("Sparkling water", "0.5 l", 260),
    ]
}

struct ItemTemplate: Sendable {
    let name: String
    let description: String
    /// Base price in cents; restaurants vary it by a few ten cents.
    let price: Int64
    let options: [OptionKind]

    static func item(_ name: String, _ description: String, _ price: Int64, _ options: OptionKind...) -> Self {
        Self(name: name, description: description, price: price, options: options)
    }
}
