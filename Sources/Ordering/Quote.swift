public import Core
public import Foundation

/// What the customer asks for: items with chosen options, and where to deliver.
public struct OrderRequest: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public let itemID: UUID
        public let quantity: Int
        public let options: [UUID]?

        public init(itemID: UUID, quantity: Int, options: [UUID]? = nil) {
            self.itemID = itemID
            self.quantity = quantity
            self.options = options
        }
    }

    public let restaurantID: UUID
    public let items: [Line]
    public let deliveryLocation: GeoPoint
    public let deliveryAddress: String

    public init(restaurantID: UUID, items: [Line], deliveryLocation: GeoPoint, deliveryAddress: String) {
        self.restaurantID = restaurantID
        self.items = items
        self.deliveryLocation = deliveryLocation
        self.deliveryAddress = deliveryAddress
    }

    /// The limits `validate()` enforces, named once for the checks and the API document.
    public enum Limits {
        public static let lines = 1...50
        public static let quantity = 1...50
        public static let optionsPerLine = 0...30
        public static let address = 1...300
    }

    /// Shape checks that need no catalog: list sizes, quantities, address.
    public func validate() throws {
        guard !items.isEmpty else { throw ValidationError(field: "items", reason: "must contain at least one item") }
        guard items.count <= Limits.lines.upperBound else {
            throw ValidationError(field: "items", reason: "at most \(Limits.lines.upperBound) lines")
        }
        for (index, line) in items.enumerated() {
            guard Limits.quantity.contains(line.quantity) else {
                throw ValidationError(
                    field: "items.\(index).quantity", reason: "must be between \(Limits.quantity.lowerBound) and \(Limits.quantity.upperBound)")
            }
            if let options = line.options {
                guard options.count <= Limits.optionsPerLine.upperBound else {
                    throw ValidationError(field: "items.\(index).options", reason: "at most \(Limits.optionsPerLine.upperBound) options")
                }
                guard Set(options).count == options.count else {
                    throw ValidationError(field: "items.\(index).options", reason: "an option may be chosen only once")
                }
            }
        }
        let address = deliveryAddress.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Limits.address.contains(TextSafetyRules.length(address)) else {
            throw ValidationError(
                field: "deliveryAddress", reason: "must be \(Limits.address.lowerBound) to \(Limits.address.upperBound) characters")
        }
    }
}

public struct ChosenOption: Codable, Sendable, Equatable {
    public let id: UUID
    public let group: String
    public let name: String
    public let priceDelta: Money
}

public struct QuoteLine: Codable, Sendable, Equatable {
    public let itemID: UUID
    public let name: String
    public let quantity: Int
    public let options: [ChosenOption]
    public let unitPrice: Money
    public let lineTotal: Money
}

/// A server-side price. The client never supplies one; the order is priced again the same way.
public struct Quote: Codable, Sendable, Equatable {
    public let restaurantID: UUID
    public let restaurantName: String
    public let lines: [QuoteLine]
    public let subtotal: Money
    public let deliveryFee: Money
    public let serviceFee: Money
    public let total: Money
    public let distanceMetres: Int
    public let etaMinutes: Int
    public let deliveryLocation: GeoPoint
    public let deliveryAddress: String
}

/// Pure pricing: the catalog's prices and the platform's fees applied to a request.
public struct QuoteCalculator: Sendable {
    public let pricing: DeliveryPricing

    public init(pricing: DeliveryPricing = .init()) {
        self.pricing = pricing
    }

    /// - Throws: `ValidationError` (unknown item or option, wrong number of choices),
    ///   `OrderingError` (closed, outside the area, sold out, below minimum).
    public func quote(_ request: OrderRequest, menu: PricingMenu) throws -> Quote {
        try quote(request, restaurant: menu.restaurant, items: menu.items)
    }

