import Core
import Foundation
import Logging
import Storage

/// Couriers going online, reporting positions, being matched to orders, and being tracked.
///
/// Matching here is deliberately simple — each waiting order, oldest first, goes to the nearest
/// online courier who carries nothing and has a recent fix. It does not batch orders, predict
/// prep times or send offers a courier may decline; the dispatch engine replaces this round.
public struct DispatchService: Sendable {
    public struct Settings: Sendable {
        /// A fix older than this is shown as stale.
        public var staleAfter: TimeInterval = 30
        /// Couriers whose last fix is older than this are not matched.
        public var matchableFixAge: TimeInterval = 300
        public init() {}
    }

    let registry = CourierRegistry()
    let store: DispatchStore
    let orders: any DispatchOrderPort
    let clock: any WallClock
    let settings: Settings
    let logger: Logger

    public init(database: any Database, orders: any DispatchOrderPort, clock: any WallClock, settings: Settings = .init(), logger: Logger) {
        self.store = DispatchStore(database: database)
        self.orders = orders
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    /// Loads the persisted snapshot. Call once at start, before serving.
    public func restore() async throws {
        await registry.load(try await store.all())
    }

    public func goOnline(courierID: UUID, at location: GeoPoint?) async throws -> CourierState {
        let now = clock.now()
        let state = await registry.update(courierID, now: now) {
            $0.isOnline = true
            if let location {
                $0.location = location
                $0.positionAt = now
            }
        }
        try await flush()  // rare and meaningful: persist at once
        return state
    }

    public func goOffline(courierID: UUID) async throws -> CourierState {
        let state = await registry.update(courierID, now: clock.now()) { $0.isOnline = false }
        try await flush()
        return state
    }

    /// Records a fix. Kept in memory; persisted by the next `flush()`.
    public func report(courierID: UUID, location: GeoPoint, recordedAt: Date?) async -> CourierState {
        let now = clock.now()
        // A fix from the future is clamped to now; an older fix than the one held is ignored.
        let at = min(recordedAt ?? now, now)
        return await registry.update(courierID, now: now) { state in
            if let previous = state.positionAt, previous > at { return }
            state.location = location
            state.positionAt = at
        }
    }

    public func state(courierID: UUID) async -> CourierState {
        await registry.state(courierID) ?? CourierState(courierID: courierID, isOnline: false, location: nil, positionAt: nil, updatedAt: clock.now())
    }

    /// Writes every courier changed since the last flush, in one transaction.
    public func flush() async throws {
        let changed = await registry.takeDirty()
        do {
            try await store.save(changed)
        } catch {
            await registry.markDirty(changed.map(\.courierID))
            throw error
        }
    }

    /// One matching round. Returns the assignments made.
    @discardableResult
    public func assignmentRound() async throws -> [(orderID: UUID, courierID: UUID)] {
        let waiting = try await orders.ordersAwaitingCourier(limit: 200)
        guard !waiting.isEmpty else { return [] }
        let busy = try await orders.busyCourierIDs()
        let now = clock.now()
        var free = await registry.online().filter { state in
            guard !busy.contains(state.courierID), state.location != nil, let at = state.positionAt else { return false }
            return now.timeIntervalSince(at) <= settings.matchableFixAge
        }
        var made: [(UUID, UUID)] = []
        for order in waiting.sorted(by: { $0.placedAt < $1.placedAt }) {
            guard
                let best = free.enumerated().min(by: {
                    $0.element.location!.distance(to: order.pickup) < $1.element.location!.distance(to: order.pickup)
                })
            else { break }
            let metres = Int(best.element.location!.distance(to: order.pickup).rounded())
            let reason = "nearest available courier, \(metres) m from pickup, of \(free.count) available"
            if try await orders.assign(orderID: order.id, courierID: best.element.courierID, reason: reason) {
                made.append((order.id, best.element.courierID))
                logger.info(
                    "courier assigned", metadata: ["order.id": "\(order.id)", "courier.id": "\(best.element.courierID)", "distance.m": "\(metres)"])
                free.remove(at: best.offset)
            }
        }
        return made
    }

    /// The courier's last position for the customer of `orderID` (or an operator), only while the
    /// courier carries the order. Old fixes are returned marked stale, never refused.
    public func courierPosition(orderID: UUID, viewer: Principal) async throws -> CourierPosition {
        guard let info = try await orders.trackingInfo(orderID: orderID),
            viewer.role == .operator || info.customerID == viewer.userID
        else { throw NotFoundError(entity: "order", id: orderID.uuidString) }
        guard info.isCarrying, let courierID = info.courierID else { throw DispatchError.notCarrying(status: info.status) }
        guard let state = await registry.state(courierID), let location = state.location, let at = state.positionAt else {
            throw DispatchError.noPositionYet
        }
        let age = max(0, clock.now().timeIntervalSince(at))
        return CourierPosition(courierID: courierID, location: location, recordedAt: at, ageSeconds: Int(age), isStale: age > settings.staleAfter)
    }
}
