public import Catalog
public import Core
public import Foundation

/// A menu item of a demo restaurant, as pure data.
public struct DemoMenuItem: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let description: String
    public let price: Money
    public let isSoldOut: Bool
    /// Position inside its section.
    public let position: Int
    public let optionGroups: [OptionGroup]

    /// The draft `CatalogService.addItems` takes, keeping the deterministic ID.
    public func draft(sectionID: UUID) -> CatalogService.ItemDraft {
        CatalogService.ItemDraft(
            sectionID: sectionID, name: name, description: description, price: price.amount, isSoldOut: isSoldOut,
            position: position, optionGroups: optionGroups, id: id)
    }
}
