import Catalog
import Core

/// Builds each demo restaurant's menu from its cuisine's template, varied deterministically by
/// the restaurant's number: optional sections and a few plain items are left out, prices move by
/// a few ten cents, and every sixth restaurant has one item sold out.
enum DemoMenus {
    static func sections(for template: MenuTemplate, restaurant number: Int, currency: String) -> [DemoMenuSection] {
        let base = "tiffin-demo/restaurant/\(number)"
        let hasSoldOutItem = number % 6 == 1
        var soldOutPlaced = false
        var sections: [DemoMenuSection] = []
        for (sectionIndex, section) in template.sections.enumerated() {
            let sectionKey = "\(base)/section/\(sectionIndex)"
            if section.isOptional && DeterministicID.pick("\(sectionKey)/leave-out", below: 3) == 0 { continue }
            let chosen = chooseItems(section.items, key: sectionKey)
            // The sold-out item sits in the first food section large enough to spare one.
            let soldOutIndex: Int? =
                hasSoldOutItem && !soldOutPlaced && !section.isDrinks && chosen.count >= 4
                ? DeterministicID.pick("\(sectionKey)/sold-out", below: chosen.count) : nil
            if soldOutIndex != nil { soldOutPlaced = true }
            let items = chosen.enumerated().map { position, entry in
                let itemKey = "\(base)/item/\(sectionIndex)-\(entry.offset)"
                return DemoMenuItem(
                    id: DeterministicID.make(itemKey), name: entry.element.name, description: entry.element.description,
                    price: Money(price(entry.element.price, key: itemKey, isDrink: section.isDrinks), currency),
                    isSoldOut: position == soldOutIndex, position: position,
                    optionGroups: entry.element.options.compactMap { optionGroup($0, of: template, key: itemKey) })
            }
            sections.append(
                DemoMenuSection(id: DeterministicID.make(sectionKey), name: section.name, position: sections.count, items: items))
        }
        return sections
    }

    /// Keeps 3 to 8 items in template order, leaving out up to two items that carry no options.
    private static func chooseItems(_ items: [ItemTemplate], key: String) -> [(offset: Int, element: ItemTemplate)] {
        let all = Array(items.enumerated())
        let target = max(3, min(8, items.count) - DeterministicID.pick("\(key)/count", below: 3))
        let plain = all.filter { $0.element.options.isEmpty }.map(\.offset)
        let dropCount = min(items.count - target, plain.count)
        guard dropCount > 0 else { return all }
        let start = DeterministicID.pick("\(key)/rotate", below: plain.count)
        let dropped = Set((0..<dropCount).map { plain[(start + $0) % plain.count] })
        return all.filter { !dropped.contains($0.offset) }
    }

    /// The template price moved by up to ±30 cents (±20 for drinks, kept within 2.50–4.50).
    private static func price(_ base: Int64, key: String, isDrink: Bool) -> Int64 {
        if isDrink {
            let moved = base + Int64(DeterministicID.pick("\(key)/price", below: 5) - 2) * 10
            return min(450, max(250, moved))
        }
        return base + Int64(DeterministicID.pick("\(key)/price", below: 7) - 3) * 10
    }

    private static func optionGroup(_ kind: OptionKind, of template: MenuTemplate, key: String) -> OptionGroup? {
        guard let group = template.groups[kind] else { return nil }
        let groupKey = "\(key)/group/\(kind.rawValue)"
        return OptionGroup(
            id: DeterministicID.make(groupKey), name: group.name, minChoices: group.minChoices, maxChoices: group.maxChoices,
            options: group.options.enumerated().map { index, option in
                MenuOption(id: DeterministicID.make("\(groupKey)/option/\(index)"), name: option.name, priceDelta: option.priceDelta)
            })
    }
}
