import Core
import Events
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Notices a courier coming close — to the delivery address with the food (`courier_nearby`,
/// for the customer) or to the restaurant to collect it (`courier_arriving`, for its staff) —
/// from the fixes this instance receives, and records each once per order through Ordering
/// (which writes the event; a second instance noticing the same is a no-op there).
///
/// Checking a fix is a map lookup and a distance per carried order; the write happens on this
/// service's own task, never on the fix's path.
final class ProximityWatcher: Service, Sendable {
    static let nearbyMetres = 400.0
    static let arrivingMetres = 300.0

    struct Hit: Sendable {
        let orderID: UUID
        let courierID: UUID
        let milestone: ProximityMilestone
        let distance: Int
        var key: Key { Key(orderID: orderID, milestone: milestone) }
    }

    struct Key: Hashable, Sendable {
        let orderID: UUID
        let milestone: ProximityMilestone
    }

    let couriers: any LiveCouriers
    let tracking: LiveTracking
    let orders: any LiveOrders
    let logger: Logger
    private let hits: (stream: AsyncStream<Hit>, continuation: AsyncStream<Hit>.Continuation)
    /// Orders and milestones already noticed here (bounded: cleared when it grows large).
    private let noticed = Mutex(Set<Key>())

    init(couriers: any LiveCouriers, tracking: LiveTracking, orders: any LiveOrders, logger: Logger) {
        self.tracking = tracking
        self.orders = orders
        self.logger = logger
        self.hits = AsyncStream.makeStream(of: Hit.self, bufferingPolicy: .bufferingNewest(10_000))
        self.couriers = couriers
    }

    func check(_ courier: CourierState) {
        guard let location = courier.location else { return }
        for delivery in tracking.deliveries(of: courier.courierID) {
            let (milestone, target, limit): (ProximityMilestone, GeoPoint, Double) =
                delivery.isPickedUp
                ? (.courierNearby, delivery.dropoff, Self.nearbyMetres) : (.courierArriving, delivery.pickup, Self.arrivingMetres)
            let distance = location.distance(to: target)
            guard distance <= limit else { continue }
            let hit = Hit(orderID: delivery.orderID, courierID: courier.courierID, milestone: milestone, distance: Int(distance))
            let fresh = noticed.withLock { set in
                if set.count > 100_000 { set.removeAll() }
                return set.insert(hit.key).inserted
            }
            guard fresh else { continue }
            // A hit pushed out of a full buffer is forgotten, so the next fix in range tries again.
            if case .dropped(let lost) = hits.continuation.yield(hit) { _ = noticed.withLock { $0.remove(lost.key) } }
        }
    }

    /// Checks this instance's fixes as dispatch reports them (another instance checks its own),
    /// and records what they hit, until graceful shutdown.
    func run() async throws {
        let changes = couriers.changes.subscribe()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await change in changes {
                        if case .courier(let state, local: true) = change { self.check(state) }
                    }
                }
            }
            group.addTask { await self.record() }
        }
    }

    private func record() async {
        await cancelWhenGracefulShutdown {
            for await hit in self.hits.stream {
                do {
                    try await self.orders.recordProximity(
                        orderID: hit.orderID, courierID: hit.courierID, milestone: hit.milestone, distanceMetres: hit.distance)
                } catch {
                    if Task.isCancelled { return }
                    // Forget it, so the next fix in range tries again.
                    _ = self.noticed.withLock { $0.remove(hit.key) }
                    self.logger.warning("proximity not recorded", metadata: ["order.id": "\(hit.orderID)", "error": "\(error)"])
                }
            }
        }
    }
}
