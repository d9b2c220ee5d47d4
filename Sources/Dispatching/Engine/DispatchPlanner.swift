public import Core
public import Foundation

/// An order as a dispatch round plans it.
public struct PlanningOrder: Sendable, Equatable {
    public let id: UUID
    public let restaurantID: UUID
    public let pickup: GeoPoint
    public let dropoff: GeoPoint
    /// When the food is expected to be ready (learned preparation time); in the past when ready.
    public let readyAt: Date
    /// Couriers who declined it, let an offer of it expire, or handed it back.
    public let excludedCouriers: Set<UUID>

    public init(id: UUID, restaurantID: UUID, pickup: GeoPoint, dropoff: GeoPoint, readyAt: Date, excludedCouriers: Set<UUID> = []) {
        self.id = id
        self.restaurantID = restaurantID
        self.pickup = pickup
        self.dropoff = dropoff
        self.readyAt = readyAt
        self.excludedCouriers = excludedCouriers
    }
}

/// A courier as a dispatch round plans them: free now, or free at `freeAt` at `location` (the
/// drop-off of what they carry).
public struct PlanningCourier: Sendable, Equatable {
    public let id: UUID
    public let location: GeoPoint
    public let vehicle: VehicleType
    public let freeAt: Date

    public init(id: UUID, location: GeoPoint, vehicle: VehicleType, freeAt: Date) {
        self.id = id
        self.location = location
        self.vehicle = vehicle
        self.freeAt = freeAt
    }
}

/// When orders may share a courier: from the same or nearby restaurants, ready about together,
/// going the same way, and no customer kept waiting much longer for it.
public struct BundlingRules: Sendable, Equatable {
    public var maximumOrders = 3
    /// Pickups at most this far apart (metres).
    public var pickupRadius = 400.0
    /// Ready at most this far apart (seconds).
    public var readyWithin: TimeInterval = 300
    /// Directions from the pickup to each drop-off at most this far apart (degrees).
    public var maximumBearingDifference = 45.0
    /// No order in a bundle delivered more than this much later than it would be alone (seconds).
    public var maximumDelay: TimeInterval = 600

    public init() {}
}

/// What one courier is given: an order, or a bundle picked up in one sequence and delivered in
/// another.
public struct DispatchJob: Sendable, Equatable {
    public var pickups: [PlanningOrder]
    public var dropoffs: [PlanningOrder]

    public init(_ order: PlanningOrder) {
        pickups = [order]
        dropoffs = [order]
    }

    public init(pickups: [PlanningOrder], dropoffs: [PlanningOrder]) {
        self.pickups = pickups
        self.dropoffs = dropoffs
    }

    public var orders: [PlanningOrder] { pickups }
    var excludedCouriers: Set<UUID> { pickups.reduce(into: Set<UUID>()) { $0.formUnion($1.excludedCouriers) } }
}

/// One assignment decided by a round, with why.
public struct PlannedAssignment: Sendable, Equatable {
    public struct Candidate: Sendable, Equatable, Codable {
        public let courierID: UUID
        /// Seconds until the last order of the job is delivered, were this courier to take it.
        public let costSeconds: Int
    }

    /// One order, or a bundle of up to three, in pickup order.
    public let orderIDs: [UUID]
    /// The same orders in drop-off order.
    public let dropoffOrder: [UUID]
    public let courierID: UUID
    public let costSeconds: Int
    /// Seconds from now to each order's delivery, in `dropoffOrder`'s order.
    public let deliverySeconds: [Int]
    /// The cheapest candidates considered for this job, cheapest first (the chosen one included).
    public let candidates: [Candidate]
    public let reason: String
}

