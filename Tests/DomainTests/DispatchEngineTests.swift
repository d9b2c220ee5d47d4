import Core
import Foundation
import Testing

@testable import Dispatching

@Suite("Dispatch engine: solver, courier index, bundling, ETA")
struct DispatchEngineTests {
    // MARK: Solver

    /// The least total over every way of giving each row (or column, when there are fewer) a distinct partner.
    static func bruteForce(_ costs: [Double], rows: Int, columns: Int) -> Double {
        var best = Double.infinity
        var used = [Bool](repeating: false, count: columns)
        func go(_ row: Int, _ sum: Double, _ skipsLeft: Int) {
            if row == rows {
                best = min(best, sum)
                return
            }
            for c in 0..<columns where !used[c] && costs[row * columns + c] < .infinity {
                used[c] = true
                go(row + 1, sum + costs[row * columns + c], skipsLeft)
                used[c] = false
            }
            if skipsLeft > 0 { go(row + 1, sum, skipsLeft - 1) }
        }
        go(0, 0, max(0, rows - columns))
        return best
    }

    @Test func theSolverIsOptimalAgainstBruteForceOnSmallRandomMatrices() throws {
        var random = SplitMix64(seed: 2026)
        for trial in 0..<400 {
            let rows = 1 + Int(random.next() % 6)
            let columns = 1 + Int(random.next() % 7)
            let forbidding = trial % 3 == 0
            let integers = trial % 2 == 0  // ties are where shortcuts go wrong
            let costs = (0..<(rows * columns)).map { _ -> Double in
                if forbidding && random.unit() < 0.2 { return .infinity }
                return integers ? Double(random.next() % 10) : random.unit() * 1_000 - 200
            }
            let expected = Self.bruteForce(costs, rows: rows, columns: columns)
            guard expected < .infinity else {
                #expect(throws: AssignmentSolver.Failure.infeasible) { try AssignmentSolver.solve(costs: costs, rows: rows, columns: columns) }
                continue
            }
            let assignment = try AssignmentSolver.solve(costs: costs, rows: rows, columns: columns)
            #expect(assignment.count == rows)
            let chosen = assignment.compactMap { $0 }
            #expect(chosen.count == min(rows, columns), "every row or every column is assigned")
            #expect(Set(chosen).count == chosen.count, "no column twice")
            let total = AssignmentSolver.total(assignment, costs: costs, columns: columns)
            #expect(abs(total - expected) < 1e-6, "trial \(trial): \(rows)×\(columns) total \(total), optimum \(expected)")
        }
    }

    @Test func theSolverRefusesMalformedMatrices() {
        #expect(throws: AssignmentSolver.Failure.invalidCosts) { try AssignmentSolver.solve(costs: [1, 2, 3], rows: 2, columns: 2) }
        #expect(throws: AssignmentSolver.Failure.invalidCosts) { try AssignmentSolver.solve(costs: [1, .nan], rows: 1, columns: 2) }
        #expect(throws: AssignmentSolver.Failure.invalidCosts) { try AssignmentSolver.solve(costs: [-.infinity], rows: 1, columns: 1) }
        let empty = try? AssignmentSolver.solve(costs: [], rows: 3, columns: 0)
        #expect(empty == [nil, nil, nil])
    }

    // MARK: Courier index

    static let berlin = GeoPoint(uncheckedLat: 52.52, lon: 13.405)

    static func point(_ random: inout SplitMix64, spread: Double = 0.2) -> GeoPoint {
        GeoPoint(uncheckedLat: berlin.lat + (random.unit() - 0.5) * spread, lon: berlin.lon + (random.unit() - 0.5) * spread * 1.6)
    }

