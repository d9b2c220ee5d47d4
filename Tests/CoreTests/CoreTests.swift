import Core
import Foundation
import Synchronization
import Testing

@Suite("Money, geography, pricing and cards")
struct CoreTests {
    /// Limits count code points: a letter with 20,000 combining accents is one character on
    /// screen, and 20,001 against a limit.
    @Test func textLimitsCountCodePointsNotWhatAReaderSees() {
        let stacked = "a" + String(repeating: "\u{0301}", count: 20_000)
        #expect(stacked.count == 1 && TextSafetyRules.length(stacked) == 20_001)
        #expect(TextSafetyRules.length("Straße 🍕") == 8)
    }

    @Test func moneyAddsInMinorUnitsAndPrintsTwoDecimals() {
        #expect((Money(1999, "EUR") + Money(1, "EUR")).amount == 2000)
        #expect((Money(250, "EUR") * 3) == Money(750, "EUR"))
        #expect(Money(1205, "EUR").description == "12.05 EUR")
        #expect(Money(-5, "EUR").description == "-0.05 EUR")
    }

    @Test(arguments: [(91.0, 0.0, "here.lat"), (-90.5, 0.0, "here.lat"), (0.0, 180.5, "here.lon"), (Double.nan, 0.0, "here.lat")])
    func coordinatesOutOfRangeAreRefusedNamingTheField(lat: Double, lon: Double, field: String) {
        #expect(throws: ValidationError.self) { try GeoPoint(lat: lat, lon: lon, field: "here") }
        do {
            _ = try GeoPoint(lat: lat, lon: lon, field: "here")
        } catch let error as ValidationError {
            #expect(error.field == field)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func distanceBetweenBerlinLandmarksIsAboutRight() throws {
        let alexanderplatz = try GeoPoint(lat: 52.5219, lon: 13.4132)
        let brandenburgGate = try GeoPoint(lat: 52.5163, lon: 13.3777)
        let metres = alexanderplatz.distance(to: brandenburgGate)
        #expect(metres > 2_400 && metres < 2_550)
        #expect(alexanderplatz.distance(to: alexanderplatz) == 0)
    }

    @Test func boundingBoxContainsEveryPointWithinTheRadius() throws {
        let centre = try GeoPoint(lat: 52.52, lon: 13.405)
        let box = centre.boundingBox(metres: 5_000)
        for bearing in stride(from: 0.0, to: 360.0, by: 15.0) {
            let rad = bearing * .pi / 180
            let point = GeoPoint(
                uncheckedLat: centre.lat + 4_990 / 111_320 * cos(rad), lon: centre.lon + 4_990 / (111_320 * cos(centre.lat * .pi / 180)) * sin(rad))
            #expect((box.minLat...box.maxLat).contains(point.lat) && (box.minLon...box.maxLon).contains(point.lon))
        }
    }

    @Test(arguments: [(0.0, 199), (1_000.0, 199), (1_001.0, 259), (3_500.0, 379)])
    func deliveryFeeGrowsPerStartedKilometreBeyondTheFirst(metres: Double, fee: Int64) {
        #expect(DeliveryPricing().deliveryFee(distanceMetres: metres, currency: "EUR") == Money(fee, "EUR"))
    }

    @Test(arguments: [(500, 49), (2_000, 100), (10_000, 299)])
    func serviceFeeIsFivePercentClamped(subtotal: Int64, fee: Int64) {
        #expect(DeliveryPricing().serviceFee(subtotal: Money(subtotal, "EUR")) == Money(fee, "EUR"))
    }

    @Test func etaIsPrepPlusRidePlusHandover() {
        #expect(DeliveryPricing().estimatedMinutes(prepMinutes: 15, distanceMetres: 2_500) == 15 + 10 + 4)
    }

    @Test(arguments: [
        ("4242 4242 4242 4242", true), ("4000-0000-0000-0002", true), ("4242424242424241", false), ("42", false), ("4242x24242424242", false),
    ])
    func cardNumbersAreCheckedWithLuhn(number: String, valid: Bool) {
        #expect(PaymentCard.isValid(number) == valid)
    }
}

@Suite("Deadlines")
struct DeadlineTests {
    /// A piece of work that ignores cancellation until the test lets it go.
    final class Stubborn: Sendable {
        /// One lock for both, so a release between the check and the wait cannot be lost.
        private let state = Mutex<(released: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

        func work() async -> Int {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if !state.released { state.waiter = continuation }
                    return state.released
                }
                if now { continuation.resume() }
            }
            return 1
        }

        func release() {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.released = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func workThatIgnoresCancellationIsGivenUpOnAtTheDeadlineNotWaitedFor() async throws {
        let stubborn = Stubborn()
        await #expect(throws: DeadlineExceeded.self) { try await withDeadline(.milliseconds(50)) { await stubborn.work() } }
        stubborn.release()
    }

    @Test func anAnswerInTimeAndAnErrorInTimeComeThroughUnchanged() async throws {
        struct Boom: Error, Equatable {}
        #expect(try await withDeadline(.seconds(10)) { 42 } == 42)
        await #expect(throws: Boom()) { try await withDeadline(.seconds(10)) { () async throws -> Int in throw Boom() } }
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheCallerEndsTheWaitAtOnce() async throws {
        let stubborn = Stubborn()
        let task = Task { try await withDeadline(.seconds(3_600)) { await stubborn.work() } }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        stubborn.release()
    }
}

@Suite("Time-ordered ids")
struct TimeOrderedIDTests {
    @Test func theyAreVersion7WithTheirMillisecondFirstAndSortByTime() {
        let earlier = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000.001))
        let later = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000.002))
        #expect(earlier.uuidString < later.uuidString, "later ids sort after earlier ones, as text too")
        #expect(earlier.uuidString.hasPrefix("01A3185C-5001-7"), "\(earlier.uuidString): the time, then the version 7")
        let variant = earlier.uuidString.split(separator: "-")[3].first!
        #expect("89AB".contains(variant), "the RFC 9562 variant")
        let many = (0..<1_000).map { _ in UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000)) }
        #expect(Set(many).count == 1_000, "74 random bits: no two alike in the same millisecond")
    }
}
