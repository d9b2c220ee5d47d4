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

    let registry: CourierRegistry
    let orders: any DispatchOrderPort
    let clock: any WallClock
    let settings: Settings
    let logger: Logger

    /// `registry` is built once per process (`makeRegistry`) and run as a service.
    public init(registry: CourierRegistry, orders: any DispatchOrderPort, clock: any WallClock, settings: Settings = .init(), logger: Logger) {
        self.registry = registry
        self.orders = orders
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    /// The courier registry over `database`, to be run as a service (it restores and flushes itself).
    public static func makeRegistry(database: any Database, flushInterval: Duration = .seconds(2), logger: Logger) -> CourierRegistry {
        CourierRegistry(store: DispatchStore(database: database), flushInterval: flushInterval, logger: logger)
    }

    /// The schema of the tables this service owns.
    public static var migrations: [Migration] { DispatchStore.migrations }

    public func goOnline(courierID: UUID, at location: GeoPoint?) async throws -> CourierState {
        let now = clock.now()
        let state = registry.update(courierID, now: now) {
            $0.isOnline = true
            if let location {
                $0.location = location
                $0.positionAt = now
            }
        }
        try await registry.flush()  // rare and meaningful: persist at once
        return state
    }

    public func goOffline(courierID: UUID) async throws -> CourierState {
        let state = registry.update(courierID, now: clock.now()) { $0.isOnline = false }
        try await registry.flush()
        return state
    }

    /// Records a fix. Kept in memory; persisted by the next `flush()`.
    public func report(courierID: UUID, location: GeoPoint, recordedAt: Date?) async -> CourierState {
        let now = clock.now()
        // A fix from the future is clamped to now; an older fix than the one held is ignored.
        let at = min(recordedAt ?? now, now)
        return registry.update(courierID, now: now) { state in
            if let previous = state.positionAt, previous > at { return }
            state.location = location
            state.positionAt = at
        }
    }

    public func state(courierID: UUID) async -> CourierState {
        registry.state(courierID) ?? CourierState(courierID: courierID, isOnline: false, location: nil, positionAt: nil, updatedAt: clock.now())
    }

    /// Online couriers for operators, with the age of their last fix and how many orders they carry.
    public func onlineCouriers() async throws -> OnlineCourierList {
        let busy = try await orders.busyCouriers()
        let now = clock.now()
        let couriers = registry.online().sorted { $0.courierID.uuidString < $1.courierID.uuidString }.map { state in
            let age = state.positionAt.map { max(0, now.timeIntervalSince($0)) }
            return OnlineCourier(
                courierID: state.courierID, location: state.location, positionAt: state.positionAt, ageSeconds: age.map { Int($0) },
                isStale: age.map { $0 > settings.staleAfter } ?? true, activeOrders: busy[state.courierID] ?? 0)
        }
        return OnlineCourierList(couriers: couriers)
    }

    /// One matching round. Returns the assignments made.
    @discardableResult
    public func assignmentRound() async throws -> [(orderID: UUID, courierID: UUID)] {
        let waiting = try await orders.ordersAwaitingCourier(limit: 200)
        guard !waiting.isEmpty else { return [] }
        let busy = try await orders.busyCouriers()
        let now = clock.now()
        var free = registry.online().filter { state in
            guard busy[state.courierID] == nil, state.location != nil, let at = state.positionAt else { return false }
            return now.timeIntervalSince(at) <= settings.matchableFixAge
        }
        var made: [(UUID, UUID)] = []
        for order in waiting.sorted(by: { $0.placedAt < $1.placedAt }) {
            guard
                let best = free.enumerated().filter({ !order.excludedCouriers.contains($0.element.courierID) }).min(by: {
                    $0.element.location!.distance(to: order.pickup) < $1.element.location!.distance(to: order.pickup)
                })
            else { continue }
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
        guard info.isCarrying, let courierID = info.courierID else { throw DispatchError.notCarrying(status: info.status.rawValue) }
        guard let state = registry.state(courierID), let location = state.location, let at = state.positionAt else {
            throw DispatchError.noPositionYet
        }
        let age = max(0, clock.now().timeIntervalSince(at))
        return CourierPosition(courierID: courierID, location: location, recordedAt: at, ageSeconds: Int(age), isStale: age > settings.staleAfter)
    }
}