    @Test func theIndexAnswersWhatALinearScanAnswersThroughMovesAndRemovals() {
        var random = SplitMix64(seed: 11)
        var index = CourierIndex(cellMetres: 300, maximumRadius: 30_000)
        var truth: [UUID: GeoPoint] = [:]
        let ids = (0..<2_000).map { _ in UUID() }
        for id in ids {
            let p = Self.point(&random)
            index.update(id, at: p)
            truth[id] = p
        }
        // A few far away, in another city and across the equator.
        for far in [GeoPoint(uncheckedLat: 48.14, lon: 11.58), GeoPoint(uncheckedLat: -33.87, lon: 151.21)] {
            let id = UUID()
            index.update(id, at: far)
            truth[id] = far
        }
        for round in 0..<300 {
            // Move some, remove some, add some.
            for _ in 0..<20 {
                let id = ids[Int(random.next() % UInt64(ids.count))]
                if random.unit() < 0.2 {
                    index.remove(id)
                    truth[id] = nil
                } else {
                    let p = random.unit() < 0.5 ? Self.point(&random) : (truth[id] ?? Self.point(&random))
                    index.update(id, at: GeoPoint(uncheckedLat: p.lat + 0.0005, lon: p.lon))
                    truth[id] = GeoPoint(uncheckedLat: p.lat + 0.0005, lon: p.lon)
                }
            }
            #expect(index.count == truth.count)
            let query = round % 50 == 0 ? GeoPoint(uncheckedLat: 48.14, lon: 11.6) : Self.point(&random, spread: 0.3)
            let k = 1 + Int(random.next() % 15)
            let expected: [(id: UUID, metres: Double)] = truth.map { (id: $0.key, metres: CourierIndex.metres(from: query, to: $0.value)) }
                .filter { $0.metres <= index.maximumRadius }
                .sorted { $0.metres < $1.metres || ($0.metres == $1.metres && $0.id.uuidString < $1.id.uuidString) }
            let nearest: [UUID] = index.nearest(k, to: query).map(\.id)
            #expect(nearest == expected.prefix(k).map(\.id), "k-nearest, round \(round)")
            let radius = random.unit() * 3_000
            let within: Set<UUID> = Set(index.within(radius, of: query).map(\.id))
            #expect(within == Set(expected.filter { $0.metres <= radius }.map(\.id)), "within \(radius) m")
            let excluded: Set<UUID> = Set(expected.prefix(3).map(\.id))
            let others: [UUID] = index.nearest(k, to: query, excluding: { excluded.contains($0) }).map(\.id)
            #expect(others == expected.filter { !excluded.contains($0.id) }.prefix(k).map(\.id))
        }
    }

    @Test func theIndexRanksLikeTheGreatCircleWithinACity() {
        var random = SplitMix64(seed: 5)
        for _ in 0..<1_000 {
            let a = Self.point(&random)
            let b = Self.point(&random)
            let planar = CourierIndex.metres(from: a, to: b)
            #expect(abs(planar - a.distance(to: b)) <= max(1, a.distance(to: b) * 0.005), "within 0.5 % of haversine across a city")
        }
    }

    // MARK: Bundling

    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func order(_ pickup: GeoPoint, to dropoff: GeoPoint, readyIn: TimeInterval = 0, excluded: Set<UUID> = []) -> PlanningOrder {
        PlanningOrder(
            id: UUID(), restaurantID: UUID(), pickup: pickup, dropoff: dropoff, readyAt: now.addingTimeInterval(readyIn), excludedCouriers: excluded)
    }

    /// `metres` north and east of `origin`.
    static func offset(_ origin: GeoPoint, north: Double, east: Double) -> GeoPoint {
        GeoPoint(
            uncheckedLat: origin.lat + north / CourierIndex.metresPerDegree,
            lon: origin.lon + east / (CourierIndex.metresPerDegree * cos(origin.lat * .pi / 180)))
    }

