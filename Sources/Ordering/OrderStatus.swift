public import Events

extension OrderStatus {
    /// No transition leaves a terminal status.
    public var isTerminal: Bool {
        OrderStateMachine.transitions.allSatisfy { $0.from != self }
    }

    /// How far along the journey a status is; every transition goes to a higher rank.
    var lifecycleRank: Int {
        switch self {
        case .placed: 0
        case .confirmed: 1
        case .accepted: 2
        case .preparing: 3
        case .ready: 4
        case .pickedUp: 5
        case .delivered, .rejected, .cancelled, .expired, .paymentFailed: 6
        }
    }

    /// Statuses in which the order needs (or has) a courier and the food is not yet picked up.
    public static let awaitingPickup: [OrderStatus] = [.accepted, .preparing, .ready]
}

/// The order state machine: the only legal transitions, who may make each, and why it exists.
/// Everything that changes an order's status goes through `check`, and the diagram in the docs
/// is drawn from `transitions`. Every non-terminal status has a way out for someone, and every
/// way that does not end in delivery releases the payment's hold (a reaction to the event).
public enum OrderStateMachine {
    public struct Transition: Sendable, Equatable {
        public let from: OrderStatus
        public let to: OrderStatus
        public let by: OrderActor
        public let meaning: String
    }

    public static let transitions: [Transition] = [
        Transition(from: .placed, to: .confirmed, by: .system, meaning: "payment authorised and every item available"),
        Transition(from: .placed, to: .paymentFailed, by: .system, meaning: "payment declined, provider unavailable, or placement interrupted"),
        Transition(from: .placed, to: .cancelled, by: .system, meaning: "an item sold out before confirmation"),
        Transition(from: .confirmed, to: .accepted, by: .restaurant, meaning: "restaurant accepts"),
        Transition(from: .confirmed, to: .rejected, by: .restaurant, meaning: "restaurant rejects"),
        Transition(from: .confirmed, to: .cancelled, by: .customer, meaning: "customer cancels before acceptance"),
        Transition(from: .confirmed, to: .cancelled, by: .operator, meaning: "operator cancels"),
        Transition(from: .confirmed, to: .expired, by: .system, meaning: "restaurant did not answer in time"),
        Transition(from: .accepted, to: .preparing, by: .restaurant, meaning: "kitchen starts"),
        Transition(from: .accepted, to: .cancelled, by: .restaurant, meaning: "restaurant cannot fulfil it"),
        Transition(from: .accepted, to: .cancelled, by: .operator, meaning: "operator cancels"),
        Transition(from: .preparing, to: .ready, by: .restaurant, meaning: "food ready for pickup"),
        Transition(from: .preparing, to: .cancelled, by: .restaurant, meaning: "restaurant cannot fulfil it"),
        Transition(from: .preparing, to: .cancelled, by: .operator, meaning: "operator cancels"),
        Transition(from: .ready, to: .pickedUp, by: .courier, meaning: "courier collects the food"),
        Transition(from: .ready, to: .cancelled, by: .restaurant, meaning: "restaurant cannot hand it over"),
        Transition(from: .ready, to: .cancelled, by: .operator, meaning: "operator cancels"),
        Transition(from: .pickedUp, to: .delivered, by: .courier, meaning: "courier hands the food over"),
        Transition(from: .pickedUp, to: .cancelled, by: .operator, meaning: "operator cancels (food lost on the way)"),
    ]

    /// The transition if `actor` may move an order from `from` to `to`.
    /// - Throws: `OrderingError.illegalTransition` when no such transition exists for anyone;
    ///   `OrderingError.notAllowedFor` when it exists but not for this actor.
    @discardableResult
    public static func check(from: OrderStatus, to: OrderStatus, by actor: OrderActor) throws -> Transition {
        let candidates = transitions.filter { $0.from == from && $0.to == to }
        guard !candidates.isEmpty else { throw OrderingError.illegalTransition(from: from, to: to) }
        guard let transition = candidates.first(where: { $0.by == actor }) else {
            throw OrderingError.notAllowedFor(actor: actor, from: from, to: to)
        }
        return transition
    }

    /// Mermaid `stateDiagram-v2` source, generated from `transitions`.
    public static var mermaid: String {
        var lines = ["stateDiagram-v2", "    [*] --> placed"]
        for t in transitions {
            lines.append("    \(t.from.rawValue) --> \(t.to.rawValue): \(t.by.rawValue) — \(t.meaning)")
        }
        for status in OrderStatus.allCases where status.isTerminal {
            lines.append("    \(status.rawValue) --> [*]")
        }
        return lines.joined(separator: "\n")
    }
}
