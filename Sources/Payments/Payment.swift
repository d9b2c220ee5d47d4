import Core
import Foundation

public enum PaymentStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case authorized
    case declined
    case failed
    case captured
    case voided
}

/// The payment state machine: an authorisation is held until the order is delivered (capture)
/// or ends any other way (void). Terminal states never change.
public enum PaymentStateMachine {
    public struct Transition: Sendable, Equatable {
        public let from: PaymentStatus
        public let to: PaymentStatus
        public let meaning: String
    }

    public static let transitions: [Transition] = [
        Transition(from: .pending, to: .authorized, meaning: "provider approved the hold"),
        Transition(from: .pending, to: .declined, meaning: "provider declined the card"),
        Transition(from: .pending, to: .failed, meaning: "provider unavailable; nothing held"),
        Transition(from: .pending, to: .voided, meaning: "order ended while authorisation was in doubt"),
        Transition(from: .authorized, to: .captured, meaning: "order delivered"),
        Transition(from: .authorized, to: .voided, meaning: "order rejected, cancelled, expired or failed"),
    ]

    public static func allows(from: PaymentStatus, to: PaymentStatus) -> Bool {
        transitions.contains { $0.from == from && $0.to == to }
    }

    public static var mermaid: String {
        var lines = ["stateDiagram-v2", "    [*] --> pending"]
        for t in transitions { lines.append("    \(t.from.rawValue) --> \(t.to.rawValue): \(t.meaning)") }
        for s in PaymentStatus.allCases where !transitions.contains(where: { $0.from == s }) { lines.append("    \(s.rawValue) --> [*]") }
        return lines.joined(separator: "\n")
    }
}

/// One order's payment. Holds only the card's last four digits.
public struct Payment: Codable, Sendable, Equatable {
    public let id: UUID
    public let orderID: UUID
    public let customerID: UUID
    public let amount: Money
    public var status: PaymentStatus
    public let cardLast4: String
    public let provider: String
    public var providerReference: String?
    public var failureReason: String?
    public let createdAt: Date
    public var updatedAt: Date
}

public struct PaymentEventPayload: Codable, Sendable {
    public let paymentID: UUID
    public let orderID: UUID
    public let customerID: UUID
    public let amount: Money
    public let from: PaymentStatus
    public let to: PaymentStatus
    public let reason: String?
}
