public import Core
public import Events
public import Foundation
public import HummingbirdCore
public import Logging
public import TiffinHTTP
public import ServiceLifecycle
public import Storage

/// The live layer of one instance, assembled: the connections' hub, tracking, the endpoint that
/// upgrades `/v1/realtime`, the bus to the other instances, the heartbeat and the proximity
/// watcher. The assembly builds it once, mounts `server`, runs `services` and relays order
/// events to it through `outboxSubscription`.
///
/// A courier's fix, from socket to socket (docs/architecture.md):
/// `LiveEndpoint.handle` → `fix` → `LiveCouriers.report` (dispatch keeps it, and publishes
/// `DispatchChange.courier` on its feed) → `LiveTracking.run` follows the feed → `fixed` → the
/// `.orderPosition` topic of each order the courier carries, the restaurant they ride to, the
/// city → `LiveHub.publish` → each subscriber's `LiveConnection` queue (positions coalesced per
/// courier and order) → its writer task in `LiveEndpoint.serve` → the customer's socket. Across
/// instances, `LiveBus` follows the same feed and carries the state through its `LiveTransport`;
/// the other instance hands it to `LiveCouriers.receiveRemote`, whose feed its `LiveTracking`
/// follows in turn. `customerPushed` is told the age of each new fix pushed to a customer (the
/// tracking freshness journey).
public struct LiveLayer: Sendable {
    public struct Settings: Sendable {
        /// A position with no newer fix is shown stale after this.
        public var staleAfter: TimeInterval = 15
        public init() {}
    }

    let hub: LiveHub
    let tracking: LiveTracking
    let endpoint: LiveEndpoint
    let bus: LiveBus
    let heartbeat: LiveHeartbeat
    let proximity: ProximityWatcher

    public init(
        signIns: any LiveSignIns, couriers: any LiveCouriers, orders: any LiveOrders, notices: Feed<UserNotice>, transport: any LiveTransport,
        database: any Database, clock: any WallClock, settings: Settings, limiter: RateLimiter = RateLimiter(settings: .init()), logger: Logger,
        customerPushed: @escaping @Sendable (TimeInterval) -> Void = { _ in }
    ) {
        hub = LiveHub()
        tracking = LiveTracking(
            hub: hub, couriers: couriers, orders: orders, clock: clock, staleAfter: settings.staleAfter, logger: logger,
            customerPushed: customerPushed)
        endpoint = LiveEndpoint(
            signIns: signIns, couriers: couriers, orders: orders, database: database, hub: hub, tracking: tracking, limiter: limiter,
            logger: logger)
        bus = LiveBus(
            transport: transport, couriers: couriers, tracking: tracking, notices: notices, signIns: signIns, logger: logger)
        heartbeat = LiveHeartbeat(hub: hub, period: LiveEndpoint.heartbeat, clock: clock, logger: logger)
        proximity = ProximityWatcher(couriers: couriers, tracking: tracking, orders: orders, logger: logger)
    }

    /// The layer's HTTP routes (the courier's position).
    public var positions: CourierPositionController { CourierPositionController(live: self) }

    /// Where the order's courier is, for `viewer`: by the same rule (`CourierVisibility`) and from
    /// the same reading (`LiveTracking.sight`) as the live connection's `position` messages.
    /// `NotFoundError` for whoever may not read the order; `LivePositionError` when the rule
    /// shares nothing now, or the courier has no position yet.
    public func courierPosition(orderID: UUID, viewer: Principal) async throws -> CourierPosition {
        let viewing = try await endpoint.orders.viewing(orderID, by: viewer)
        switch await tracking.sight(of: viewing) {
        case .notShared: throw LivePositionError.notShared(status: viewing.status)
        case .noPositionYet: throw LivePositionError.noPositionYet
        case .shown(let courier, let location, let at, _, let arrival):
            let now = tracking.clock.now()
            let age = max(0, now.timeIntervalSince(at))
            return CourierPosition(
                courierID: viewing.party == .operator ? courier.courierID : nil, location: location, recordedAt: at, ageSeconds: Int(age), isStale: age > tracking.staleAfter,
                etaSeconds: arrival.map { max(0, Int($0.timeIntervalSince(now).rounded())) }, estimatedArrival: arrival)
        }
    }

    /// The HTTP/1.1 server with the `/v1/realtime` upgrade, its connections admitted and watched
    /// by `edge`.
    public func server(edge: HTTPEdge) -> HTTPServerBuilder { endpoint.server(edge: edge) }

    /// What runs for as long as the instance does, in this order.
    public var services: [any Service] { [tracking, heartbeat, bus, proximity] }

    /// Order events, relayed from the outbox to this instance's subscribers (and, by the bus, to
    /// the other instances').
    public var outboxSubscription: OutboxSubscription {
        OutboxSubscription(name: "realtime.order-events", eventTypes: LiveTracking.orderEventTypes) { [tracking] event in
            try await tracking.handle(event)
        }
    }
}
