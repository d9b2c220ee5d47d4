public import Core
public import Foundation

/// Someone a notification can reach.
public struct Contact: Sendable, Equatable {
    public let userID: UUID
    public let email: String
    public let name: String

    public init(userID: UUID, email: String, name: String) {
        self.userID = userID
        self.email = email
        self.name = name
    }
}

/// What a notification says about an order.
public struct OrderFacts: Sendable, Equatable {
    public let orderID: UUID
    public let customerID: UUID
    public let restaurantID: UUID
    public let restaurantName: String
    public let courierID: UUID?
    public let total: Money
    public let itemCount: Int
    public let deliveryAddress: String
    public let etaMinutes: Int
    public let acceptDeadline: Date?

    public init(
        orderID: UUID, customerID: UUID, restaurantID: UUID, restaurantName: String, courierID: UUID?, total: Money, itemCount: Int,
        deliveryAddress: String, etaMinutes: Int, acceptDeadline: Date?
    ) {
        self.orderID = orderID
        self.customerID = customerID
        self.restaurantID = restaurantID
        self.restaurantName = restaurantName
        self.courierID = courierID
        self.total = total
        self.itemCount = itemCount
        self.deliveryAddress = deliveryAddress
        self.etaMinutes = etaMinutes
        self.acceptDeadline = acceptDeadline
    }
}

/// Notifications' view of accounts, restaurants and orders (wired by TiffinApp).
public protocol RecipientDirectory: Sendable {
    func contact(userID: UUID) async throws -> Contact?
    /// The staff account that runs the restaurant.
    func restaurantOwner(restaurantID: UUID) async throws -> UUID?
    /// The restaurant a staff account runs.
    func restaurantID(ownedBy staffID: UUID) async throws -> UUID?
    /// Every operator account (at most a few hundred).
    func operators() async throws -> [UUID]
    func order(_ orderID: UUID) async throws -> OrderFacts?
}

/// Delivers a fresh notification to the recipient's open live connections, on whichever
/// instance they are connected to. Best effort: the feed is the record.
public protocol LivePush: Sendable {
    func push(_ item: ActivityItem, to userID: UUID)
}
