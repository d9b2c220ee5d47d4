public import Core
public import Events
public import Foundation
public import Logging
public import Storage

/// Couriers going online, reporting positions, being offered jobs, and being tracked.
///
/// A dispatch round (every `TIFFIN_DISPATCH_INTERVAL_MS`) runs on one instance at a time — the
/// holder of the `dispatch` lease — and: expires offers not answered in time (their courier is
/// not offered those orders again); collects orders that will be ready within `readyHorizon`
/// and are not in a pending offer, and couriers online with a recent fix, no pending offer, and
/// free (or carrying only food already picked up: they are free where and when they drop it);
/// plans bundles and the least-cost assignment (`DispatchPlanner`); and offers each job to its
/// courier for `offerTimeout`. The courier accepts (the orders are assigned to them) or declines.
public struct DispatchService: Sendable {
    public struct Settings: Sendable {
        /// Period of the courier-matching round.
        public var roundInterval: Duration = .seconds(2)
        /// A fix older than this is shown as stale.
        public var staleAfter: TimeInterval = 15
        /// Couriers whose last fix is older than this are not matched.
        public var matchableFixAge: TimeInterval = 300
        /// How long a courier has to answer an offer.
        public var offerTimeout: TimeInterval = 30
        /// Orders expected ready further ahead than this wait for a later round.
        public var readyHorizon: TimeInterval = 600
        /// The dispatch lease: held this long past each round (three rounds, at least 5 s), so
        /// another instance takes over within this long of the holder dying.
        public var leaseDuration: TimeInterval { max(5, 3 * (roundInterval / .seconds(1))) }
        public var planner = DispatchPlanner()
        public var earnings = EarningsModel()
        public init() {}
    }

    let registry: CourierRegistry
    let store: DispatchStore
    let orders: any DispatchOrderPort
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    /// This process, as a lease holder.
    let instanceID: String
    /// Every courier change (fixes, on- and offline, local and from other instances) and every
    /// offer made, as it happens: a stream per follower, each consumed in its own service's
    /// `run()`. Built once with the registry, so every copy of this service shares it.
    public var changes: Feed<DispatchChange> { registry.changes }

    /// `registry` is built once per process (`makeRegistry`) and run as a service.
    public init(
        registry: CourierRegistry, orders: any DispatchOrderPort, clock: any WallClock, settings: Settings = .init(),
        instanceID: String = UUID().uuidString,
        logger: Logger
    ) {
        self.registry = registry
        self.store = registry.store
        self.orders = orders
        self.clock = clock
        self.settings = settings
        self.instanceID = instanceID
        self.logger = logger
    }

    /// The courier registry over `database`, to be run as a service (it restores and flushes itself).
    public static func makeRegistry(database: any Database, flushInterval: Duration = .seconds(2), logger: Logger) -> CourierRegistry {
        CourierRegistry(store: DispatchStore(database: database), flushInterval: flushInterval, logger: logger)
    }

    /// The schema of the tables this service owns.
    public static var migrations: [Migration] { DispatchStore.migrations }

    public func goOnline(courierID: UUID, at location: GeoPoint?, vehicle: VehicleType? = nil) async throws -> CourierState {
        let now = clock.now()
        let state = registry.update(courierID, now: now) {
            $0.isOnline = true
            if let vehicle { $0.vehicle = vehicle }
            if let location {
                $0.location = location
                $0.positionAt = now
            }
            return true
        }.state
        try await registry.flush()  // rare and meaningful: persist at once
        changes.publish(.courier(state, local: true))
        return state
    }

    public func goOffline(courierID: UUID) async throws -> CourierState {
        let state = registry.update(courierID, now: clock.now()) {
            $0.isOnline = false
            return true
        }.state
        try await registry.flush()
        changes.publish(.courier(state, local: true))
        return state
    }

    /// A courier's state from another instance (its fix, or going on- or offline): every
    /// instance knows every courier, so whichever holds the dispatch lease plans with all of
    /// them. True when it was newer than the one held; then `changes` has it, as not local.
    @discardableResult
    public func receiveRemote(_ state: CourierState) -> Bool {
        guard registry.applyRemote(state) else { return false }
        changes.publish(.courier(state, local: false))
        return true
    }

    /// Records a fix. Kept in memory; persisted by the next `flush()`.
    public func report(courierID: UUID, location: GeoPoint, recordedAt: Date?) async -> CourierState {
        await report(courierID: courierID, PositionFix(location: location, recordedAt: recordedAt))
    }

