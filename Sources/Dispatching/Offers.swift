public import Core
public import Events
public import Foundation

/// An offer of a job — one order, or a bundle of up to three — to one courier, who may accept
/// or decline it before it expires.
public struct DispatchOffer: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Waiting for the courier's answer.
        case pending
        case accepted
        case declined
        /// Not answered in time.
        case expired
        /// Accepted too late, or every order in it went elsewhere or ended before the answer.
        case withdrawn
    }

    public struct Stop: Codable, Sendable, Equatable {
        public let orderID: UUID
        /// Position in the pickup sequence and in the drop-off sequence, from 0.
        public let pickupPosition: Int
        public let dropoffPosition: Int
        /// Seconds from the offer to this order's delivery, as planned.
        public let plannedDeliverySeconds: Int
        /// When its food was expected ready at the time of the offer.
        public let readyAt: Date
        /// The restaurant, where the food is collected, and roughly where it goes: the customer's
        /// point to about 300 m (`approximate`), enough to judge the ride; the exact address comes
        /// with the order once the courier takes the job. Absent on offers made before these were
        /// recorded.
        public let restaurantID: UUID?
        public let pickup: GeoPoint?
        public let dropoff: GeoPoint?

        /// `point` snapped to a grid of about 330 m × 340 m (at 52° N): 0.003° of latitude, 0.005° of longitude.
        public static func approximate(_ point: GeoPoint) -> GeoPoint {
            func snap(_ value: Double, _ step: Double) -> Double { ((value / step).rounded() * step * 1e6).rounded() / 1e6 }
            return GeoPoint(uncheckedLat: snap(point.lat, 0.003), lon: snap(point.lon, 0.005))
        }

        public init(
            orderID: UUID, pickupPosition: Int, dropoffPosition: Int, plannedDeliverySeconds: Int, readyAt: Date, restaurantID: UUID?,
            pickup: GeoPoint?, dropoff: GeoPoint?
        ) {
            self.orderID = orderID
            self.pickupPosition = pickupPosition
            self.dropoffPosition = dropoffPosition
            self.plannedDeliverySeconds = plannedDeliverySeconds
            self.readyAt = readyAt
            self.restaurantID = restaurantID
            self.pickup = pickup
            self.dropoff = dropoff
        }
    }

    public let id: UUID
    public let courierID: UUID
    public var status: Status
    public let stops: [Stop]
    /// Seconds from the offer to the job's last delivery, as planned.
    public let costSeconds: Int
    /// Why this courier: the round's explanation.
    public let reason: String
    /// The cheapest couriers considered for this job, cheapest first, with their costs: for
    /// operators; empty in what couriers receive (`seenByCourier`).
    public let candidates: [PlannedAssignment.Candidate]
    public let createdAt: Date
    public let expiresAt: Date
    public var answeredAt: Date?

    public var orderIDs: [UUID] { stops.sorted { $0.pickupPosition < $1.pickupPosition }.map(\.orderID) }

    /// The offer as its courier receives it (API and live connection): without the other couriers
    /// considered, whose ids and costs (how far they are) are not this courier's to know.
    public var seenByCourier: DispatchOffer {
        DispatchOffer(
            id: id, courierID: courierID, status: status, stops: stops, costSeconds: costSeconds, reason: reason, candidates: [],
            createdAt: createdAt, expiresAt: expiresAt, answeredAt: answeredAt)
    }
}

extension DispatchOffer {
    /// The offer as its courier receives it, encoded for the live connection (`OfferMade`).
    public var made: OfferMade {
        let json = (try? TiffinJSON.encoder.encode(seenByCourier)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return OfferMade(courierID: courierID, offerID: id, offer: json)
    }
}

public struct DispatchOfferList: Codable, Sendable {
    public let offers: [DispatchOffer]
}

/// What a courier earned for one delivery.
///
/// The fee model (decision 0010): per order, a base fee plus a fee per kilometre of the ride from
/// the restaurant to the customer (straight line × the travel model's detour factor). An order
/// carried in a bundle after the first earns a smaller base — the courier rode to the restaurant
/// once — but its full distance fee.
public struct CourierEarning: Codable, Sendable, Equatable {
    public let orderID: UUID
    public let amount: Money
    public let distanceMetres: Int
    public let bundled: Bool
    public let earnedAt: Date
}

public struct CourierEarnings: Codable, Sendable, Equatable {
    /// The latest deliveries, newest first (at most 100).
    public let earnings: [CourierEarning]
    /// Since 00:00 UTC today, and over the last 7 days.
    public let today: Money
    public let lastSevenDays: Money
}

public struct EarningsModel: Sendable, Equatable {
    public var baseMinor: Int64 = 300
    public var bundledBaseMinor: Int64 = 150
    public var perKilometreMinor: Int64 = 90

    public init() {}

    public func amount(distanceMetres: Int, bundled: Bool) -> Int64 {
        (bundled ? bundledBaseMinor : baseMinor) + (Int64(distanceMetres) * perKilometreMinor + 500) / 1_000
    }
}

/// Why each offer of an order was made and what came of it, for operators.
public struct DispatchRecord: Codable, Sendable {
    public let orderID: UUID
    public let offers: [DispatchOffer]
}
