import Foundation
import Ordering
import Testing

@Suite("Order state machine")
struct OrderStateMachineTests {
    /// The legal moves, written out independently of the table in the code.
    static let legal: [OrderStatus: [OrderStatus: OrderActor]] = [
        .placed: [.confirmed: .system, .paymentFailed: .system, .cancelled: .customer],
        .confirmed: [.accepted: .restaurant, .rejected: .restaurant, .cancelled: .customer, .expired: .system],
        .accepted: [.preparing: .restaurant],
        .preparing: [.ready: .restaurant],
        .ready: [.pickedUp: .courier],
        .pickedUp: [.delivered: .courier],
    ]

    static let allPairs: [(OrderStatus, OrderStatus)] = OrderStatus.allCases.flatMap { from in OrderStatus.allCases.map { (from, $0) } }

    @Test(arguments: allPairs)
    func everyPairOfStatesIsEitherLegalForItsActorOrRefusedNamingBothStates(from: OrderStatus, to: OrderStatus) {
        if let actor = Self.legal[from]?[to] {
            #expect(throws: Never.self) { try OrderStateMachine.check(from: from, to: to, by: actor) }
        } else {
            for actor in [OrderActor.customer, .restaurant, .courier, .system] {
                #expect(throws: OrderingError.illegalTransition(from: from, to: to)) {
                    try OrderStateMachine.check(from: from, to: to, by: actor)
                }
            }
            let problem = OrderingError.illegalTransition(from: from, to: to).problem
            #expect(problem.detail.contains(from.rawValue) && problem.detail.contains(to.rawValue))
            #expect(problem.kind == .conflict)
        }
    }

    @Test func aLegalMoveByTheWrongActorIsForbiddenNotIllegal() {
        #expect(throws: OrderingError.notAllowedFor(actor: .customer, from: .confirmed, to: .accepted)) {
            try OrderStateMachine.check(from: .confirmed, to: .accepted, by: .customer)
        }
        #expect(throws: OrderingError.notAllowedFor(actor: .restaurant, from: .ready, to: .pickedUp)) {
            try OrderStateMachine.check(from: .ready, to: .pickedUp, by: .restaurant)
        }
    }

    @Test func terminalStatesAreExactlyTheEndsOfTheJourney() {
        #expect(Set(OrderStatus.allCases.filter(\.isTerminal)) == [.delivered, .rejected, .cancelled, .expired, .paymentFailed])
    }

    @Test func theDiagramIsDrawnFromTheTable() {
        let diagram = OrderStateMachine.mermaid
        #expect(diagram.hasPrefix("stateDiagram-v2"))
        for t in OrderStateMachine.transitions {
            #expect(diagram.contains("\(t.from.rawValue) --> \(t.to.rawValue)"))
        }
    }
}
