public import Core
import Events
import Foundation
public import Hummingbird
public import TiffinHTTP

/// `/v1/courier/…` for couriers, `/v1/orders/:orderID/courier` for the customer.
public struct DispatchController: Sendable {
    let service: DispatchService

    public init(service: DispatchService) {
        self.service = service
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        let courier = router.group("v1/courier", context: CourierContext.self)
        courier.get("status", use: status)
        courier.post("online", use: goOnline)
        courier.post("offline", use: goOffline)
        courier.post("location", use: report)
        courier.post("locations", use: reportBatch)
        courier.get("offers", use: offers)
        courier.post("offers/:offerID/accept", use: accept)
        courier.post("offers/:offerID/decline", use: decline)
        courier.get("earnings", use: earnings)
        let operators = router.group("v1/operator", context: OperatorContext.self)
        operators.get("couriers", use: onlineCouriers)
        operators.get("orders/:orderID/dispatch", use: dispatchRecord)
        return router
    }

    @Sendable func offers(_ request: Request, context: CourierContext) async throws -> DispatchOfferList {
        DispatchOfferList(offers: try await service.pendingOffers(courierID: context.principal.userID).offers.map(\.seenByCourier))
    }

    @Sendable func accept(_ request: Request, context: CourierContext) async throws -> DispatchOffer {
        try await service.accept(offerID: try context.uuidParameter("offerID", entity: "offer"), courierID: context.principal.userID)
            .seenByCourier
    }

    @Sendable func decline(_ request: Request, context: CourierContext) async throws -> DispatchOffer {
        let body = try await request.decodeJSONIfPresent(as: ReasonBody.self, context: context)
        return try await service.decline(
            offerID: try context.uuidParameter("offerID", entity: "offer"), courierID: context.principal.userID, reason: body?.reason
        ).seenByCourier
    }

    @Sendable func earnings(_ request: Request, context: CourierContext) async throws -> CourierEarnings {
        try await service.earnings(courierID: context.principal.userID)
    }

    @Sendable func dispatchRecord(_ request: Request, context: OperatorContext) async throws -> DispatchRecord {
        try await service.dispatchRecord(orderID: try context.uuidParameter("orderID", entity: "order"))
    }

    @Sendable func status(_ request: Request, context: CourierContext) async throws -> CourierState {
        await service.state(courierID: context.principal.userID)
    }

    @Sendable func goOnline(_ request: Request, context: CourierContext) async throws -> CourierState {
        let body = try await request.decodeJSONIfPresent(as: OnlineBody.self, context: context)
        return try await service.goOnline(courierID: context.principal.userID, at: body?.location, vehicle: body?.vehicle)
    }

    @Sendable func goOffline(_ request: Request, context: CourierContext) async throws -> CourierState {
        try await service.goOffline(courierID: context.principal.userID)
    }

    @Sendable func report(_ request: Request, context: CourierContext) async throws -> CourierState {
        let body = try await request.decodeJSON(as: LocationBody.self, context: context)
        return await service.report(courierID: context.principal.userID, body.fix)
    }

    @Sendable func reportBatch(_ request: Request, context: CourierContext) async throws -> CourierState {
        let body = try await request.decodeJSON(as: LocationBatchBody.self, context: context)
        return await service.report(courierID: context.principal.userID, batch: body.fixes.map(\.fix))
    }

    @Sendable func onlineCouriers(_ request: Request, context: OperatorContext) async throws -> OnlineCourierList {
        try await service.onlineCouriers()
    }
}

struct OnlineBody: ValidatedRequest, Codable, Sendable {
    let location: GeoPoint?
    /// How the courier travels today (bicycle unless said): sets their speed in ETAs.
    let vehicle: VehicleType?
}

struct LocationBody: ValidatedRequest, Codable, Sendable {
    let location: GeoPoint
    let recordedAt: Date?
    var accuracy: Double? = nil
    var heading: Double? = nil
    var speed: Double? = nil

    var fix: PositionFix { PositionFix(location: location, recordedAt: recordedAt, accuracy: accuracy, heading: heading, speed: speed) }

    func validate() throws { try fix.validate() }
}

/// Fixes a device buffered while it had no connection.
struct LocationBatchBody: ValidatedRequest, Codable, Sendable {
    /// 30 minutes of fixes every 4 s, within the 64 KB a request body may have.
    static let size = 1...500
    let fixes: [LocationBody]

    func validate() throws {
        guard Self.size.contains(fixes.count) else { throw ValidationError(field: "fixes", reason: "1 to 500 fixes") }
        for (i, fix) in fixes.enumerated() { try fix.fix.validate(prefix: "fixes.\(i).") }
    }
}

extension LocationBody: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = [
        "accuracy": SchemaConstraint(minimum: 0, maximum: 100_000, description: "Metres of uncertainty"),
        "heading": SchemaConstraint(minimum: 0, maximum: 359.999, description: "Degrees clockwise from north"),
        "speed": SchemaConstraint(minimum: 0, maximum: 100, description: "Metres per second"),
    ]
}

extension LocationBatchBody: SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = ["fixes": .items(size)]
}

extension CourierState: ResponseEncodable {}
extension OnlineCourierList: ResponseEncodable {}
extension DispatchOffer: ResponseEncodable {}
extension DispatchOfferList: ResponseEncodable {}
extension CourierEarnings: ResponseEncodable {}
extension DispatchRecord: ResponseEncodable {}

extension VehicleType: SchemaEnumeration {}
extension DispatchOffer.Status: SchemaEnumeration {}
