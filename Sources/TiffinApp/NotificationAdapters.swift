import Accounts
import Catalog
import Core
import Foundation
import Notifications
import Ordering
import Synchronization

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

/// Pushes a new notification to the recipient's live connections on this instance, and through
/// the cluster bus to the others. Bound to the hub once the live endpoint is assembled; before
/// that (and in service tests without a server) nothing is pushed — the feed has it.
package final class LiveNotificationPush: LivePush, Sendable {
    private struct Sinks {
        var hub: RealtimeHub?
        var bus: ClusterBus?
        /// Told of every push (the relay benchmark times them).
        var observer: (@Sendable (ActivityItem, UUID) -> Void)?
    }

    private let sinks = Mutex(Sinks())

    func bind(hub: RealtimeHub, bus: ClusterBus) {
        sinks.withLock {
            $0.hub = hub
            $0.bus = bus
        }
    }

    /// Calls `observer` with every push (the relay benchmark times them).
    package func observe(_ observer: @escaping @Sendable (ActivityItem, UUID) -> Void) {
        sinks.withLock { $0.observer = observer }
    }

    package func push(_ item: ActivityItem, to userID: UUID) {
        let (hub, bus, observer) = sinks.withLock { ($0.hub, $0.bus, $0.observer) }
        observer?(item, userID)
        hub?.publish(LiveMessage.text(LiveMessage.Notice(notification: item)), to: .user(userID))
        bus?.enqueue([.notice(userID: userID, item: item)])
    }
}
