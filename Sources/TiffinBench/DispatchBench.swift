import Core
import Dispatching
import Foundation

/// In-process benchmarks of the dispatch engine's two hot parts, on generated data with a fixed
/// seed: the assignment solver on an ETA cost matrix (written to a file, so SciPy can solve the
/// very same matrix in the same run) and k-nearest queries over an index of online couriers
/// (`tiffin bench-dispatch`, scripts/bench-dispatch.sh).
public struct DispatchBench: Sendable {
    public var orders = 1_000
    public var couriers = 3_000
    public var runs = 7
    public var indexCouriers = 100_000
    public var queries = 1_000_000
    /// Where to write the cost matrix (float64, row-major, little-endian) for a reference solver.
    public var matrix: String?
    /// Where to write the index's points and the query points (float64 lat,lon pairs).
    public var points: String?

    public init() {}

    /// A 30 × 30 km square around Berlin.
    static func point(_ random: inout SplitMix64) -> GeoPoint {
        GeoPoint(uncheckedLat: 52.52 + (random.unit() - 0.5) * 0.27, lon: 13.405 + (random.unit() - 0.5) * 0.44)
    }

    /// Runs both benchmarks; returns their report lines.
    public func run() throws -> [String] {
        var lines: [String] = []
        var random = SplitMix64(seed: 42)
        // ETA cost matrix: seconds for each courier to take each order, as a dispatch round computes it.
        let travel = TravelModel()
        let now = Date()
        let jobs = (0..<orders).map { _ in
            PlanningOrder(
                id: UUID(), restaurantID: UUID(), pickup: Self.point(&random), dropoff: Self.point(&random),
                readyAt: now.addingTimeInterval(random.unit() * 900))
        }
        let fleet = (0..<couriers).map { i in
            PlanningCourier(id: UUID(), location: Self.point(&random), vehicle: VehicleType.allCases[i % 3], freeAt: now)
        }
        var costs = [Double](repeating: 0, count: orders * couriers)
        for (r, order) in jobs.enumerated() {
            let preparation = order.readyAt.timeIntervalSince(now)
            for (c, courier) in fleet.enumerated() {
                costs[r * couriers + c] = travel.eta(
                    courier: courier.location, restaurant: order.pickup, customer: order.dropoff, preparationLeft: preparation,
                    by: courier.vehicle)
            }
        }
        if let matrix {
            try costs.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: matrix))
        }
        var times: [Double] = []
        var total = 0.0
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let assignment = try AssignmentSolver.solve(costs: costs, rows: orders, columns: couriers)
            times.append(Self.milliseconds(ContinuousClock.now - start))
            total = AssignmentSolver.total(assignment, costs: costs, columns: couriers)
        }
        times.sort()
        lines.append(String(format: "solver %dx%d median_ms %.2f min_ms %.2f total_cost %.6f", orders, couriers, times[times.count / 2], times[0], total))

        // k-nearest over the index.
        var index = CourierIndex()
        var written: [Double] = []
        for _ in 0..<indexCouriers {
            let p = Self.point(&random)
            index.update(UUID(), at: p)
            written += [p.lat, p.lon]
        }
        let probes = (0..<10_000).map { _ in Self.point(&random) }
        if let points {
            try (written + probes.flatMap { [$0.lat, $0.lon] }).withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: points))
        }
        var checksum = 0.0
        let start = ContinuousClock.now
        for q in 0..<queries {
            let found = index.nearest(10, to: probes[q % probes.count])
            checksum += found.last?.metres ?? 0
        }
        let seconds = Self.milliseconds(ContinuousClock.now - start) / 1_000
        lines.append(
            String(
                format: "knn k=10 couriers %d queries %d seconds %.3f queries_per_s %.0f mean_10th_m %.1f", indexCouriers, queries, seconds,
                Double(queries) / seconds, checksum / Double(queries)))
        return lines
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1_000 + Double(d.components.attoseconds) / 1e15
    }
}
