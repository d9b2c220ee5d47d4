import Core
import Foundation
import TiffinHTTP

/// The documented routes of `DispatchController`.
extension DispatchController {
    public static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/courier/status", summary: "The signed-in courier's availability and last position", tag: "Dispatch",
            roles: [.courier], response: .json(DispatchExamples.state(online: true)), errors: [401, 403]),
        APIOperation(
            .post, "/v1/courier/online", summary: "Start taking deliveries, optionally from a position (body optional)", tag: "Dispatch",
            roles: [.courier], request: .json(OnlineBody(location: DispatchExamples.location), optional: true),
            response: .json(DispatchExamples.state(online: true)), errors: [400, 401, 403, 422]),
        APIOperation(
            .post, "/v1/courier/offline", summary: "Stop taking new deliveries", tag: "Dispatch", roles: [.courier],
            response: .json(DispatchExamples.state(online: false)), errors: [401, 403]),
        APIOperation(
            .post, "/v1/courier/location", summary: "Report a position fix (older fixes than the one held are ignored)", tag: "Dispatch",
            roles: [.courier], request: .json(LocationBody(location: DispatchExamples.location, recordedAt: DispatchExamples.recordedAt)),
            response: .json(DispatchExamples.state(online: true)), errors: [400, 401, 403, 422]),
        APIOperation(
            .get, "/v1/orders/:orderID/courier",
            summary: "Where the courier carrying an order is (its customer or an operator, while the food is on its way)",
            tag: "Dispatch", roles: Role.allCases,
            response: .json(
                CourierPosition(
                    courierID: DispatchExamples.courierID, location: DispatchExamples.location, recordedAt: DispatchExamples.recordedAt,
                    ageSeconds: 12, isStale: false)),
            errors: [401, 404, 409]),
        APIOperation(
            .get, "/v1/operator/couriers", summary: "Online couriers with their last position, its age, and what they carry (operators)",
            tag: "Operations", roles: [.operator],
            response: .json(
                OnlineCourierList(couriers: [
                    OnlineCourier(
                        courierID: DispatchExamples.courierID, location: DispatchExamples.location, positionAt: DispatchExamples.recordedAt,
                        ageSeconds: 12, isStale: false, activeOrders: 1)
                ])),
            errors: [401, 403]),
    ]
}

/// Fixed values for the documented examples, so the API document is the same on every build.
private enum DispatchExamples {
    static let courierID = UUID(uuidString: "1D3F5A7C-9E2B-4C6D-8F1A-3C5E7A9C2E4A")!
    static let location = GeoPoint(uncheckedLat: 52.5268, lon: 13.4052)
    static let recordedAt = Date(timeIntervalSince1970: 1_800_001_200)

    static func state(online: Bool) -> CourierState {
        CourierState(
            courierID: courierID, isOnline: online, location: location, positionAt: recordedAt,
            updatedAt: recordedAt.addingTimeInterval(1))
    }
}