    @Test func ordersGoingTheSameWayFromNearbyRestaurantsShareACourierUpToThree() throws {
        let planner = DispatchPlanner()
        let kitchen = Self.berlin
        let next = Self.offset(kitchen, north: 0, east: 150)
        let east1 = Self.order(kitchen, to: Self.offset(kitchen, north: 100, east: 2_000))
        let east2 = Self.order(next, to: Self.offset(kitchen, north: -150, east: 2_300), readyIn: 120)
        let east3 = Self.order(kitchen, to: Self.offset(kitchen, north: 0, east: 2_600), readyIn: 60)
        let east4 = Self.order(kitchen, to: Self.offset(kitchen, north: 50, east: 2_100), readyIn: 90)
        let west = Self.order(kitchen, to: Self.offset(kitchen, north: 0, east: -2_000))
        let farKitchen = Self.order(Self.offset(kitchen, north: 0, east: 1_500), to: Self.offset(kitchen, north: 0, east: 3_000))
        let late = Self.order(kitchen, to: Self.offset(kitchen, north: 0, east: 2_200), readyIn: 1_200)

        let jobs = planner.bundles([east1, east2, east3, east4, west, farKitchen, late], now: Self.now)
        let groups = jobs.map { Set($0.orders.map(\.id)) }
        #expect(jobs.allSatisfy { $0.orders.count <= 3 }, "at most three per courier")
        let bundled = try #require(groups.first { $0.contains(east1.id) })
        #expect(bundled.count == 3 && bundled.isSubset(of: [east1.id, east2.id, east3.id, east4.id]))
        #expect(groups.contains([west.id]), "the opposite way is not bundled")
        #expect(groups.contains([farKitchen.id]), "a restaurant 1.5 km away is not nearby")
        #expect(groups.contains([late.id]), "food ready 20 minutes later does not wait")
        for job in jobs { #expect(Set(job.pickups.map(\.id)) == Set(job.dropoffs.map(\.id))) }
    }

    @Test func aBundleThatWouldKeepACustomerWaitingTooLongIsRefused() {
        var planner = DispatchPlanner()
        planner.bundling.maximumDelay = 120
        let kitchen = Self.berlin
        // Same direction, but the second customer is 6 km further on: the first would wait.
        let near = Self.order(kitchen, to: Self.offset(kitchen, north: 0, east: 800))
        let far = Self.order(kitchen, to: Self.offset(kitchen, north: 0, east: 6_800))
        #expect(planner.bundles([near, far], now: Self.now).count == 2)
        planner.bundling.maximumDelay = 3_600
        #expect(planner.bundles([near, far], now: Self.now).count == 1)
    }

    // MARK: Planning

    /// Greedy matching (oldest order to its nearest courier) gives the only courier near order B
    /// to order A; the round's least-cost assignment does not.
    @Test func aRoundMinimisesTheTotalWhereGreedyNearestFirstDoesNot() throws {
        var planner = DispatchPlanner()
        planner.bundling.maximumOrders = 1
        let a = Self.order(Self.berlin, to: Self.offset(Self.berlin, north: 1_000, east: 0))
        let bPickup = Self.offset(Self.berlin, north: 0, east: 1_200)
        let b = Self.order(bPickup, to: Self.offset(bPickup, north: 1_000, east: 0), readyIn: 1)
        let between = PlanningCourier(id: UUID(), location: Self.offset(Self.berlin, north: 0, east: 500), vehicle: .bicycle, freeAt: Self.now)
        let west = PlanningCourier(id: UUID(), location: Self.offset(Self.berlin, north: 0, east: -900), vehicle: .bicycle, freeAt: Self.now)
        let plan = planner.plan(orders: [a, b], couriers: [between, west], now: Self.now)
        let byOrder = Dictionary(uniqueKeysWithValues: plan.map { ($0.orderIDs[0], $0.courierID) })
        #expect(byOrder[a.id] == west.id && byOrder[b.id] == between.id)
        let forA = try #require(plan.first { $0.orderIDs == [a.id] })
        #expect(forA.candidates.count == 2 && forA.candidates.first?.courierID == between.id, "the nearer courier was considered")
        #expect(forA.reason.contains("better used elsewhere"))
    }

    @Test func aRoundNeverOffersACourierAnOrderTheyDeclinedOrHandedBack() {
        let planner = DispatchPlanner()
        let courier = PlanningCourier(id: UUID(), location: Self.berlin, vehicle: .scooter, freeAt: Self.now)
        let declined = Self.order(Self.berlin, to: Self.offset(Self.berlin, north: 900, east: 0), excluded: [courier.id])
        #expect(planner.plan(orders: [declined], couriers: [courier], now: Self.now).isEmpty)
        let other = PlanningCourier(id: UUID(), location: Self.offset(Self.berlin, north: 3_000, east: 0), vehicle: .car, freeAt: Self.now)
        #expect(planner.plan(orders: [declined], couriers: [courier, other], now: Self.now).map(\.courierID) == [other.id])
        // The next order from that kitchen, the same way, still goes to them: it is not bundled
        // with the one they declined (the bundle could then go to nobody near).
        let next = Self.order(Self.berlin, to: Self.offset(Self.berlin, north: 1_000, east: 50), readyIn: 30)
        #expect(planner.bundles([declined, next], now: Self.now).count == 2)
        #expect(planner.plan(orders: [declined, next], couriers: [courier], now: Self.now).map(\.orderIDs) == [[next.id]])
    }

    @Test func etaIsTheLaterOfTheRideAndThePreparationThenTheRideToTheCustomer() {
        let model = TravelModel()
        let restaurant = Self.berlin
        let customer = Self.offset(restaurant, north: 3_000, east: 0)
        let courier = Self.offset(restaurant, north: 0, east: 1_000)
        let toRestaurant = model.seconds(courier, restaurant, by: .bicycle)
        let toCustomer = model.seconds(restaurant, customer, by: .bicycle)
        #expect(abs(toRestaurant - 1_000 * model.detourFactor / VehicleType.bicycle.citySpeed) < 1)
        let waiting = model.eta(courier: courier, restaurant: restaurant, customer: customer, preparationLeft: 900, by: .bicycle)
        #expect(abs(waiting - (900 + model.stopSeconds + toCustomer)) < 0.001)
        let riding = model.eta(courier: courier, restaurant: restaurant, customer: customer, preparationLeft: 0, by: .bicycle)
        #expect(abs(riding - (toRestaurant + model.stopSeconds + toCustomer)) < 0.001)
        #expect(model.seconds(courier, restaurant, by: .scooter) < toRestaurant)
    }

    // MARK: ETA smoothing

    @Test func theShownETANeitherJumpsNorFreezesAndCountsDownWhileStale() {
        var eta = ETASmoother()
        let start = Self.now
        let first = eta.update(raw: start.addingTimeInterval(600), now: start)
        #expect(first == start.addingTimeInterval(600), "the first estimate is shown as it is")
        // A noisy fix says 20 minutes, then 10 again: the shown ETA moves a little, not 10 minutes.
        let noisy = eta.update(raw: start.addingTimeInterval(5 + 1_200), now: start.addingTimeInterval(5))
        #expect(noisy.timeIntervalSince(first) <= eta.maximumStep && noisy > first)
        let back = eta.update(raw: start.addingTimeInterval(10 + 590), now: start.addingTimeInterval(10))
        #expect(abs(back.timeIntervalSince(first)) < 60, "back near the steady estimate")
        // No fix for 40 s: the remaining time keeps falling by itself.
        #expect(eta.secondsLeft(at: start.addingTimeInterval(10))! - eta.secondsLeft(at: start.addingTimeInterval(50))! == 40)
        // A courier riding steadily: every fix says the same arrival, and the shown one converges on it.
        var t = start.addingTimeInterval(50)
        let steady = start.addingTimeInterval(420)
        for _ in 0..<30 {
            eta.update(raw: steady, now: t)
            t = t.addingTimeInterval(4)
        }
        #expect(abs(eta.arrival!.timeIntervalSince(steady)) <= 2)
        // Overdue: "any moment", never a time in the past.
        eta.update(raw: t.addingTimeInterval(-500), now: t)
        #expect(eta.secondsLeft(at: t)! >= Int(eta.floor))
    }
}