    /// Records a fix: out-of-order and duplicate fixes are resolved by when they were recorded
    /// (an older fix than the one held changes nothing); one from the future counts as now.
    public func report(courierID: UUID, _ fix: PositionFix) async -> CourierState {
        let (state, changed) = apply(fix, courierID: courierID, now: clock.now())
        if changed { changes.publish(.courier(state, local: true)) }
        return state
    }

    /// Fixes buffered by a device while it had no connection, in one batch, applied in the
    /// order they were recorded (one without a time counts as now: last). Those watching hear
    /// only where the courier is after them. Returns the courier's state after them.
    public func report(courierID: UUID, batch: [PositionFix]) async -> CourierState {
        let now = clock.now()
        var last: (state: CourierState, changed: Bool)?
        for fix in batch.sorted(by: { ($0.recordedAt ?? now) < ($1.recordedAt ?? now) }) {
            let applied = apply(fix, courierID: courierID, now: now)
            last = (applied.state, applied.changed || last?.changed == true)
        }
        guard let last else { return await state(courierID: courierID) }
        if last.changed { changes.publish(.courier(last.state, local: true)) }
        return last.state
    }

    /// One fix into the registry; true when it changed the courier's position.
    private func apply(_ fix: PositionFix, courierID: UUID, now: Date) -> (state: CourierState, changed: Bool) {
        let at = min(fix.recordedAt ?? now, now)
        // An older fix than the one held changes nothing, and is not written again.
        let result = registry.update(courierID, now: now) { state in
            if let previous = state.positionAt, previous > at { return false }
            state.location = fix.location
            state.positionAt = at
            state.accuracy = fix.accuracy
            state.heading = fix.heading
            state.speed = fix.speed
            return true
        }
        DispatchMetrics.fixes(applied: result.changed)
        return result
    }

    public func state(courierID: UUID) async -> CourierState {
        registry.state(courierID) ?? CourierState(courierID: courierID, isOnline: false, location: nil, positionAt: nil, updatedAt: clock.now())
    }

    /// Online couriers for operators, with the age of their last fix and how many orders they carry.
    public func onlineCouriers() async throws -> OnlineCourierList {
        let busy = Dictionary(grouping: try await orders.activeDeliveries(), by: \.courierID).mapValues(\.count)
        let now = clock.now()
        let couriers = registry.online().sorted { $0.courierID.uuidString < $1.courierID.uuidString }.map { state in
            let age = state.positionAt.map { max(0, now.timeIntervalSince($0)) }
            return OnlineCourier(
                courierID: state.courierID, location: state.location, positionAt: state.positionAt, ageSeconds: age.map { Int($0) },
                isStale: age.map { $0 > settings.staleAfter } ?? true, activeOrders: busy[state.courierID] ?? 0)
        }
        return OnlineCourierList(couriers: couriers)
    }

    /// One dispatch round, if this instance holds the lease. Returns the offers made.
    @discardableResult
    public func assignmentRound() async throws -> [DispatchOffer] {
        let started = ContinuousClock.now
        let now = clock.now()
        guard try await store.acquireLease("dispatch", holder: instanceID, until: now.addingTimeInterval(settings.leaseDuration), now: now) else {
            return []
        }
        for offer in try await store.expireOffers(at: now) {
            DispatchMetrics.offers(.expired)
            logger.info("offer expired", metadata: ["offer.id": "\(offer.id)", "courier.id": "\(offer.courierID)"])
        }
        let committed = try await store.pendingCommitments()
        let waiting = try await orders.ordersAwaitingCourier(limit: 1_000).filter {
            !committed.orders.contains($0.orderID) && $0.expectedReadyAt.timeIntervalSince(now) <= settings.readyHorizon
        }
        guard !waiting.isEmpty else { return [] }
        let excluded = try await store.exclusions(orderIDs: waiting.map(\.orderID))
        let planningOrders = waiting.map { order in
            PlanningOrder(
                id: order.orderID, restaurantID: order.restaurantID, pickup: order.pickup, dropoff: order.dropoff, readyAt: order.expectedReadyAt,
                excludedCouriers: order.excludedCouriers.union(excluded[order.orderID] ?? []))
        }
        let couriers = try await availableCouriers(now: now, committed: committed.couriers)
        let planned = settings.planner.plan(orders: planningOrders, couriers: couriers, now: now)
        let byID = Dictionary(uniqueKeysWithValues: waiting.map { ($0.orderID, $0) })
        let offers = planned.map { plan in
            DispatchOffer(
                id: UUID.timeOrdered(at: now), courierID: plan.courierID, status: .pending,
                stops: plan.orderIDs.enumerated().map { pickup, orderID in
                    let dropoff = plan.dropoffOrder.firstIndex(of: orderID)!
                    let order = byID[orderID]
                    return DispatchOffer.Stop(
                        orderID: orderID, pickupPosition: pickup, dropoffPosition: dropoff, plannedDeliverySeconds: plan.deliverySeconds[dropoff],
                        readyAt: order?.expectedReadyAt ?? now, restaurantID: order?.restaurantID, pickup: order?.pickup,
                        dropoff: order.map { DispatchOffer.Stop.approximate($0.dropoff) })
                },
                costSeconds: plan.costSeconds, reason: plan.reason, candidates: plan.candidates, createdAt: now,
                expiresAt: now.addingTimeInterval(settings.offerTimeout), answeredAt: nil)
        }
        try await store.createOffers(offers)
        if !offers.isEmpty { changes.publish(.offers(offers.map(\.made))) }
        for offer in offers {
            DispatchMetrics.offers(.pending)
            logger.info(
                "offer made", metadata: ["offer.id": "\(offer.id)", "courier.id": "\(offer.courierID)", "orders": "\(offer.stops.count)"])
        }
        DispatchMetrics.round(ContinuousClock.now - started, orders: waiting.count, couriers: couriers.count)
        return offers
    }

