import Accounts
import Catalog
package import Core
package import Foundation
package import Notifications
import Ordering
package import Events

/// Notifications' view of accounts, restaurants and orders.
struct RecipientDirectoryAdapter: RecipientDirectory {
    let accounts: AccountService
    let catalog: CatalogService
    let orders: OrderService

    func contact(userID: UUID) async throws -> Contact? {
        let account: Account
        do { account = try await accounts.account(id: userID) } catch is NotFoundError { return nil }
        return Contact(userID: account.id, email: account.email, name: account.name)
    }

    func restaurantOwner(restaurantID: UUID) async throws -> UUID? {
        // Only "no such restaurant" is an answer; any other failure is retried by the relay.
        do { return try await catalog.restaurant(id: restaurantID).ownerID } catch is NotFoundError { return nil }
    }

    func restaurantID(ownedBy staffID: UUID) async throws -> UUID? {
        try await catalog.restaurantID(ownedBy: staffID)
    }

    func operators() async throws -> [UUID] {
        try await accounts.accountIDs(role: .operator)
    }

    func order(_ orderID: UUID) async throws -> OrderFacts? {
        try await orders.orderForNotice(id: orderID).map { o in
            OrderFacts(
                orderID: o.id, customerID: o.customerID, restaurantID: o.restaurantID, restaurantName: o.restaurantName, courierID: o.courierID,
                total: o.total, itemCount: o.lines.reduce(0) { $0 + $1.quantity }, deliveryAddress: o.deliveryAddress, etaMinutes: o.etaMinutes,
                acceptDeadline: o.acceptDeadline)
        }
    }
}

/// Pushes a new notification to the recipient's live connections: onto a feed that the live
/// layer follows (to this instance's connections, and through its bus to the others'). Built
/// with the services, so nothing binds it later; with nobody following (service tests without a
/// server), nothing is pushed — the feed has it.
package final class LiveNotificationPush: LivePush, Sendable {
    /// Each notification as pushed (the live layer follows it; the relay benchmark times it).
    package let notices = Feed<UserNotice>(buffer: 65_536)

    package func push(_ item: ActivityItem, to userID: UUID) {
        guard notices.hasSubscribers, let json = try? TiffinJSON.encoder.encode(item) else { return }
        notices.publish(UserNotice(userID: userID, notification: String(decoding: json, as: UTF8.self)))
    }
}
