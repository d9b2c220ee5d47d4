import Core
import Events
import Foundation
public import TiffinHTTP

/// The documented routes of `DispatchController`.
extension DispatchController {
    public static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/courier/status", summary: "The signed-in courier's availability and last position", tag: "Dispatch",
            roles: [.courier], response: .json(DispatchExamples.state(online: true)), errors: [401, 403]),
        APIOperation(
            .post, "/v1/courier/online", summary: "Start taking deliveries, optionally from a position (body optional)", tag: "Dispatch",
            roles: [.courier], request: .json(OnlineBody(location: DispatchExamples.location, vehicle: .bicycle), optional: true),
            response: .json(DispatchExamples.state(online: true)), errors: [400, 401, 403, 422]),
        APIOperation(
            .post, "/v1/courier/offline", summary: "Stop taking new deliveries", tag: "Dispatch", roles: [.courier],
            response: .json(DispatchExamples.state(online: false)), errors: [401, 403]),
        APIOperation(
            .post, "/v1/courier/location", summary: "Report a position fix (older fixes than the one held are ignored)", tag: "Dispatch",
            roles: [.courier],
            request: .json(
                LocationBody(location: DispatchExamples.location, recordedAt: DispatchExamples.recordedAt, accuracy: 8, heading: 90, speed: 4.2)),
            response: .json(DispatchExamples.state(online: true)), errors: [400, 401, 403, 422], limit: .courierFix, bodyLimit: 4_096),
        APIOperation(
            .post, "/v1/courier/locations",
            summary: "Upload fixes buffered while offline, in one batch (applied in the order recorded; older than the one held are ignored)",
            tag: "Dispatch", roles: [.courier],
            request: .json(
                LocationBatchBody(fixes: [
                    LocationBody(location: DispatchExamples.location, recordedAt: DispatchExamples.recordedAt.addingTimeInterval(-8), speed: 4),
                    LocationBody(location: DispatchExamples.location, recordedAt: DispatchExamples.recordedAt, speed: 4.2),
                ])),
            response: .json(DispatchExamples.state(online: true)), errors: [400, 401, 403, 422], limit: .courierFix),
        APIOperation(
            .get, "/v1/courier/offers", summary: "The signed-in courier's open offers: jobs of one to three orders to accept or decline in time",
            tag: "Dispatch", roles: [.courier], response: .json(DispatchOfferList(offers: [DispatchExamples.offer(.pending)])), errors: [401, 403]),
        APIOperation(
            .post, "/v1/courier/offers/:offerID/accept",
            summary: "Take an offer before it expires: its orders are assigned to the courier (those still waiting for one)", tag: "Dispatch",
            roles: [.courier], response: .json(DispatchExamples.offer(.accepted)), errors: [401, 403, 404, 409]),
        APIOperation(
            .post, "/v1/courier/offers/:offerID/decline",
            summary: "Turn an offer down (reason optional): its orders go to the next round and are never offered to this courier again",
            tag: "Dispatch", roles: [.courier], request: .json(ReasonBody(reason: "flat tyre"), optional: true),
            response: .json(DispatchExamples.offer(.declined)), errors: [400, 401, 403, 404, 409, 422]),
        APIOperation(
            .get, "/v1/courier/earnings", summary: "What the signed-in courier earned: the latest deliveries, today and the last 7 days",
            tag: "Dispatch", roles: [.courier],
            response: .json(
                CourierEarnings(
                    earnings: [
                        CourierEarning(
                            orderID: DispatchExamples.orderID, amount: Money(462, "EUR"), distanceMetres: 1_800, bundled: false,
                            earnedAt: DispatchExamples.recordedAt)
                    ], today: Money(462, "EUR"), lastSevenDays: Money(3_140, "EUR"))), errors: [401, 403]),
        APIOperation(
            .get, "/v1/operator/orders/:orderID/dispatch",
            summary: "Every offer of an order: the candidates considered, their costs, why this courier, and the answer (operators)",
            tag: "Operations", roles: [.operator],
            response: .json(DispatchRecord(orderID: DispatchExamples.orderID, offers: [DispatchExamples.offer(.accepted)])), errors: [401, 403, 404]),
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
    static let orderID = UUID(uuidString: "0B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E")!
    static let offerID = UUID(uuidString: "5E6F7A8B-9C0D-4E1F-8A2B-3C4D5E6F7A8B")!

    static func offer(_ status: DispatchOffer.Status) -> DispatchOffer {
        DispatchOffer(
            id: offerID, courierID: courierID, status: status,
            stops: [
                DispatchOffer.Stop(
                    orderID: orderID, pickupPosition: 0, dropoffPosition: 0, plannedDeliverySeconds: 1_260, readyAt: recordedAt,
                    restaurantID: UUID(uuidString: "3B1F6E2A-8C4D-4E5F-9A7B-1C2D3E4F5A6B")!, pickup: GeoPoint(uncheckedLat: 52.5293, lon: 13.4011),
                    dropoff: GeoPoint(uncheckedLat: 52.5251, lon: 13.4093))
            ],
            costSeconds: 1_260, reason: "least total delivery time over the round: 1260 s to the last delivery, of 4 candidates",
            candidates: [PlannedAssignment.Candidate(courierID: courierID, costSeconds: 1_260)], createdAt: recordedAt,
            expiresAt: recordedAt.addingTimeInterval(30), answeredAt: status == .pending ? nil : recordedAt.addingTimeInterval(8))
    }

    static func state(online: Bool) -> CourierState {
        CourierState(
            courierID: courierID, isOnline: online, location: location, positionAt: recordedAt,
            updatedAt: recordedAt.addingTimeInterval(1))
    }
}
