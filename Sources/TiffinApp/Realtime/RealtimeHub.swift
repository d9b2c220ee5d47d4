import Core
import Foundation
import Metrics
import Synchronization

/// One open live connection's outbound queue. Never grows without bound:
/// - messages with a coalescing key (positions) keep only the latest per key;
/// - other messages (events, offers) queue up to `maximumQueued`; a client that falls that far
///   behind is dropped (`isOverflowed`), and resumes from the last event it saw when it reconnects.
final class LiveConnection: Sendable {
    static let maximumQueued = 512

    enum Kind: String, CaseIterable, Sendable {
        case courier, customer, staff, `operator`
    }

    let id = UUID()
    let principal: Principal
    let kind: Kind

    private struct State {
        var queue: [String] = []
        var latest: [String: String] = [:]
        var latestOrder: [String] = []
        var closed = false
        var overflowed = false
        var waiter: CheckedContinuation<[String]?, Never>?
    }

    private let state = Mutex(State())

    init(principal: Principal) {
        self.principal = principal
        kind =
            switch principal.role {
            case .courier: .courier
            case .customer: .customer
            case .staff: .staff
            case .operator: .operator
            }
    }

    var isOverflowed: Bool { state.withLock { $0.overflowed } }

    /// Queues `text`; with `coalescing`, replaces a queued message of the same key.
    func send(_ text: String, coalescing key: String? = nil) {
        let (waiter, batch) = state.withLock { state -> (CheckedContinuation<[String]?, Never>?, [String]?) in
            guard !state.closed else { return (nil, nil) }
            if let key {
                if state.latest.updateValue(text, forKey: key) == nil { state.latestOrder.append(key) }
            } else if state.queue.count >= Self.maximumQueued {
                // Too far behind: drop the client; it reconnects and resumes.
                state.overflowed = true
                state.closed = true
                _ = Self.drain(&state)
                defer { state.waiter = nil }
                return (state.waiter, nil)
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
}

/// Who listens to what, on this instance: topics to open connections.
final class RealtimeHub: Sendable {
    enum Topic: Hashable, Sendable {
        /// An order's events: its customer, its restaurant's staff, its courier, operators.
        case order(UUID)
        /// An order's courier position and ETA: its customer and operators, while the food is carried.
        case orderPosition(UUID)
        /// A restaurant's orders, and couriers on their way to it: its staff.
        case restaurant(UUID)
        /// A courier's offers and assignments: that courier.
        case courier(UUID)
        /// Every order and every courier, sampled: operators.
        case city
    }

    private struct State {
        var topics: [Topic: [UUID: LiveConnection]] = [:]
        var subscriptions: [UUID: Set<Topic>] = [:]
        var connections: [UUID: LiveConnection] = [:]
    }

    private let state = Mutex(State())

    func register(_ connection: LiveConnection) {
        let count = state.withLock { state in
            state.connections[connection.id] = connection
            return state.connections.values.filter { $0.kind == connection.kind }.count
        }
        Gauge(label: "tiffin_live_connections", dimensions: [("kind", connection.kind.rawValue)]).record(count)
    }

    func remove(_ connection: LiveConnection) {
        let count = state.withLock { state in
            for topic in state.subscriptions.removeValue(forKey: connection.id) ?? [] {
                state.topics[topic]?[connection.id] = nil
                if state.topics[topic]?.isEmpty == true { state.topics[topic] = nil }
            }
            state.connections[connection.id] = nil
            return state.connections.values.filter { $0.kind == connection.kind }.count
        }
        Gauge(label: "tiffin_live_connections", dimensions: [("kind", connection.kind.rawValue)]).record(count)
    }

    func subscribe(_ connection: LiveConnection, to topic: Topic) {
        state.withLock { state in
            state.topics[topic, default: [:]][connection.id] = connection
            state.subscriptions[connection.id, default: []].insert(topic)
        }
    }

    func unsubscribe(_ connection: LiveConnection, from topic: Topic) {
        state.withLock { state in
            state.topics[topic]?[connection.id] = nil
            state.subscriptions[connection.id]?.remove(topic)
        }
    }

    func hasSubscribers(_ topic: Topic) -> Bool { state.withLock { $0.topics[topic]?.isEmpty == false } }

    /// Sends `text` to every connection subscribed to `topic`.
    func publish(_ text: String, to topic: Topic, coalescing key: String? = nil) {
        let listeners = state.withLock { $0.topics[topic].map { Array($0.values) } ?? [] }
        for connection in listeners { connection.send(text, coalescing: key) }
    }

    func count(_ kind: LiveConnection.Kind) -> Int { state.withLock { $0.connections.values.filter { $0.kind == kind }.count } }
}
