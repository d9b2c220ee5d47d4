public import Core

/// The limits the catalog enforces, stated in the API document from the same constants.
private let restaurantConstraints: [String: SchemaConstraint] = [
    "name": .length(CatalogRules.name),
    "cuisine": .length(CatalogRules.cuisine),
    "description": SchemaConstraint(maxLength: CatalogRules.description.upperBound),
    "address": .length(CatalogRules.address),
    "timeZone": SchemaConstraint(description: "An IANA time zone such as Europe/Berlin; opening hours are local to it"),
    "openingHours": SchemaConstraint(maxItems: CatalogRules.openingHours.upperBound),
    "deliveryRadiusMetres": .range(CatalogRules.deliveryRadius),
    "prepMinutes": .range(CatalogRules.prepMinutes),
    "minimumOrderAmount": .range(CatalogRules.price, "Minor units, in the restaurant's currency"),
]

extension CreateRestaurantRequest: SchemaConstrained {
    static let schemaConstraints = restaurantConstraints
}

extension UpdateRestaurantRequest: SchemaConstrained {
    static let schemaConstraints = restaurantConstraints
}

extension HoursRequest: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = ["openingHours": SchemaConstraint(maxItems: CatalogRules.openingHours.upperBound)]
}

extension OpeningHoursRule: SchemaConstrained {
    public static let schemaConstraints: [String: SchemaConstraint] = [
        "weekday": .range(1...7, "ISO weekday: 1 = Monday … 7 = Sunday"),
        "opens": SchemaConstraint(pattern: "^[0-2][0-9]:[0-5][0-9]$", description: "HH:MM local time, 00:00 to 23:59"),
        "closes": SchemaConstraint(
            pattern: "^[0-2][0-9]:[0-5][0-9]$", description: "HH:MM local time, up to 24:00; earlier than opens runs past midnight"),
    ]
}

extension SectionRequest: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = [
        "name": .length(CatalogRules.sectionName), "position": .range(CatalogRules.position),
    ]
}

private let itemConstraints: [String: SchemaConstraint] = [
    "name": .length(CatalogRules.itemName),
    "description": SchemaConstraint(maxLength: CatalogRules.description.upperBound),
    "price": .range(CatalogRules.price, "Minor units, in the restaurant's currency"),
    "position": .range(CatalogRules.position),
    "optionGroups": SchemaConstraint(maxItems: CatalogRules.optionGroups.upperBound),
]

extension CreateItemRequest: SchemaConstrained {
    static let schemaConstraints = itemConstraints
}

extension UpdateItemRequest: SchemaConstrained {
    static let schemaConstraints = itemConstraints
}

extension OptionGroupInput: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = [
        "name": .length(CatalogRules.optionName),
        "minChoices": SchemaConstraint(minimum: 0),
        "maxChoices": SchemaConstraint(minimum: 1, description: "At least minChoices and at most the number of options"),
        "options": .items(CatalogRules.options),
    ]
}

extension OptionGroupInput.OptionInput: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = [
        "name": .length(CatalogRules.optionName), "priceDelta": .range(CatalogRules.priceDelta, "Minor units, may be negative"),
    ]
}
