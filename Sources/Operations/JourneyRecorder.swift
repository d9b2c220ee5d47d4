public import Core
public import Foundation
import Metrics
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
    private struct State {
        /// Counted and not yet handed to a flush.
        var pending: [Key: Counts] = [:]
        /// Handed to the flush under way: still shown by `unwritten()` until it is committed, so
        /// a report in the meantime counts them once, not zero times.
        var writing: [Key: Counts] = [:]
        /// `tiffin_journey_events_total` per journey, outcome and cause, made once each.
        var counters: [String: Counter] = [:]
    }

    private let state = Mutex(State())

    public init(clock: any WallClock, city: String) {
        self.clock = clock
        self.city = city
    }

    static func minute(of date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 60).rounded(.down)) }

    /// Counts one event of `journey`, at `at` (now by default).
    public func record(_ journey: JourneyID, _ outcome: JourneyOutcome, at: Date? = nil) {
        guard outcome != .excluded else { return }
        let key = Key(journey: journey, city: city, minute: Self.minute(of: at ?? clock.now()))
        let counter = state.withLock { state -> Counter in
            state.pending[key, default: Counts()].valid += 1
            let cause: String
            switch outcome {
            case .good:
                state.pending[key, default: Counts()].good += 1
                cause = ""
            case .bad(let named):
                state.pending[key, default: Counts()].causes[named, default: 0] += 1
                cause = named
            case .excluded:
                cause = ""
            }
            let name = "\(journey.rawValue)|\(cause)"
            if let known = state.counters[name] { return known }
            let made = Counter(
                label: SLOExport.metric,
                dimensions: [("journey", journey.rawValue), ("city", city), ("outcome", cause.isEmpty ? "good" : "bad"), ("cause", cause)])
            state.counters[name] = made
            return made
        }
        // Also for Prometheus (`tiffin slo export` writes the rules over it).
        counter.increment()
    }

    /// Hands what was counted since the last call to a flush (one flush at a time); `written`
    /// or `notWritten` must follow.
    func take() -> [Key: Counts] {
        state.withLock { state in
            for (key, value) in state.pending { state.writing[key, default: Counts()].add(value) }
            state.pending = [:]
            return state.writing
        }
    }

    /// The flush committed what `take` gave it.
    func written() {
        state.withLock { $0.writing = [:] }
    }

    /// The flush failed: what it had is written with the next one.
    func notWritten() {
        state.withLock { state in
            for (key, value) in state.writing { state.pending[key, default: Counts()].add(value) }
            state.writing = [:]
        }
    }

    /// What is counted and not yet committed, for reports that must include the last seconds.
    func unwritten() -> [Key: Counts] {
        state.withLock { state in
            var all = state.writing
            for (key, value) in state.pending { all[key, default: Counts()].add(value) }
            return all
        }
    }
}
