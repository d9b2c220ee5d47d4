public import Foundation
import Synchronization

/// A circuit breaker per destination (a webhook endpoint, the SMTP server, the payment
/// provider), in this process.
///
/// Closed: every attempt goes through. After `threshold` failures in a row it opens: attempts are
/// refused until `openFor` has passed, so a dead destination costs no connection attempts and its
/// work waits without using up retries. Then one trial goes through (half-open): a success
/// closes it, a failure opens it again for twice as long (up to `maximumOpenFor`).
///
/// It does not share state between instances: each learns about a dead destination on its own.
public final class CircuitBreaker: Sendable {
    public enum State: String, Sendable {
        case closed, open
        case halfOpen = "half_open"
        /// 0 closed, 1 half-open, 2 open: the value of a state gauge.
        public var gaugeValue: Int { self == .closed ? 0 : self == .halfOpen ? 1 : 2 }
    }

    public enum Decision: Equatable, Sendable {
        case allow
        /// Refused; try again at this time.
        case refuse(until: Date)
    }

    private struct Entry {
        var failures = 0
        var openUntil: Date?
        var openFor: TimeInterval
        var trialInFlight = false
    }

    public let threshold: Int
    public let openFor: TimeInterval
    public let maximumOpenFor: TimeInterval
    private let entries = Mutex<[String: Entry]>([:])
    /// Told each destination's state as it changes; nil when the destination is removed (a
    /// module that owns the breaker records it as a metric).
    let observer: @Sendable (_ destination: String, _ state: State?) -> Void

    public init(
        threshold: Int = 5, openFor: TimeInterval = 30, maximumOpenFor: TimeInterval = 600,
        observer: @escaping @Sendable (_ destination: String, _ state: State?) -> Void = { _, _ in }
    ) {
        self.threshold = threshold
        self.openFor = openFor
        self.maximumOpenFor = maximumOpenFor
        self.observer = observer
    }

    /// The destination's state now.
    public func state(_ destination: String, now: Date) -> State {
        entries.withLock { entries in
            guard let entry = entries[destination], let until = entry.openUntil else { return .closed }
            return now < until ? .open : .halfOpen
        }
    }

    /// Whether an attempt to `destination` may start now. A half-open breaker lets exactly one
    /// trial through until its result is recorded.
    public func allow(_ destination: String, now: Date) -> Decision {
        let decision = entries.withLock { entries -> (Decision, trial: Bool) in
            guard var entry = entries[destination], let until = entry.openUntil else { return (.allow, false) }
            if now < until { return (.refuse(until: until), false) }
            if entry.trialInFlight { return (.refuse(until: now.addingTimeInterval(min(entry.openFor, 5))), false) }
            entry.trialInFlight = true
            entries[destination] = entry
            return (.allow, true)
        }
        if decision.trial { record(destination, .halfOpen) }
        return decision.0
    }

    /// `allow`, but never taking the half-open trial: for asking whether to try at all.
    public func allowWithoutTrial(_ destination: String, now: Date) -> Decision {
        entries.withLock { entries in
            guard let entry = entries[destination], let until = entry.openUntil else { return .allow }
            if now < until { return .refuse(until: until) }
            return entry.trialInFlight ? .refuse(until: now.addingTimeInterval(min(entry.openFor, 5))) : .allow
        }
    }

    public func recordSuccess(_ destination: String) {
        entries.withLock { $0[destination] = nil }
        record(destination, .closed)
    }

    public func recordFailure(_ destination: String, now: Date) {
        let state = entries.withLock { entries -> State in
            var entry = entries[destination] ?? Entry(openFor: openFor)
            entry.failures += 1
            if entry.trialInFlight {
                // The trial failed: open again, for longer.
                entry.trialInFlight = false
                entry.openFor = min(maximumOpenFor, entry.openFor * 2)
                entry.openUntil = now.addingTimeInterval(entry.openFor)
            } else if entry.openUntil == nil, entry.failures >= threshold {
                entry.openUntil = now.addingTimeInterval(entry.openFor)
            }
            entries[destination] = entry
            return entry.openUntil == nil ? .closed : .open
        }
        record(destination, state)
    }

    /// Forgets a destination's failures (an endpoint just disabled), showing it closed: its
    /// gauge does not linger as open.
    public func forget(_ destination: String) {
        entries.withLock { $0[destination] = nil }
        record(destination, .closed)
    }

    /// Drops a destination that is gone for good (a deleted endpoint), with its gauge.
    public func remove(_ destination: String) {
        entries.withLock { $0[destination] = nil }
        observer(destination, nil)
    }

    private func record(_ destination: String, _ state: State) {
        observer(destination, state)
    }
}