/// A dispatch round's decision: orders grouped into jobs (bundles), a cost per job and courier
/// (seconds until the job's last delivery), and the assignment of least total cost over all jobs
/// at once — not each order to its nearest courier in turn, which lets an early order take the
/// only courier a later one could use.
public struct DispatchPlanner: Sendable {
    public var travel = TravelModel()
    public var bundling = BundlingRules()
    /// Couriers looked at per job (nearest by straight line); the rest cost too much anyway.
    public var candidatesPerJob = 12
    /// A courier farther than this from a pickup is not considered for it (metres).
    public var maximumPickupDistance = 15_000.0

    public init() {}

    static let forbidden = 1e12

    public func plan(orders: [PlanningOrder], couriers: [PlanningCourier], now: Date) -> [PlannedAssignment] {
        guard !orders.isEmpty, !couriers.isEmpty else { return [] }
        let jobs = bundles(orders, now: now)
        var index = CourierIndex(maximumRadius: maximumPickupDistance)
        var byID: [UUID: PlanningCourier] = [:]
        for courier in couriers {
            index.update(courier.id, at: courier.location)
            byID[courier.id] = courier
        }
        // Candidate couriers per job, and the columns: every courier some job considers.
        var columnOf: [UUID: Int] = [:]
        var columns: [PlanningCourier] = []
        let candidates = jobs.map { job -> [UUID] in
            let excluded = job.excludedCouriers
            return index.nearest(candidatesPerJob, to: job.pickups[0].pickup, excluding: { excluded.contains($0) }).map(\.id)
        }
        for id in candidates.joined() where columnOf[id] == nil {
            columnOf[id] = columns.count
            columns.append(byID[id]!)
        }
        guard !columns.isEmpty else { return [] }
        var costs = [Double](repeating: Self.forbidden, count: jobs.count * columns.count)
        var routes: [Int: [Double]] = [:]
        for (row, job) in jobs.enumerated() {
            for id in candidates[row] {
                let column = columnOf[id]!
                let deliveries = route(job, by: byID[id]!, now: now)
                costs[row * columns.count + column] = deliveries.max()!
                routes[row * columns.count + column] = deliveries
            }
        }
        guard let assignment = try? AssignmentSolver.solve(costs: costs, rows: jobs.count, columns: columns.count) else { return [] }
        var planned: [PlannedAssignment] = []
        for (row, column) in assignment.enumerated() {
            guard let column, costs[row * columns.count + column] < Self.forbidden else { continue }
            let job = jobs[row]
            let considered = candidates[row].map { id in
                PlannedAssignment.Candidate(courierID: id, costSeconds: Int(costs[row * columns.count + columnOf[id]!].rounded()))
            }.sorted { $0.costSeconds < $1.costSeconds }
            let chosen = columns[column]
            let cost = Int(costs[row * columns.count + column].rounded())
            let best = considered.first!
            var reason =
                "least total delivery time over the round: \(cost) s to the last delivery, of \(considered.count) candidates"
                + (job.orders.count > 1 ? ", bundle of \(job.orders.count) orders" : "")
            if best.courierID != chosen.id {
                reason += "; the fastest for this job alone (\(best.costSeconds) s) was better used elsewhere"
            }
            planned.append(
                PlannedAssignment(
                    orderIDs: job.pickups.map(\.id), dropoffOrder: job.dropoffs.map(\.id), courierID: chosen.id, costSeconds: cost,
                    deliverySeconds: routes[row * columns.count + column]!.map { Int($0.rounded()) }, candidates: Array(considered.prefix(5)),
                    reason: reason))
        }
        return planned
    }

    /// Seconds from now to each order's delivery (in drop-off order) when `courier` takes `job`:
    /// the pickups in turn (waiting for food not yet ready), then the drop-offs.
    func route(_ job: DispatchJob, by courier: PlanningCourier, now: Date) -> [Double] {
        var t = max(0, courier.freeAt.timeIntervalSince(now))
        var at = courier.location
        for order in job.pickups {
            t += travel.seconds(at, order.pickup, by: courier.vehicle)
            t = max(t, order.readyAt.timeIntervalSince(now)) + travel.stopSeconds
            at = order.pickup
        }
        return job.dropoffs.map { order in
            t += travel.seconds(at, order.dropoff, by: courier.vehicle) + travel.stopSeconds
            at = order.dropoff
            return t
        }
    }

