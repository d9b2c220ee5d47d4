import Core
import Foundation
import Ordering
import Testing

@Suite("Quote pricing")
struct QuoteCalculatorTests {
    static let restaurantID = UUID()
    static let pizza = UUID()
    static let soldOutSalad = UUID()
    static let size = UUID()
    static let small = UUID()
    static let large = UUID()
    static let extras = UUID()
    static let cheese = UUID()
    static let olives = UUID()
    static let truffle = UUID()

    static let here = GeoPoint(uncheckedLat: 52.5200, lon: 13.4050)

    static func restaurant(open: Bool = true, minimum: Int64 = 1_000, radius: Int = 3_000) -> PricingRestaurant {
        PricingRestaurant(
            id: restaurantID, name: "Testa", location: here, currency: "EUR", deliveryRadiusMetres: radius,
            minimumOrder: Money(minimum, "EUR"), prepMinutes: 15, isOpenNow: open, timeZone: "Europe/Berlin")
    }

    static let items = [
        PricingItem(
            id: pizza, name: "Pizza", price: Money(900, "EUR"), isSoldOut: false,
            groups: [
                .init(
                    id: size, name: "Size", minChoices: 1, maxChoices: 1,
                    options: [
                        .init(id: small, name: "26 cm", priceDelta: 0, isSoldOut: false),
                        .init(id: large, name: "32 cm", priceDelta: 250, isSoldOut: false),
                    ]),
                .init(
                    id: extras, name: "Extras", minChoices: 0, maxChoices: 2,
                    options: [
                        .init(id: cheese, name: "Cheese", priceDelta: 100, isSoldOut: false),
                        .init(id: olives, name: "Olives", priceDelta: 80, isSoldOut: false),
                        .init(id: truffle, name: "Truffle", priceDelta: 400, isSoldOut: true),
                    ]),
            ]),
        PricingItem(id: soldOutSalad, name: "Salad", price: Money(700, "EUR"), isSoldOut: true, groups: []),
    ]

    func request(_ lines: [OrderRequest.Line], to point: GeoPoint = GeoPoint(uncheckedLat: 52.5285, lon: 13.4050)) -> OrderRequest {
        OrderRequest(restaurantID: Self.restaurantID, items: lines, deliveryLocation: point, deliveryAddress: "Somewhere 1")
    }

    @Test func theServerPricesItemsOptionsAndFees() throws {
        let quote = try QuoteCalculator().quote(
            request([.init(itemID: Self.pizza, quantity: 2, options: [Self.large, Self.cheese])]), restaurant: Self.restaurant(), items: Self.items)
        #expect(quote.lines[0].unitPrice == Money(1_250, "EUR"))
        #expect(quote.lines[0].lineTotal == Money(2_500, "EUR"))
        #expect(quote.subtotal == Money(2_500, "EUR"))
        #expect(quote.deliveryFee == Money(199, "EUR"))  // ~1 km: base fee only
        #expect(quote.serviceFee == Money(125, "EUR"))
        #expect(quote.total == Money(2_824, "EUR"))
        #expect(quote.lines[0].options.map(\.name) == ["32 cm", "Cheese"])
    }

