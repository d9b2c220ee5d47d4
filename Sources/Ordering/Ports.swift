public import Core
public import Events
public import Foundation

/// What Ordering needs to know about a restaurant to price and route an order. Supplied by the
/// catalog through `CatalogPort`; Ordering never reads catalog tables.
public struct PricingRestaurant: Sendable {
    public let id: UUID
    public let name: String
    public let location: GeoPoint
    public let currency: String
    public let deliveryRadiusMetres: Int
    public let minimumOrder: Money
    public let prepMinutes: Int
    public let isOpenNow: Bool
    /// The IANA zone its opening hours and its days are in.
    public let timeZone: String

    public init(
        id: UUID, name: String, location: GeoPoint, currency: String, deliveryRadiusMetres: Int, minimumOrder: Money, prepMinutes: Int,
        isOpenNow: Bool, timeZone: String
    ) {
        self.timeZone = timeZone
        self.id = id
        self.name = name
        self.location = location
        self.currency = currency
        self.deliveryRadiusMetres = deliveryRadiusMetres
        self.minimumOrder = minimumOrder
        self.prepMinutes = prepMinutes
        self.isOpenNow = isOpenNow
    }
}

public struct PricingItem: Sendable {
    public struct Group: Sendable {
        public let id: UUID
        public let name: String
        public let minChoices: Int
        public let maxChoices: Int
        public let options: [Option]
        public init(id: UUID, name: String, minChoices: Int, maxChoices: Int, options: [Option]) {
            self.id = id
            self.name = name
            self.minChoices = minChoices
            self.maxChoices = maxChoices
            self.options = options
        }
    }

    public struct Option: Sendable {
        public let id: UUID
        public let name: String
        public let priceDelta: Int64
        public let isSoldOut: Bool
        public init(id: UUID, name: String, priceDelta: Int64, isSoldOut: Bool) {
            self.id = id
            self.name = name
            self.priceDelta = priceDelta
            self.isSoldOut = isSoldOut
        }
    }

    public let id: UUID
    public let name: String
    public let price: Money
    public let isSoldOut: Bool
    public let groups: [Group]

    public init(id: UUID, name: String, price: Money, isSoldOut: Bool, groups: [Group]) {
        self.id = id
        self.name = name
        self.price = price
        self.isSoldOut = isSoldOut
        self.groups = groups
    }
}

/// A restaurant and its menu as of one moment: everything a quote needs, from one read.
public struct PricingMenu: Sendable {
    public let restaurant: PricingRestaurant
    public let items: [PricingItem]

    public init(restaurant: PricingRestaurant, items: [PricingItem]) {
        self.restaurant = restaurant
        self.items = items
    }
}

/// Ordering's view of the catalog.
public protocol CatalogPort: Sendable {
    /// The restaurant and its menu, with "open now" judged at `instant`; nil when there is no such restaurant.
    func pricingMenu(restaurantID: UUID, at instant: Date) async throws -> PricingMenu?
    /// The restaurant a staff account runs, if any.
    func restaurantID(ownedBy staffID: UUID) async throws -> UUID?
}

/// The outcome of asking for an authorisation.
public enum AuthorizationOutcome: Sendable, Equatable {
    case authorized(paymentID: UUID)
    case declined(paymentID: UUID, reason: String)
    /// The provider did not answer in time or failed; any hold it made is released by Payments.
    case unavailable
}

/// Ordering's view of payments: authorisation is synchronous because confirmation depends on
/// it; capture and void happen in reaction to order events.
public protocol PaymentPort: Sendable {
    /// Authorises and records the answer. Throws only when it cannot be recorded.
    func authorize(orderID: UUID, customerID: UUID, amount: Money, card: String) async throws -> AuthorizationOutcome
    /// Seconds until the payment provider may be tried again (its circuit breaker is open); nil
    /// when it may be now.
    func unavailableFor() -> Int?
    /// Settles an authorisation whose answer was lost, by asking the provider under the order's key.
    func recover(orderID: UUID, customerID: UUID, amount: Money) async throws -> AuthorizationOutcome
    func refund(_ request: RefundRequest) async throws -> (refund: OrderRefund, replayed: Bool)
    func refunds(orderID: UUID) async throws -> [OrderRefund]
}