    public func quote(_ request: OrderRequest, restaurant: PricingRestaurant, items: [PricingItem]) throws -> Quote {
        try request.validate()
        guard restaurant.isOpenNow else { throw OrderingError.restaurantClosed(name: restaurant.name) }
        let distance = restaurant.location.distance(to: request.deliveryLocation)
        guard distance <= Double(restaurant.deliveryRadiusMetres) else {
            throw OrderingError.outsideDeliveryArea(distanceMetres: Int(distance.rounded()), radiusMetres: restaurant.deliveryRadiusMetres)
        }
        let catalog = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [QuoteLine] = []
        var subtotal = Money.zero(restaurant.currency)
        for (index, line) in request.items.enumerated() {
            guard let item = catalog[line.itemID] else {
                throw ValidationError(field: "items.\(index).itemID", reason: "no item \(line.itemID) on this restaurant's menu")
            }
            guard !item.isSoldOut else { throw OrderingError.itemUnavailable(field: "items.\(index).itemID", name: item.name) }
            let chosen = try choose(line.options ?? [], for: item, field: "items.\(index).options")
            let unit = chosen.reduce(item.price) { $0 + $1.priceDelta }
            // Options may lower a price (no cheese), never below nothing.
            guard unit.amount >= 0 else {
                throw ValidationError(field: "items.\(index).options", reason: "these options would make \(item.name) cost less than nothing")
            }
            let total = unit * line.quantity
            lines.append(QuoteLine(itemID: item.id, name: item.name, quantity: line.quantity, options: chosen, unitPrice: unit, lineTotal: total))
            subtotal = subtotal + total
        }
        guard subtotal.amount >= restaurant.minimumOrder.amount else {
            throw OrderingError.belowMinimumOrder(subtotal: subtotal, minimum: restaurant.minimumOrder)
        }
        let deliveryFee = pricing.deliveryFee(distanceMetres: distance, currency: restaurant.currency)
        let serviceFee = pricing.serviceFee(subtotal: subtotal)
        return Quote(
            restaurantID: restaurant.id, restaurantName: restaurant.name, lines: lines, subtotal: subtotal, deliveryFee: deliveryFee,
            serviceFee: serviceFee, total: subtotal + deliveryFee + serviceFee, distanceMetres: Int(distance.rounded()),
            etaMinutes: pricing.estimatedMinutes(prepMinutes: restaurant.prepMinutes, distanceMetres: distance),
            deliveryLocation: request.deliveryLocation, deliveryAddress: request.deliveryAddress.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Resolves chosen option ids against the item's groups and enforces each group's bounds.
    func choose(_ optionIDs: [UUID], for item: PricingItem, field: String) throws -> [ChosenOption] {
        var chosenByGroup: [UUID: [ChosenOption]] = [:]
        for (position, optionID) in optionIDs.enumerated() {
            guard let (group, option) = item.groups.lazy.compactMap({ g in g.options.first(where: { $0.id == optionID }).map { (g, $0) } }).first
            else {
                throw ValidationError(field: "\(field).\(position)", reason: "\(optionID) is not an option of \(item.name)")
            }
            guard !option.isSoldOut else { throw OrderingError.itemUnavailable(field: "\(field).\(position)", name: "\(item.name): \(option.name)") }
            chosenByGroup[group.id, default: []].append(
                ChosenOption(id: option.id, group: group.name, name: option.name, priceDelta: Money(option.priceDelta, item.price.currency)))
        }
        var result: [ChosenOption] = []
        for group in item.groups {
            let count = chosenByGroup[group.id]?.count ?? 0
            guard count >= group.minChoices, count <= group.maxChoices else {
                let bounds = group.minChoices == group.maxChoices ? "exactly \(group.minChoices)" : "\(group.minChoices) to \(group.maxChoices)"
                throw ValidationError(field: field, reason: "\(item.name): choose \(bounds) of \(group.name), got \(count)")
            }
            result += chosenByGroup[group.id] ?? []
        }
        return result
    }
}
