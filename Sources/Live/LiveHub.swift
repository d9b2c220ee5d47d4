import Core
import Foundation
import Logging
import Metrics
import NIOWebSocket
import ServiceLifecycle
import Storage
import Synchronization

/// One open live connection's outbound queue. Never grows without bound:
/// - messages with a coalescing key (positions) keep only the latest per key;
/// - other messages (events, offers) queue up to `maximumQueued`; a client that falls that far
///   behind is dropped (`ending`: `.overflowed`), and resumes from the last event it saw when it reconnects.
final class LiveConnection: Sendable {
    static let maximumQueued = 512
    /// Queued (coalesced: at most one waits) where the writer is to send a ping frame. Not JSON,
    /// so no message of the protocol can be mistaken for it.
    static let ping = "\u{0}ping"

    let id = UUID()
    /// The sign-in that opened it: it closes when that ends.
    let session: Session
    var principal: Principal { session.principal }

    /// Why the server ended a connection: the close frame says so.
    enum Ending: Equatable {
        /// Too far behind (1011): reconnect and resume.
        case overflowed
        /// The sign-in was logged out (1008).
        case signedOut
        /// The sign-in's token expired (1008).
        case sessionExpired
        /// The server is shutting down (1001): reconnect (to another instance, or after the restart).
        case goingAway

        var code: WebSocketErrorCode {
            switch self {
            case .overflowed: .unexpectedServerError
            case .signedOut, .sessionExpired: .policyViolation
            case .goingAway: .goingAway
            }
        }

        var reason: String {
            switch self {
            case .overflowed: "too far behind: reconnect and resume"
            case .signedOut: "signed out"
            case .sessionExpired: "the sign-in expired: sign in again"
            case .goingAway: "the server is restarting: reconnect and resume"
            }
        }
    }

    private struct State {
        var queue: [String] = []
        var latest: [String: String] = [:]
        var latestOrder: [String] = []
        var closed = false
        var ending: Ending?
        var waiter: CheckedContinuation<[String]?, Never>?
    }

    private let state = Mutex(State())

    init(session: Session) {
        self.session = session
    }

    /// Why the server ended it, once it did.
    var ending: Ending? { state.withLock { $0.ending } }

    /// Queues `text`; with `coalescing`, replaces a queued message of the same key.
    func send(_ text: String, coalescing key: String? = nil) {
        let (waiter, batch) = state.withLock { state -> (CheckedContinuation<[String]?, Never>?, [String]?) in
            guard !state.closed else { return (nil, nil) }
            if let key {
                if state.latest.updateValue(text, forKey: key) == nil { state.latestOrder.append(key) }
            } else if state.queue.count >= Self.maximumQueued {
                // Too far behind: drop the client; it reconnects and resumes.
                return (Self.end(&state, .overflowed), nil)
            } else {
                state.queue.append(text)
            }
            guard let waiter = state.waiter else { return (nil, nil) }
            state.waiter = nil
            return (waiter, Self.drain(&state))
        }
        waiter?.resume(returning: batch)
    }

    private static func drain(_ state: inout State) -> [String] {
        let batch = state.queue + state.latestOrder.compactMap { state.latest[$0] }
        state.queue.removeAll(keepingCapacity: true)
        state.latest.removeAll(keepingCapacity: true)
        state.latestOrder.removeAll(keepingCapacity: true)
        return batch
    }

    /// The next messages to write, oldest first (coalesced ones last); nil once closed.
    func next() async -> [String]? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [String]?? in
                if state.closed { return .some(nil) }
                if !state.queue.isEmpty || !state.latest.isEmpty { return .some(Self.drain(&state)) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<[String]?, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Ends the connection for `ending`: nothing queued is sent; the writer sends the close frame.
    func end(_ ending: Ending) {
        state.withLock { Self.end(&$0, ending) }?.resume(returning: nil)
    }

    private static func end(_ state: inout State, _ ending: Ending) -> CheckedContinuation<[String]?, Never>? {
        guard !state.closed else { return nil }
        state.ending = ending
        state.closed = true
        _ = drain(&state)
        defer { state.waiter = nil }
        return state.waiter
    }
}

/// Who listens to what, on this instance: topics to open connections.
final class LiveHub: Sendable {
    /// Heartbeat ticks per period: each tick pings one bucket of connections, so pings are spread
    /// evenly over the period however many connections opened at once (after a restart at the
    /// dinner peak, every app reconnects in the same seconds). Buckets are dealt in turn, so they
    /// stay within one connection of each other as connections come.
    static let heartbeatBuckets = 800

    enum Topic: Hashable, Sendable {
        /// An order's events: its customer, its restaurant's staff, its courier, operators.
        case order(UUID)
        /// An order's courier position and ETA in one phase of its delivery: those
        /// `CourierVisibility` lets see it then.
        case orderPosition(UUID, CourierVisibility.Phase)
        /// A restaurant's orders, and couriers on their way to it: its staff.
        case restaurant(UUID)
        /// A courier's offers and assignments: that courier.
        case courier(UUID)
        /// Every order and every courier, sampled: operators.
        case city
        /// A user's own notifications: every connection of theirs, from the moment it opens.
        case user(UUID)
    }

    private struct State {
        var topics: [Topic: [UUID: LiveConnection]] = [:]
        var subscriptions: [UUID: Set<Topic>] = [:]
        /// Every open connection, by heartbeat bucket; and each one's bucket (so: which are open).
        var buckets = [[UUID: LiveConnection]](repeating: [:], count: LiveHub.heartbeatBuckets)
        var bucketOf: [UUID: Int] = [:]
        var nextBucket = 0
        var perRole: [Role: Int] = [:]
        /// Open connections by the sign-in that opened them.
        var sessions: [String: [UUID: LiveConnection]] = [:]

