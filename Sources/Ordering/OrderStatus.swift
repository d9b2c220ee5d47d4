/// Where an order is in its life. Terminal states never change again.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case placed
    case confirmed
    case accepted
    case preparing
    case ready
    case pickedUp = "picked_up"
    case delivered
    case rejected
    case cancelled
    case expired
    case paymentFailed = "payment_failed"

    public var isTerminal: Bool {
        OrderStateMachine.transitions.allSatisfy { $0.from != self }
    }

    /// Orders a restaurant is still working on or waiting to hand over.
    public static let active: [OrderStatus] = [.placed, .confirmed, .accepted, .preparing, .ready, .pickedUp]
}

/// Who caused a transition.
public enum OrderActor: String, Codable, Sendable {
    case customer
    case restaurant
    case courier
    case system
}

/// The order state machine: the only legal transitions, who may make each, and why it exists.
/// Everything that changes an order's status goes through `check`, and the diagram in the docs
/// is drawn from `transitions`.
public enum OrderStateMachine {
    public struct Transition: Sendable, Equatable {
        public let from: OrderStatus
        public let to: OrderStatus
        public let by: OrderActor
        public let meaning: String
    }

    public static let transitions: [Transition] = [
        Transition(from: .placed, to: .confirmed, by: .system, meaning: "payment authorised and every item available"),
        Transition(from: .placed, to: .paymentFailed, by: .system, meaning: "payment declined or provider unavailable"),
        Transition(from: .placed, to: .cancelled, by: .customer, meaning: "customer cancels before confirmation"),
        Transition(from: .placed, to: .cancelled, by: .system, meaning: "an item sold out before confirmation"),
        Transition(from: .confirmed, to: .accepted, by: .restaurant, meaning: "restaurant accepts"),
        Transition(from: .confirmed, to: .rejected, by: .restaurant, meaning: "restaurant rejects"),
        Transition(from: .confirmed, to: .cancelled, by: .customer, meaning: "customer cancels before acceptance"),
        Transition(from: .confirmed, to: .expired, by: .system, meaning: "restaurant did not answer in time"),
        Transition(from: .accepted, to: .preparing, by: .restaurant, meaning: "kitchen starts"),
        Transition(from: .preparing, to: .ready, by: .restaurant, meaning: "food ready for pickup"),
        Transition(from: .ready, to: .pickedUp, by: .courier, meaning: "courier collects the food"),
        Transition(from: .pickedUp, to: .delivered, by: .courier, meaning: "courier hands the food over"),
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
