public import Core
import Foundation
public import Hummingbird
public import TiffinHTTP

/// `/v1/ops/…`: the journeys' SLOs and the error-budget policy, for operators (and for a deploy
/// script holding an operator's token).
public struct SLOController: Sendable {
    let service: SLOService

    public init(service: SLOService) {
        self.service = service
    }

    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        let ops = router.group("v1/ops", context: OperatorContext.self)
        ops.get("slos", use: slos)
        ops.get("policy", use: policy)
        ops.get("alerts", use: alerts)
        return router
    }

    @Sendable func slos(_ request: Request, context: OperatorContext) async throws -> SLOReport {
        try await service.report()
    }

    @Sendable func policy(_ request: Request, context: OperatorContext) async throws -> ErrorBudgetPolicy {
        try await service.policy()
    }

    @Sendable func alerts(_ request: Request, context: OperatorContext) async throws -> AlertHistory {
        AlertHistory(transitions: try await service.transitions())
    }

    public static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/ops/slos",
            summary:
                "Every journey's SLO: objective and why, SLI and burn rate over 5 m … 28 d, error budget left, alert state and what burned it (operators)",
            tag: "Operations", roles: [.operator], response: .json(SLOExamples.report), errors: [401, 403]),
        APIOperation(
            .get, "/v1/ops/policy",
            summary: "The error-budget policy as state: freeze when a journey's budget is spent or an invariant is broken (operators)",
            tag: "Operations", roles: [.operator], response: .json(ErrorBudgetPolicy(SLOExamples.report)), errors: [401, 403]),
        APIOperation(
            .get, "/v1/ops/alerts", summary: "The latest SLO alert transitions, newest first (operators)", tag: "Operations",
            roles: [.operator],
            response: .json(
                AlertHistory(transitions: [
                    SLOAlertTransition(
                        journey: .checkout, from: .ok, to: .page, at: SLOExamples.now,
                        detail: "Checkout: page, burning 18.2× over 1h (41 bad of 4,500)")
                ])),
            errors: [401, 403]),
    ]
}

/// `GET /v1/ops/alerts`.
public struct AlertHistory: Sendable, Codable, ResponseEncodable {
    public let transitions: [SLOAlertTransition]
}

extension SLOReport: ResponseEncodable {}
extension ErrorBudgetPolicy: ResponseEncodable {}
extension JourneyID: SchemaEnumeration {}
extension AlertLevel: SchemaEnumeration {}
extension Journey.Kind: SchemaEnumeration {}
extension ErrorBudgetPolicy.Decision: SchemaEnumeration {}

/// Fixed values for the documented examples.
enum SLOExamples {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let report = SLOReport(
        city: "Berlin", generatedAt: now,
        journeys: Journey.all.map { journey in
            let failing = journey.id == .checkout
            var counts: [SLOWindow: WindowCounts] = [:]
            for window in BurnRates.windows {
                let valid = Int64(window.minutes) * 75
                counts[window] = WindowCounts(good: valid - (failing ? min(41, valid / 100) : 0), valid: valid)
            }
            return JourneySLO(
                journey: journey, counts: counts,
                causes: failing ? [BadCause.paymentUnavailable: (29, 29), BadCause.slow: (12, 12)] : [:],
                alert: failing ? .init(status: AlertStatus(level: .page, since: now), firing: ["1h/5m at 14.4×"], version: 1) : nil, now: now)
        })
}
