import Events
import Foundation
import Testing
import Core

@testable import Ordering

@Suite("Order state machine")
struct OrderStateMachineTests {
    /// The legal moves and who may make them, written out independently of the table in the code.
    static let legal: [OrderStatus: [OrderStatus: Set<OrderActor>]] = [
        .placed: [.confirmed: [.system], .paymentFailed: [.system], .cancelled: [.system]],
        .confirmed: [.accepted: [.restaurant], .rejected: [.restaurant], .cancelled: [.customer, .operator], .expired: [.system]],
        .accepted: [.preparing: [.restaurant], .cancelled: [.restaurant, .operator]],
        .preparing: [.ready: [.restaurant], .cancelled: [.restaurant, .operator]],
        .ready: [.pickedUp: [.courier], .cancelled: [.restaurant, .operator]],
        .pickedUp: [.delivered: [.courier], .cancelled: [.operator]],
    ]

    static let allPairs: [(OrderStatus, OrderStatus)] = OrderStatus.allCases.flatMap { from in OrderStatus.allCases.map { (from, $0) } }

    @Test(arguments: allPairs)
    func everyPairOfStatesIsLegalOnlyForItsActorsAndOtherwiseRefusedNamingBothStates(from: OrderStatus, to: OrderStatus) {
        let allowed = Self.legal[from]?[to] ?? []
        for actor in OrderActor.allCases {
            if allowed.contains(actor) {
                #expect(throws: Never.self) { try OrderStateMachine.check(from: from, to: to, by: actor) }
            } else if allowed.isEmpty {
                #expect(throws: OrderingError.illegalTransition(from: from, to: to)) { try OrderStateMachine.check(from: from, to: to, by: actor) }
            } else {
                #expect(throws: OrderingError.notAllowedFor(actor: actor, from: from, to: to)) {
                    try OrderStateMachine.check(from: from, to: to, by: actor)
                }
            }
        }
        if allowed.isEmpty {
            let problem = OrderingError.illegalTransition(from: from, to: to).problem
            #expect(problem.detail.contains(from.rawValue) && problem.detail.contains(to.rawValue))
            #expect(problem.kind == .conflict)
        }
    }

    @Test func theTableHasNoTransitionTheWrittenOutListLacks() {
        for t in OrderStateMachine.transitions {
            #expect(Self.legal[t.from]?[t.to]?.contains(t.by) == true, "\(t.from) → \(t.to) by \(t.by) is not in the list")
        }
    }

    /// History sorts changes of the same millisecond by rank, so every move must go up in rank.
    @Test func everyTransitionMovesUpTheLifecycle() {
        for t in OrderStateMachine.transitions {
            #expect(t.to.lifecycleRank > t.from.lifecycleRank, "\(t.from) → \(t.to)")
        }
    }

    @Test func terminalStatesAreExactlyTheEndsOfTheJourney() {
        #expect(Set(OrderStatus.allCases.filter(\.isTerminal)) == [.delivered, .rejected, .cancelled, .expired, .paymentFailed])
    }

    /// No order stranded: from every status but the first, someone who is not the system can end
    /// it; `placed` is settled by the system within seconds (payment, or crash recovery).
    @Test func everyNonTerminalStatusHasAWayOutForAPersonOrTheSystemsRecovery() {
        for status in OrderStatus.allCases where !status.isTerminal {
            let exits = OrderStateMachine.transitions.filter { $0.from == status && $0.to.isTerminal }
            if status == .placed {
                #expect(exits.contains { $0.by == .system && $0.to == .paymentFailed })
            } else {
                #expect(exits.contains { $0.by == .operator }, "an operator cannot end a \(status.rawValue) order")
            }
        }
    }

    @Test func theDiagramIsDrawnFromTheTable() {
        let diagram = OrderStateMachine.mermaid
        #expect(diagram.hasPrefix("stateDiagram-v2"))
        for t in OrderStateMachine.transitions {
            #expect(diagram.contains("\(t.from.rawValue) --> \(t.to.rawValue): \(t.by.rawValue)"))
        }
    }
}