    @Test func aRequiredChoiceThatIsMissingNamesTheLine() {
        #expect(throws: ValidationError.self) {
            try QuoteCalculator().quote(request([.init(itemID: Self.pizza, quantity: 1)]), restaurant: Self.restaurant(), items: Self.items)
        }
        do {
            _ = try QuoteCalculator().quote(request([.init(itemID: Self.pizza, quantity: 2)]), restaurant: Self.restaurant(), items: Self.items)
        } catch let error as ValidationError {
            #expect(error.field == "items.0.options")
        } catch { Issue.record("\(error)") }
    }

    @Test func tooManyChoicesInAGroupAreRefused() {
        #expect(throws: ValidationError.self) {
            try QuoteCalculator().quote(
                request([.init(itemID: Self.pizza, quantity: 1, options: [Self.small, Self.large])]), restaurant: Self.restaurant(), items: Self.items
            )
        }
    }

    @Test func anOptionOfAnotherItemIsRefusedNamingIt() {
        do {
            _ = try QuoteCalculator().quote(
                request([.init(itemID: Self.pizza, quantity: 1, options: [Self.small, UUID()])]), restaurant: Self.restaurant(), items: Self.items)
            Issue.record("expected a failure")
        } catch let error as ValidationError {
            #expect(error.field == "items.0.options.1")
        } catch { Issue.record("\(error)") }
    }

    @Test func soldOutItemsAndOptionsAreUnavailable() {
        #expect(throws: OrderingError.itemUnavailable(field: "items.0.itemID", name: "Salad")) {
            try QuoteCalculator().quote(request([.init(itemID: Self.soldOutSalad, quantity: 2)]), restaurant: Self.restaurant(), items: Self.items)
        }
        #expect(throws: OrderingError.itemUnavailable(field: "items.0.options.1", name: "Pizza: Truffle")) {
            try QuoteCalculator().quote(
                request([.init(itemID: Self.pizza, quantity: 2, options: [Self.small, Self.truffle])]), restaurant: Self.restaurant(),
                items: Self.items)
        }
    }

    @Test func closedRestaurantsFarAddressesAndSmallOrdersAreRefused() {
        let line = OrderRequest.Line(itemID: Self.pizza, quantity: 2, options: [Self.small])
        #expect(throws: OrderingError.restaurantClosed(name: "Testa")) {
            try QuoteCalculator().quote(request([line]), restaurant: Self.restaurant(open: false), items: Self.items)
        }
        #expect(throws: OrderingError.self) {
            try QuoteCalculator().quote(
                request([line], to: GeoPoint(uncheckedLat: 52.60, lon: 13.40)), restaurant: Self.restaurant(), items: Self.items)
        }
        #expect(throws: OrderingError.belowMinimumOrder(subtotal: Money(1_800, "EUR"), minimum: Money(2_000, "EUR"))) {
            try QuoteCalculator().quote(request([line]), restaurant: Self.restaurant(minimum: 2_000), items: Self.items)
        }
    }

    /// Options may lower a price but never below zero: a negative total would fail the orders
    /// table's check at placement (a 500) instead of telling the customer.
    @Test func optionsThatWouldMakeAnItemCostLessThanNothingAreRefused() {
        let bread = UUID()
        let group = UUID()
        let voucher = UUID()
        let item = PricingItem(
            id: bread, name: "Bread", price: Money(300, "EUR"), isSoldOut: false,
            groups: [
                .init(
                    id: group, name: "Deal", minChoices: 0, maxChoices: 1,
                    options: [.init(id: voucher, name: "Free", priceDelta: -500, isSoldOut: false)])
            ])
        #expect(throws: ValidationError(field: "items.0.options", reason: "these options would make Bread cost less than nothing")) {
            try QuoteCalculator().quote(
                request([.init(itemID: bread, quantity: 1, options: [voucher])]), restaurant: Self.restaurant(minimum: 0), items: [item])
        }
    }

    @Test(arguments: [0, -1, 51])
    func quantitiesOutsideOneToFiftyAreRefused(quantity: Int) {
        #expect(throws: ValidationError(field: "items.0.quantity", reason: "must be between 1 and 50")) {
            try QuoteCalculator().quote(
                request([.init(itemID: Self.pizza, quantity: quantity, options: [Self.small])]), restaurant: Self.restaurant(), items: Self.items)
        }
    }

    @Test func anEmptyOrderIsRefused() {
        #expect(throws: ValidationError(field: "items", reason: "must contain at least one item")) {
            try QuoteCalculator().quote(request([]), restaurant: Self.restaurant(), items: Self.items)
        }
    }
}
