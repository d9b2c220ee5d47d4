import Core
public import Events
import Foundation

/// Who may see where an order's courier is, and when: the one rule behind both
/// `GET /v1/orders/:id/courier` and the live connection's `position` messages. A test asks both,
/// for every order state and every party, and expects the same answer.
///
/// | party | courier on the way to the restaurant | food picked up |
/// |---|---|---|
/// | the order's customer | no | yes |
/// | the restaurant's staff | yes (the courier is coming) | no |
/// | operators | yes | yes |
/// | the order's courier | no (it is their own position) | no |
///
/// Before a courier is assigned and after the order ends nobody sees one. Anyone else may not
/// read the order at all, and is told it does not exist.
public enum CourierVisibility {
    /// How the viewer stands to the order.
    public enum Party: String, Sendable, CaseIterable {
        case customer, restaurant, courier, `operator`
    }

    /// Where the order's courier is with it.
    public enum Phase: String, Sendable, CaseIterable {
        /// Assigned, riding to the restaurant (the order is accepted, preparing or ready).
        case onTheWay
        /// Carrying the food (picked up).
        case carrying

        public init?(_ delivery: ActiveDelivery?) {
            guard let delivery else { return nil }
            self = delivery.isPickedUp ? .carrying : .onTheWay
        }
    }

    public static func shows(_ party: Party, _ phase: Phase) -> Bool {
        switch (party, phase) {
        case (.customer, .carrying), (.restaurant, .onTheWay), (.operator, _): true
        case (.customer, .onTheWay), (.restaurant, .carrying), (.courier, _): false
        }
    }
}

/// An order as someone who may read it sees it, for the live layer: how they stand to it, its
/// status, and its delivery while it has a courier and is not delivered.
public struct OrderViewing: Sendable, Equatable {
    public let party: CourierVisibility.Party
    public let status: OrderStatus
    public let delivery: ActiveDelivery?

    public init(party: CourierVisibility.Party, status: OrderStatus, delivery: ActiveDelivery?) {
        self.party = party
        self.status = status
        self.delivery = delivery
    }
}