    /// Groups orders into jobs of up to `bundling.maximumOrders`. Greedy: the order ready first
    /// seeds a job, and each compatible order that delays nobody beyond the rules joins it.
    public func bundles(_ orders: [PlanningOrder], now: Date) -> [DispatchJob] {
        let sorted = orders.sorted { ($0.readyAt, $0.id.uuidString) < ($1.readyAt, $1.id.uuidString) }
        var taken = Set<UUID>()
        var jobs: [DispatchJob] = []
        for seed in sorted where !taken.contains(seed.id) {
            taken.insert(seed.id)
            var job = DispatchJob(seed)
            for other in sorted where !taken.contains(other.id) && job.orders.count < bundling.maximumOrders {
                if let bigger = joined(job, other, now: now) {
                    job = bigger
                    taken.insert(other.id)
                }
            }
            jobs.append(job)
        }
        return jobs
    }

    /// `job` with `order` added, pickups nearest the seed's first and drop-offs in the order that
    /// delivers the last one soonest; nil when the rules refuse it.
    func joined(_ job: DispatchJob, _ order: PlanningOrder, now: Date) -> DispatchJob? {
        let seed = job.pickups[0]
        let heading = Self.bearing(order.pickup, order.dropoff)
        // Only orders refused by the same couriers ride together: a bundle is offered to no
        // courier any of its orders excludes, so a declined order must not keep the others from
        // that courier (if they are the only one near, the others would never be offered).
        guard order.excludedCouriers == job.excludedCouriers,
            CourierIndex.metres(from: seed.pickup, to: order.pickup) <= bundling.pickupRadius,
            abs(order.readyAt.timeIntervalSince(seed.readyAt)) <= bundling.readyWithin,
            job.orders.allSatisfy({ Self.angle(Self.bearing($0.pickup, $0.dropoff), heading) <= bundling.maximumBearingDifference })
        else { return nil }
        // Judge the delay with a bicycle (the slowest) already at the seed's pickup.
        let probe = PlanningCourier(id: seed.id, location: seed.pickup, vehicle: .bicycle, freeAt: now)
        let all = job.orders + [order]
        let pickups = all.sorted { CourierIndex.metres(from: seed.pickup, to: $0.pickup) < CourierIndex.metres(from: seed.pickup, to: $1.pickup) }
        var best: (job: DispatchJob, times: [Double])?
        for dropoffs in Self.permutations(all) {  // at most 3! = 6
            let candidate = DispatchJob(pickups: pickups, dropoffs: dropoffs)
            let times = route(candidate, by: probe, now: now)
            if best == nil || times.max()! < best!.times.max()! { best = (candidate, times) }
        }
        guard let best else { return nil }
        for (i, order) in best.job.dropoffs.enumerated()
        where best.times[i] - route(DispatchJob(order), by: probe, now: now)[0] > bundling.maximumDelay {
            return nil
        }
        return best.job
    }

    static func permutations(_ items: [PlanningOrder]) -> [[PlanningOrder]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i -> [[PlanningOrder]] in
            var rest = items
            let first = rest.remove(at: i)
            return permutations(rest).map { [first] + $0 }
        }
    }

    /// Initial bearing from `a` to `b`, degrees clockwise from north.
    static func bearing(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        let dLat = b.lat - a.lat
        let dLon = (b.lon - a.lon) * cos(a.lat * .pi / 180)
        return (atan2(dLon, dLat) * 180 / .pi + 360).truncatingRemainder(dividingBy: 360)
    }

    static func angle(_ a: Double, _ b: Double) -> Double {
        let d = abs(a - b).truncatingRemainder(dividingBy: 360)
        return min(d, 360 - d)
    }
}