    /// Couriers a round may plan for: online, a recent fix, no pending offer, and free — or
    /// carrying only food already picked up, free where and when they hand the last of it over.
    func availableCouriers(now: Date, committed: Set<UUID>) async throws -> [PlanningCourier] {
        let active = Dictionary(grouping: try await orders.activeDeliveries(), by: \.courierID)
        let travel = settings.planner.travel
        return registry.online().compactMap { state -> PlanningCourier? in
            guard !committed.contains(state.courierID), let location = state.location, let at = state.positionAt,
                now.timeIntervalSince(at) <= settings.matchableFixAge
            else { return nil }
            guard let carrying = active[state.courierID], !carrying.isEmpty else {
                return PlanningCourier(id: state.courierID, location: location, vehicle: state.vehicle, freeAt: now)
            }
            guard carrying.allSatisfy(\.isPickedUp), carrying.count < settings.planner.bundling.maximumOrders else { return nil }
            // Free after delivering what they carry, nearest drop-off first.
            var here = location
            var seconds = 0.0
            var left = carrying.map(\.dropoff)
            while let next = left.enumerated().min(by: {
                CourierIndex.metres(from: here, to: $0.element) < CourierIndex.metres(from: here, to: $1.element)
            }) {
                seconds += travel.seconds(here, next.element, by: state.vehicle) + travel.stopSeconds
                here = next.element
                left.remove(at: next.offset)
            }
            return PlanningCourier(id: state.courierID, location: here, vehicle: state.vehicle, freeAt: now.addingTimeInterval(seconds))
        }
    }

