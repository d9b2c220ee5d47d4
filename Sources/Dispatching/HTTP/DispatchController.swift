import Core
import Foundation
import Hummingbird
import TiffinHTTP

/// `/v1/courier/…` for couriers, `/v1/orders/:orderID/courier` for the customer.
public struct DispatchController: Sendable {
    let service: DispatchService

    public init(service: DispatchService) {
        self.service = service
    }

    public func addRoutes(to router: Router<TiffinRequestContext>) {
        let courier = router.group("v1/courier", context: CourierContext.self)
        courier.get("status", use: status)
        courier.post("online", use: goOnline)
        courier.post("offline", use: goOffline)
        courier.post("location", use: report)
        router.group("v1/orders", context: SignedInContext.self).get(":orderID/courier", use: position)
        router.group("v1/operator", context: OperatorContext.self).get("couriers", use: onlineCouriers)
    }

    @Sendable func status(_ request: Request, context: CourierContext) async throws -> CourierState {
        await service.state(courierID: context.principal.userID)
    }

    @Sendable func goOnline(_ request: Request, context: CourierContext) async throws -> CourierState {
        let body = try await request.decodeJSONIfPresent(as: OnlineBody.self, context: context)
        return try await service.goOnline(courierID: context.principal.userID, at: body?.location)
    }

    @Sendable func goOffline(_ request: Request, context: CourierContext) async throws -> CourierState {
        try await service.goOffline(courierID: context.principal.userID)
    }

    @Sendable func report(_ request: Request, context: CourierContext) async throws -> CourierState {
        let body = try await request.decodeJSON(as: LocationBody.self, context: context)
        return await service.report(courierID: context.principal.userID, location: body.location, recordedAt: body.recordedAt)
    }

    @Sendable func position(_ request: Request, context: SignedInContext) async throws -> CourierPosition {
        try await service.courierPosition(orderID: try context.uuidParameter("orderID", entity: "order"), viewer: context.principal)
    }

    @Sendable func onlineCouriers(_ request: Request, context: OperatorContext) async throws -> OnlineCourierList {
        try await service.onlineCouriers()
    }
}

struct OnlineBody: ValidatedRequest, Codable, Sendable {
    let location: GeoPoint?
}

struct LocationBody: ValidatedRequest, Codable, Sendable {
    let location: GeoPoint
    let recordedAt: Date?
}

extension CourierState: ResponseEncodable {}
extension CourierPosition: ResponseEncodable {}
extension OnlineCourierList: ResponseEncodable {}
