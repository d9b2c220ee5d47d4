public import Core
public import Events
public import Foundation
public import Hummingbird
public import TiffinHTTP

/// A courier's last known position as the API shows it: never an error for being old, but
/// marked stale with its age; with an ETA (to the customer while the food is carried, to the
/// restaurant before).
public struct CourierPosition: Codable, Sendable, Equatable, ResponseEncodable {
    /// Operators only: a customer or the restaurant is not told the courier's account id.
    public let courierID: UUID?
    public let location: GeoPoint
    public let recordedAt: Date
    public let ageSeconds: Int
    public let isStale: Bool
    public let etaSeconds: Int?
    public let estimatedArrival: Date?
}

/// Why the API shows no courier position.
public enum LivePositionError: DomainError, Equatable {
    /// This party does not see the courier in the order's present state (`CourierVisibility`).
    case notShared(status: OrderStatus)
    /// Shared, but the courier has not reported a position yet.
    case noPositionYet

    public var problem: ProblemDescription {
        switch self {
        case .notShared(let status):
            ProblemDescription(
                kind: .conflict, type: "position-not-shared", title: "Courier position not shared",
                detail:
                    "a courier's position is shared with the customer while they carry the order, with the restaurant while they ride to it, and with operators; this order is \(status.rawValue)",
                state: status.rawValue)
        case .noPositionYet:
            ProblemDescription(kind: .notFound, type: "no-position", title: "No position yet", detail: "the courier has not reported a position yet")
        }
    }
}

/// `GET /v1/orders/:orderID/courier`: where the order's courier is (`LiveLayer.courierPosition`).
public struct CourierPositionController: Sendable {
    let live: LiveLayer

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        router.group("v1/orders", context: SignedInContext.self).get(":orderID/courier", use: position)
        return router
    }

    @Sendable func position(_ request: Request, context: SignedInContext) async throws -> CourierPosition {
        try await live.courierPosition(orderID: try context.uuidParameter("orderID", entity: "order"), viewer: context.principal)
    }

    public static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/orders/:orderID/courier",
            summary:
                "Where the order's courier is: to its customer while the food is carried, to its restaurant while the courier rides to it, to operators (the live connection's rule too); the courier's id for operators only",
            tag: "Live", roles: Role.allCases,
            response: .json(
                CourierPosition(
                    courierID: UUID(uuidString: "1D3F5A7C-9E2B-4C6D-8F1A-3C5E7A9C2E4A")!, location: GeoPoint(uncheckedLat: 52.5268, lon: 13.4052),
                    recordedAt: Date(timeIntervalSince1970: 1_800_001_200), ageSeconds: 12, isStale: false, etaSeconds: 420,
                    estimatedArrival: Date(timeIntervalSince1970: 1_800_001_632))),
            errors: [401, 404, 409])
    ]
}
