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
        courier.get("status") { _, context in
            await service.state(courierID: context.principal.userID)
        }
        courier.post("online") { request, context in
            let body = try await request.decodeJSONIfPresent(as: OnlineBody.self, context: context)
            return try await service.goOnline(courierID: context.principal.userID, at: body?.location)
        }
        courier.post("offline") { _, context in
            try await service.goOffline(courierID: context.principal.userID)
        }
        courier.post("location") { request, context in
            let body = try await request.decodeJSON(as: LocationBody.self, context: context)
            return await service.report(courierID: context.principal.userID, location: body.location, recordedAt: body.recordedAt)
        }
        router.group("v1/orders", context: SignedInContext.self).get(":orderID/courier") { _, context in
            try await service.courierPosition(orderID: try context.uuidParameter("orderID", entity: "order"), viewer: context.principal)
        }
    }
}

struct OnlineBody: ValidatedRequest, Encodable, Sendable {
    let location: GeoPoint?
}

struct LocationBody: ValidatedRequest, Encodable, Sendable {
    let location: GeoPoint
    let recordedAt: Date?
}

extension CourierState: ResponseEncodable {}
extension CourierPosition: ResponseEncodable {}
