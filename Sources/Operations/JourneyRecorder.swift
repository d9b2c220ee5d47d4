public import Core
public import Foundation
import Synchronization

/// What one event of a journey was.
public enum JourneyOutcome: Sendable, Equatable {
    case good
    case bad(cause: String)
    /// Not a valid event (a client's own error): neither good nor bad.
    case excluded
}

/// Counts journey events in memory, per journey, city and minute (UTC), until `SLOService`
/// adds them to the database: a count is a few dictionary operations under a lock, never a
/// statement on the request's path.
public final class JourneyRecorder: Sendable {
    struct Key: Hashable, Sendable {
        let journey: JourneyID
        let city: String
        /// Minutes since 1970 (UTC).
        let minute: Int64
    }

    struct Counts: Sendable, Equatable {
        var good: Int64 = 0
        var valid: Int64 = 0
        var causes: [String: Int64] = [:]

        mutating func add(_ other: Counts) {
            good += other.good
            valid += other.valid
            for (cause, count) in other.causes { causes[cause, default: 0] += count }
        }
    }

    let clock: any WallClock
    /// The city every event of this instance is counted under (one city per deployment until
    /// cities are data).
    public let city: String
    private let pending = Mutex<[Key: Counts]>([:])

    public init(clock: any WallClock, city: String) {
        self.clock = clock
        self.city = city
    }

    static func minute(of date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 60).rounded(.down)) }

    /// Counts one event of `journey`, at `at` (now by default).
    public func record(_ journey: JourneyID, _ outcome: JourneyOutcome, at: Date? = nil) {
        guard outcome != .excluded else { return }
        let key = Key(journey: journey, city: city, minute: Self.minute(of: at ?? clock.now()))
        pending.withLock { pending in
            pending[key, default: Counts()].valid += 1
            switch outcome {
            case .good: pending[key, default: Counts()].good += 1
            case .bad(let cause): pending[key, default: Counts()].causes[cause, default: 0] += 1
            case .excluded: break
            }
        }
    }

    /// Takes what was counted since the last call.
    func take() -> [Key: Counts] {
        pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
    }

    /// Puts back what could not be written, to be written with the next batch.
    func putBack(_ counts: [Key: Counts]) {
        pending.withLock { pending in
            for (key, value) in counts { pending[key, default: Counts()].add(value) }
        }
    }

    /// What is counted and not yet written, for reports that must include the last seconds.
    func unwritten() -> [Key: Counts] { pending.withLock { $0 } }
}