        mutating func drop(_ connectionID: UUID, from topic: Topic) {
            topics[topic]?[connectionID] = nil
            if topics[topic]?.isEmpty == true { topics[topic] = nil }
        }
    }

    private let state = Mutex(State())
    /// Live connections by role (made once).
    private static let gauges = Dictionary(
        uniqueKeysWithValues: Role.allCases.map { ($0, Gauge(label: "tiffin_live_connections", dimensions: [("kind", $0.rawValue)])) })

    func register(_ connection: LiveConnection) {
        let role = connection.principal.role
        let count = state.withLock { state in
            state.topics[.user(connection.principal.userID), default: [:]][connection.id] = connection
            state.subscriptions[connection.id, default: []].insert(.user(connection.principal.userID))
            state.buckets[state.nextBucket][connection.id] = connection
            state.bucketOf[connection.id] = state.nextBucket
            state.nextBucket = (state.nextBucket + 1) % Self.heartbeatBuckets
            state.sessions[connection.session.id, default: [:]][connection.id] = connection
            state.perRole[role, default: 0] += 1
            return state.perRole[role]!
        }
        Self.gauges[role]?.record(count)
    }

    func remove(_ connection: LiveConnection) {
        let role = connection.principal.role
        let count = state.withLock { state in
            for topic in state.subscriptions.removeValue(forKey: connection.id) ?? [] { state.drop(connection.id, from: topic) }
            state.sessions[connection.session.id]?[connection.id] = nil
            if state.sessions[connection.session.id]?.isEmpty == true { state.sessions[connection.session.id] = nil }
            guard let bucket = state.bucketOf.removeValue(forKey: connection.id) else { return state.perRole[role] ?? 0 }
            state.buckets[bucket][connection.id] = nil
            state.perRole[role, default: 1] -= 1
            return state.perRole[role]!
        }
        Self.gauges[role]?.record(count)
    }

    func subscribe(_ connection: LiveConnection, to topic: Topic) {
        state.withLock { state in
            state.topics[topic, default: [:]][connection.id] = connection
            state.subscriptions[connection.id, default: []].insert(topic)
        }
    }

    func unsubscribe(_ connection: LiveConnection, from topic: Topic) {
        state.withLock { state in
            state.drop(connection.id, from: topic)
            state.subscriptions[connection.id]?.remove(topic)
        }
    }

    /// Takes `topic` from every connection of `userID` (someone who lost the right to it).
    func unsubscribe(userID: UUID, from topic: Topic) {
        state.withLock { state in
            for connection in state.topics[topic]?.values.filter({ $0.principal.userID == userID }) ?? [] {
                state.drop(connection.id, from: topic)
                state.subscriptions[connection.id]?.remove(topic)
            }
        }
    }

    /// The heartbeat bucket of a registered connection.
    func bucket(of connection: LiveConnection) -> Int? { state.withLock { $0.bucketOf[connection.id] } }

    /// Heartbeat tick `tick`: a ping queued on each connection of its bucket, and a connection
    /// whose sign-in expired by `now` ended instead. Returns how many were pinged.
    @discardableResult
    func ping(tick: Int, now: Date) -> Int {
        let due = state.withLock { Array($0.buckets[tick % Self.heartbeatBuckets].values) }
        var pinged = 0
        for connection in due {
            if connection.session.expiresAt <= now {
                connection.end(.sessionExpired)
            } else {
                connection.send(LiveConnection.ping, coalescing: LiveConnection.ping)
                pinged += 1
            }
        }
        return pinged
    }

    /// Ends every connection of this instance that sign-in `sessionID` opened. Returns how many.
    @discardableResult
    func end(sessionID: String, _ ending: LiveConnection.Ending) -> Int {
        let connections = state.withLock { $0.sessions[sessionID].map { Array($0.values) } ?? [] }
        for connection in connections { connection.end(ending) }
        return connections.count
    }

    func hasSubscribers(_ topic: Topic) -> Bool { state.withLock { $0.topics[topic]?.isEmpty == false } }

    /// Sends `text` to every connection subscribed to `topic`.
    func publish(_ text: String, to topic: Topic, coalescing key: String? = nil) {
        let listeners = state.withLock { $0.topics[topic].map { Array($0.values) } ?? [] }
        for connection in listeners { connection.send(text, coalescing: key) }
    }

}

/// One heartbeat for every connection of this instance, instead of a task per connection: every
/// period / `heartbeatBuckets` (25 ms) one bucket is pinged. A live peer answers (browsers do by
/// themselves); a vanished one never acknowledges the ping, and the kernel drops its connection
/// once data has gone unacknowledged for two periods (`TCP_USER_TIMEOUT`, set on each connection
/// at the upgrade: `LiveEndpoint.unacknowledgedLimit`), which ends its task like any close.
final class LiveHeartbeat: Service, Sendable {
    let hub: LiveHub
    let period: Duration
    let clock: any WallClock
    let logger: Logger

    init(hub: LiveHub, period: Duration, clock: any WallClock, logger: Logger) {
        self.hub = hub
        self.period = period
        self.clock = clock
        self.logger = logger
    }

    private let ticks = Atomic<Int>(0)

    func run() async throws {
        await repeatUntilShutdown(every: period / LiveHub.heartbeatBuckets, name: "realtime.heartbeat", logger: logger) {
            self.hub.ping(tick: self.ticks.add(1, ordering: .relaxed).oldValue, now: self.clock.now())
        }
    }
}
