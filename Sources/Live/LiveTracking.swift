import Core
import Events
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Storage
import Synchronization

/// Live tracking: which courier carries (or is on the way to pick up) which order, and pushing
/// their fixes — with age, staleness and a smoothed ETA — to exactly those allowed to see them:
/// the order's customer while the food is carried, the restaurant's staff while the courier is on
/// the way to it, operators always (coalesced per courier). Also relays order events from the
/// outbox to subscribers. A `Service`: restores who carries what at start, and marks positions
/// stale while couriers are quiet.
final class LiveTracking: Service, Sendable {
    /// Who carries what. Events change it one order at a time (`follow`); a resync replaces it
    /// from the database. A resync reads for a while, so an order an event changed meanwhile
    /// keeps what the event said: the read may be older than the event.
    struct Carrying {
        /// Courier → their undelivered orders.
        private(set) var deliveries: [UUID: [UUID: ActiveDelivery]] = [:]
        /// Order → the courier it is with: the same pairs, looked up the other way (a new
        /// subscriber's first position).
        private(set) var carriers: [UUID: UUID] = [:]
        var etas: [UUID: ETASmoother] = [:]
        /// Counts the changes made by events, and when each order last changed.
        private(set) var generation = 0
        private var changedAt: [UUID: Int] = [:]

        /// What an event says of the order now: with this courier (`current`), or with none.
        mutating func follow(_ orderID: UUID, to current: ActiveDelivery?) {
            generation += 1
            changedAt[orderID] = generation
            if let current { put(current) } else { remove(orderID) }
        }

        /// Everything from a read of the database begun at `since` (the generation then), except
        /// the orders events changed after it.
        mutating func replace(with active: [ActiveDelivery], since: Int) {
            let newer = changedAt.filter { $0.value > since }
            let kept = newer.keys.compactMap { id in carriers[id].flatMap { courier in deliveries[courier]?[id] } }
            deliveries = [:]
            carriers = [:]
            for delivery in active where newer[delivery.orderID] == nil { put(delivery) }
            for delivery in kept { put(delivery) }
            changedAt = newer
            etas = etas.filter { carriers[$0.key] != nil }
        }

        /// The order is with its courier now, and with no other courier.
        private mutating func put(_ delivery: ActiveDelivery) {
            let courierID = delivery.courierID
            if let previous = carriers[delivery.orderID], previous != courierID { remove(delivery.orderID) }
            deliveries[courierID, default: [:]][delivery.orderID] = delivery
            carriers[delivery.orderID] = courierID
        }

        /// The order is with no courier (and its ETA, which was that courier's, goes too).
        private mutating func remove(_ orderID: UUID) {
            etas[orderID] = nil
            guard let courierID = carriers.removeValue(forKey: orderID) else { return }
            deliveries[courierID]?[orderID] = nil
            if deliveries[courierID]?.isEmpty == true { deliveries[courierID] = nil }
        }
    }

    private let state = Mutex(Carrying())
    let hub: LiveHub
    let couriers: any LiveCouriers
    let orders: any LiveOrders
    let clock: any WallClock
    let staleAfter: TimeInterval
    let logger: Logger
    let travel = TravelModel()
    /// How long handing one message to every subscriber's queue takes (made once: per fix).
    static let positionFanOut = Timer(label: "tiffin_live_fanout_seconds", dimensions: [("kind", "position")])
    static let eventFanOut = Timer(label: "tiffin_live_fanout_seconds", dimensions: [("kind", "event")])

    static func nanoseconds(_ d: Duration) -> Int64 { Int64(d / .nanoseconds(1)) }

    /// Told the age of each new fix pushed to a customer watching their order (the tracking
    /// freshness journey's events).
    let customerPushed: @Sendable (TimeInterval) -> Void

    init(
        hub: LiveHub, couriers: any LiveCouriers, orders: any LiveOrders, clock: any WallClock, staleAfter: TimeInterval, logger: Logger,
        customerPushed: @escaping @Sendable (TimeInterval) -> Void = { _ in }
    ) {
        self.hub = hub
        self.couriers = couriers
        self.orders = orders
        self.clock = clock
        self.staleAfter = staleAfter
        self.logger = logger
        self.customerPushed = customerPushed
    }