    /// Gives up the lease at shutdown, so another instance takes over at once.
    public func releaseLease() async {
        do { try await store.releaseLease("dispatch", holder: instanceID) } catch {
            logger.warning("could not release the dispatch lease", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Offers

    public func pendingOffers(courierID: UUID) async throws -> DispatchOfferList {
        let now = clock.now()
        return DispatchOfferList(offers: try await store.pendingOffers(courierID: courierID).filter { $0.expiresAt >= now })
    }

    /// The courier takes the offer: each of its orders is assigned to them, unless it went
    /// elsewhere or ended meanwhile. Refused once the offer expired or was answered.
    public func accept(offerID: UUID, courierID: UUID) async throws -> DispatchOffer {
        let now = clock.now()
        guard var offer = try await store.offer(id: offerID), offer.courierID == courierID else {
            throw NotFoundError(entity: "offer", id: offerID.uuidString)
        }
        guard offer.status == .pending else { throw DispatchError.offerClosed(status: offer.status) }
        guard offer.expiresAt >= now else { throw DispatchError.offerClosed(status: .expired) }
        guard try await store.answer(offerID: offerID, courierID: courierID, status: .accepted, at: now) else {
            throw DispatchError.offerClosed(status: try await store.offer(id: offerID)?.status ?? .withdrawn)
        }
        var assigned = 0
        for stop in offer.stops.sorted(by: { $0.pickupPosition < $1.pickupPosition })
        where try await orders.assign(orderID: stop.orderID, courierID: courierID, reason: offer.reason) {
            assigned += 1
            // From the food being ready (0 when the courier was found before it was) to its courier.
            DispatchMetrics.readyToAssignment(max(0, now.timeIntervalSince(stop.readyAt)))
        }
        offer.answeredAt = now
        guard assigned > 0 else {
            try await store.withdraw(offer, at: now)
            DispatchMetrics.offers(.withdrawn)
            throw DispatchError.offerWithdrawn
        }
        offer.status = .accepted
        DispatchMetrics.offers(.accepted)
        DispatchMetrics.acceptance(now.timeIntervalSince(offer.createdAt))
        logger.info("offer accepted", metadata: ["offer.id": "\(offerID)", "courier.id": "\(courierID)", "assigned": "\(assigned)"])
        return offer
    }

    /// Withdraws the pending offers of an order that ended (cancelled, rejected, expired), so
    /// their couriers hear it now rather than when the offer would have expired.
    @discardableResult
    public func withdrawOffers(orderID: UUID, reason: String) async throws -> Int {
        let withdrawn = try await store.withdrawPending(orderID: orderID, reason: reason, at: clock.now())
        for offer in withdrawn {
            DispatchMetrics.offers(.withdrawn)
            logger.info("offer withdrawn", metadata: ["offer.id": "\(offer.id)", "courier.id": "\(offer.courierID)", "order.id": "\(orderID)"])
        }
        return withdrawn.count
    }

    /// The courier turns the offer down: its orders go back to the next round, never to them again.
    public func decline(offerID: UUID, courierID: UUID, reason: String?) async throws -> DispatchOffer {
        let now = clock.now()
        guard var offer = try await store.offer(id: offerID), offer.courierID == courierID else {
            throw NotFoundError(entity: "offer", id: offerID.uuidString)
        }
        guard offer.status == .pending,
            try await store.decline(
                offerID: offerID, courierID: courierID, orderIDs: offer.orderIDs, reason: "declined" + (reason.map { ": \($0)" } ?? ""), at: now)
        else {
            throw DispatchError.offerClosed(
                status: offer.status == .pending ? (try await store.offer(id: offerID)?.status ?? .withdrawn) : offer.status)
        }
        offer.status = .declined
        offer.answeredAt = now
        DispatchMetrics.offers(.declined)
        return offer
    }

    /// Every offer of an order, with its candidates, costs and reason (operators).
    public func dispatchRecord(orderID: UUID) async throws -> DispatchRecord {
        guard try await orders.route(orderID: orderID) != nil else { throw NotFoundError(entity: "order", id: orderID.uuidString) }
        return DispatchRecord(orderID: orderID, offers: try await store.offers(orderID: orderID))
    }

    // MARK: Earnings

    /// Records what the courier earned for a delivered order (once; a repeat changes nothing).
    public func recordEarnings(orderID: UUID, courierID: UUID, deliveredAt: Date) async throws {
        guard let info = try await orders.route(orderID: orderID) else { return }
        let offers = try await store.offers(orderID: orderID)
        let accepted = offers.last { $0.status == .accepted && $0.courierID == courierID }
        let bundled = (accepted?.stops.first { $0.orderID == orderID }?.pickupPosition ?? 0) > 0
        let metres = Int((CourierIndex.metres(from: info.pickup, to: info.dropoff) * settings.planner.travel.detourFactor).rounded())
        let amount = settings.earnings.amount(distanceMetres: metres, bundled: bundled)
        try await store.recordEarning(
            CourierEarning(orderID: orderID, amount: Money(amount, info.currency), distanceMetres: metres, bundled: bundled, earnedAt: deliveredAt),
            courierID: courierID)
    }

    public func earnings(courierID: UUID) async throws -> CourierEarnings {
        let now = clock.now()
        let week = try await store.earnings(courierID: courierID, since: now.addingTimeInterval(-7 * 86_400), limit: 10_000)
        let midnight = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let currency = week.first?.amount.currency ?? "EUR"
        func sum(_ list: [CourierEarning]) -> Money { Money(list.reduce(0) { $0 + $1.amount.amount }, currency) }
        return CourierEarnings(
            earnings: Array(week.prefix(100)), today: sum(week.filter { $0.earnedAt >= midnight }), lastSevenDays: sum(week))
    }
}
