import ArgumentParser
import TiffinBench

/// `tiffin bench-dispatch`: the dispatch engine's benchmarks (`DispatchBench`).
struct BenchDispatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-dispatch",
        abstract: "Time the assignment solver and k-nearest courier queries on a generated city (for scripts/bench-dispatch.sh).",
        shouldDisplay: false)

    @Option(name: .long, help: "Orders (rows of the cost matrix).") var orders = 1_000
    @Option(name: .long, help: "Couriers (columns of the cost matrix).") var couriers = 3_000
    @Option(name: .long, help: "Write the cost matrix here (float64, row-major, little-endian) for a reference solver.")
    var matrix: String?
    @Option(name: .long, help: "Solver runs; the median is reported.") var runs = 7
    @Option(name: .long, help: "Couriers in the k-nearest index.") var indexCouriers = 100_000
    @Option(name: .long, help: "k-nearest queries timed.") var queries = 1_000_000
    @Option(name: .long, help: "Write the index's points and query points here (float64 lat,lon pairs) for a reference index.")
    var points: String?

    func validate() throws {
        guard (1...5_000).contains(orders), (1...20_000).contains(couriers), (1...1_000).contains(runs),
            (10...2_000_000).contains(indexCouriers), (1...100_000_000).contains(queries)
        else { throw ArgumentParser.ValidationError("sizes out of range (orders ≤ 5000, couriers ≤ 20000, index 10…2000000)") }
    }

    func run() async throws {
        var bench = DispatchBench()
        bench.orders = orders
        bench.couriers = couriers
        bench.runs = runs
        bench.indexCouriers = indexCouriers
        bench.queries = queries
        bench.matrix = matrix
        bench.points = points
        for line in try bench.run() { print(line) }
    }
}