    /// Each order event this instance relays from the outbox, once handled here (the cluster bus
    /// passes them on to the other instances).
    let relayedEvents = Feed<DomainEvent>(buffer: 65_536)

    /// New offers, to their couriers' connections.
    func offered(_ offers: [OfferMade]) {
        for offer in offers { hub.publish(LiveMessage.offer(offer), to: .courier(offer.courierID)) }
    }

    /// Who carries what is read again this often, whatever events say: a missed or late event
    /// (a notification lost between instances) cannot leave it wrong for longer.
    static let resyncEvery = 15
    private let sweeps = Atomic<Int>(0)

    /// Follows dispatch's changes (fixes and offers, pushed to those who may see them) and sweeps
    /// for stale positions, until graceful shutdown.
    func run() async throws {
        // Subscribed before the restore, so no change made while it reads is missed.
        let changes = couriers.changes.subscribe()
        do { try await restore() } catch { logger.error("could not restore live deliveries", metadata: ["error": "\(error)"]) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await change in changes { self.follow(change) }
                }
            }
            group.addTask {
                await repeatUntilShutdown(every: .seconds(2), name: "realtime.stale-sweep", logger: self.logger) {
                    if self.sweeps.add(1, ordering: .relaxed).newValue % Self.resyncEvery == 0 { try await self.restore() }
                    await self.sweepStale()
                }
            }
        }
    }

    /// One change from dispatch: a courier's state to those watching them, offers to their couriers.
    func follow(_ change: DispatchChange) {
        switch change {
        case .courier(let state, _): fixed(state)
        case .offers(let offers): offered(offers)
        }
    }

    /// Who carries what, from the database, replacing what was held: at start, and every
    /// `resyncEvery` sweeps.
    func restore() async throws {
        let since = state.withLock { $0.generation }
        let active = try await orders.activeDeliveries()
        state.withLock { $0.replace(with: active, since: since) }
    }

    // MARK: Events

    /// Every order event type: what live subscribers of an order, a restaurant or the city hear.
    static let orderEventTypes: Set<EventType> =
        Set(OrderStatus.allCases.map(EventType.order)).union([.orderCourierAssigned, .orderCourierReleased, .orderNeedsAttention])

    /// The routing fields every order event's payload has.
    struct Routing: Decodable {
        let orderID: UUID
        let customerID: UUID?
        let restaurantID: UUID?
        let courierID: UUID?
        let to: OrderStatus?
        let status: OrderStatus?
    }

    /// An order event this instance relays from the outbox: handled here, and passed on to the
    /// other instances.
    func handle(_ event: DomainEvent) async throws {
        try await handleRemote(event)
        relayedEvents.publish(event)
    }

    /// An order event, relayed here or by another instance: to the order's subscribers, its
    /// restaurant's, its courier's and the city's; and the carrying map follows it.
    func handleRemote(_ event: DomainEvent) async throws {
        let routing = try TiffinJSON.decoder.decode(Routing.self, from: event.payload)
        let payload = String(decoding: event.payload, as: UTF8.self)
        let message = LiveMessage.Event.text(
            id: event.id, eventType: event.type.rawValue, orderID: routing.orderID, occurredAt: event.occurredAt, payload: payload)
        let anonymous =
            routing.courierID == nil
            ? message
            : LiveMessage.Event.text(
                id: event.id, eventType: event.type.rawValue, orderID: routing.orderID, occurredAt: event.occurredAt,
                payload: LiveMessage.Event.withoutCourierID(payload))
        // A courier who handed the order back hears no more of it.
        if event.type == .orderCourierReleased, let courierID = routing.courierID {
            hub.unsubscribe(userID: courierID, from: .order(routing.orderID))
        }
        // Who carries what first, so a fix right after this event is routed by it.
        let carrier = try await follow(event, routing)
        let started = ContinuousClock.now
        hub.publish(anonymous, to: .order(routing.orderID))
        if let restaurantID = routing.restaurantID { hub.publish(anonymous, to: .restaurant(restaurantID)) }
        if let courierID = routing.courierID { hub.publish(message, to: .courier(courierID)) }
        hub.publish(message, to: .city)
        Self.eventFanOut.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
        // Picked up: the customer sees where the food is at once, after the event that allows it.
        if let carrier { fixed(await couriers.state(courierID: carrier), isNewFix: false) }
    }

    /// Keeps who-carries-what in step with the order. Events can arrive out of order (each
    /// instance relays some, the bus brings the others), so the order is read as it is now
    /// rather than the event applied: the same answer whatever the order of arrival.
    static let changesWhoCarries: Set<EventType> = Set(
        [OrderStatus.pickedUp, .delivered, .cancelled, .rejected, .expired, .paymentFailed].map(EventType.order)
    ).union([.orderCourierAssigned, .orderCourierReleased])

    /// Returns the courier whose position should be pushed now (the food was just picked up).
    private func follow(_ event: DomainEvent, _ routing: Routing) async throws -> UUID? {
        guard Self.changesWhoCarries.contains(event.type) else { return nil }
        let current = try await orders.activeDelivery(orderID: routing.orderID)
        state.withLock { $0.follow(routing.orderID, to: current) }
        guard event.type == .order(.pickedUp), let current, current.isPickedUp else { return nil }
        return current.courierID
    }

    // MARK: Positions

    /// A fix arrived: to those `CourierVisibility` lets see it — subscribers of each order the
    /// courier carries or rides to collect, in that phase; each restaurant the courier is on the
    /// way to (its board); operators watching the city.
    /// `isNewFix`: a fix just taken (counted for the tracking freshness journey), not the last
    /// one sent again because the order changed.
    func fixed(_ courier: CourierState, isNewFix: Bool = true) {
        guard let location = courier.location, let at = courier.positionAt else { return }
        let started = ContinuousClock.now
        let now = clock.now()
        let deliveries = state.withLock { $0.deliveries[courier.courierID].map { Array($0.values) } ?? [] }
        for delivery in deliveries {
            let arrival = self.arrival(of: courier, at: location, for: delivery, now: now)
            if delivery.isPickedUp {
                if publishPosition(
                    courier, location, at, now: now, orderID: delivery.orderID, arrival: arrival, to: .orderPosition(delivery.orderID, .carrying))
                    && isNewFix
                {
                    customerPushed(now.timeIntervalSince(at))
                }
            } else {
                publishPosition(
                    courier, location, at, now: now, orderID: delivery.orderID, arrival: arrival, to: .orderPosition(delivery.orderID, .onTheWay))
                publishPosition(courier, location, at, now: now, orderID: delivery.orderID, arrival: arrival, to: .restaurant(delivery.restaurantID))
            }
        }
        if hub.hasSubscribers(.city) { publishPosition(courier, location, at, now: now, orderID: nil, arrival: nil, to: .city) }
        Self.positionFanOut.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
    }

    /// When the courier reaches the customer (smoothed) with the food, or the restaurant before it.
    private func arrival(of courier: CourierState, at location: GeoPoint, for delivery: ActiveDelivery, now: Date) -> Date {
        guard delivery.isPickedUp else { return now.addingTimeInterval(travel.seconds(location, delivery.pickup, by: courier.vehicle)) }
        let raw = now.addingTimeInterval(travel.seconds(location, delivery.dropoff, by: courier.vehicle) + travel.stopSeconds)
        return state.withLock { $0.etas[delivery.orderID, default: ETASmoother()].update(raw: raw, now: now) }
    }

    /// Returns whether anyone was listening.
    @discardableResult
    private func publishPosition(
        _ courier: CourierState, _ location: GeoPoint, _ at: Date, now: Date, orderID: UUID?, arrival: Date?, to topic: LiveHub.Topic
    ) -> Bool {
        guard hub.hasSubscribers(topic) else { return false }
        hub.publish(
            positionMessage(courier, location, at, now: now, orderID: orderID, arrival: arrival, named: topic == .city), to: topic,
            coalescing: Self.positionKey(courier.courierID, orderID))
        return true
    }

    static func positionKey(_ courierID: UUID, _ orderID: UUID?) -> String { "position:\(courierID):\(orderID?.uuidString ?? "")" }

    /// `named`: with the courier's account id (operators only).
    private func positionMessage(
        _ courier: CourierState, _ location: GeoPoint, _ at: Date, now: Date, orderID: UUID?, arrival: Date?, named: Bool
    ) -> String {
        let age = max(0, now.timeIntervalSince(at))
        return LiveMessage.text(
            LiveMessage.Position(
                orderID: orderID, courierID: named ? courier.courierID : nil, lat: location.lat, lon: location.lon, recordedAt: at, ageSeconds: Int(age),
                isStale: age > staleAfter, heading: courier.heading, speed: courier.speed, accuracy: courier.accuracy,
                etaSeconds: arrival.map { max(0, Int($0.timeIntervalSince(now).rounded())) }, estimatedArrival: arrival))
    }

    /// Couriers carrying food who have gone quiet: their last position is sent again, marked
    /// stale with its age, and the ETA keeps counting down from the last estimate.
    func sweepStale() async {
        let now = clock.now()
        let carriers = state.withLock { state in
            state.deliveries.filter { $0.value.values.contains(where: \.isPickedUp) }.map(\.key)
        }
        for courierID in carriers {
            let courier = await couriers.state(courierID: courierID)
            guard let location = courier.location, let at = courier.positionAt, now.timeIntervalSince(at) > staleAfter else { continue }
            let carried = state.withLock { state in
                (state.deliveries[courierID]?.values.filter(\.isPickedUp) ?? []).map { ($0.orderID, state.etas[$0.orderID]?.arrival) }
            }
            for (orderID, arrival) in carried {
                publishPosition(courier, location, at, now: now, orderID: orderID, arrival: arrival, to: .orderPosition(orderID, .carrying))
            }
        }
    }

    /// The orders `courierID` carries or is on the way to collect.
    func deliveries(of courierID: UUID) -> [ActiveDelivery] {
        state.withLock { $0.deliveries[courierID].map { Array($0.values) } ?? [] }
    }

    /// What someone asking now may see of an order's courier (`viewing` is the order as read for
    /// them): the one answer behind the API and a new subscriber's first position.
    enum Sight {
        case shown(CourierState, location: GeoPoint, at: Date, delivery: ActiveDelivery, arrival: Date?)
        /// Not in this phase, or not to this party (or the order has no courier now).
        case notShared
        /// Shared, but the courier has sent no position yet.
        case noPositionYet
    }

    func sight(of viewing: OrderViewing) async -> Sight {
        guard let delivery = viewing.delivery, let phase = CourierVisibility.Phase(delivery), CourierVisibility.shows(viewing.party, phase)
        else { return .notShared }
        let courier = await couriers.state(courierID: delivery.courierID)
        guard let location = courier.location, let at = courier.positionAt else { return .noPositionYet }
        // The smoothed ETA the subscribers were shown, else a fresh estimate (not smoothed: a
        // question asked is no fix).
        let now = clock.now()
        let arrival =
            delivery.isPickedUp
            ? state.withLock { $0.etas[delivery.orderID]?.arrival }
                ?? now.addingTimeInterval(travel.seconds(location, delivery.dropoff, by: courier.vehicle) + travel.stopSeconds)
            : now.addingTimeInterval(travel.seconds(location, delivery.pickup, by: courier.vehicle))
        return .shown(courier, location: location, at: at, delivery: delivery, arrival: arrival)
    }

    /// A new subscriber's first position, when they may see one.
    func sendCurrentPosition(_ viewing: OrderViewing, to connection: LiveConnection) async {
        guard case .shown(let courier, let location, let at, let delivery, let arrival) = await sight(of: viewing) else { return }
        connection.send(
            positionMessage(courier, location, at, now: clock.now(), orderID: delivery.orderID, arrival: arrival, named: false),
            coalescing: Self.positionKey(courier.courierID, delivery.orderID))
    }
}
