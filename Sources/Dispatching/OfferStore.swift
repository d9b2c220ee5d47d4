import Core
import Events
import Foundation
import SQLKit
import Storage

/// Offers, exclusions, earnings and the dispatch lease. Owns tables `dispatch_offers`,
/// `dispatch_offer_orders`, `dispatch_exclusions`, `courier_earnings`, `dispatch_leases`.
extension DispatchStore {
    struct OfferRow: Codable {
        let id: UUID
        let courierID: UUID
        let status: String
        let costSeconds: Int64
        let reason: String
        let candidates: String
        let createdAt: Date
        let expiresAt: Date
        let answeredAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, status, reason, candidates
            case courierID = "courier_id"
            case costSeconds = "cost_seconds"
            case createdAt = "created_at"
            case expiresAt = "expires_at"
            case answeredAt = "answered_at"
        }
    }

    struct StopRow: Codable {
        let offerID: UUID
        let orderID: UUID
        let pickupPosition: Int64
        let dropoffPosition: Int64
        let deliverySeconds: Int64
        let readyAt: Date
        let restaurantID: UUID?
        let pickupLat: Double?
        let pickupLon: Double?
        let dropoffLat: Double?
        let dropoffLon: Double?

        enum CodingKeys: String, CodingKey {
            case restaurantID = "restaurant_id"
            case pickupLat = "pickup_lat"
            case pickupLon = "pickup_lon"
            case dropoffLat = "dropoff_lat"
            case dropoffLon = "dropoff_lon"
            case offerID = "offer_id"
            case readyAt = "ready_at"
            case orderID = "order_id"
            case pickupPosition = "pickup_position"
            case dropoffPosition = "dropoff_position"
            case deliverySeconds = "delivery_seconds"
        }
    }

    /// An order and a courier: in a pending offer, or excluded from it.
    struct OrderCourierRow: Decodable {
        let orderID: UUID
        let courierID: UUID
        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
            case courierID = "courier_id"
        }
    }

    static let offerColumns = "id, courier_id, status, cost_seconds, reason, candidates, created_at, expires_at, answered_at"

    func createOffers(_ offers: [DispatchOffer]) async throws {
        guard !offers.isEmpty else { return }
        try await database.transaction { db in
            for offer in offers {
                let candidates = String(decoding: try TiffinJSON.encoder.encode(offer.candidates), as: UTF8.self)
                try await db.raw(
                    """
                    INSERT INTO dispatch_offers (\(unsafeRaw: Self.offerColumns))
                    VALUES (\(bind: offer.id), \(bind: offer.courierID), \(bind: offer.status.rawValue), \(bind: Int64(offer.costSeconds)),
                        \(bind: offer.reason), \(bind: candidates), \(bind: offer.createdAt), \(bind: offer.expiresAt), \(bind: offer.answeredAt))
                    """
                ).run()
                for stop in offer.stops {
                    try await db.raw(
                        """
                        INSERT INTO dispatch_offer_orders (offer_id, order_id, pickup_position, dropoff_position, delivery_seconds, ready_at,
                            restaurant_id, pickup_lat, pickup_lon, dropoff_lat, dropoff_lon)
                        VALUES (\(bind: offer.id), \(bind: stop.orderID), \(bind: Int64(stop.pickupPosition)), \(bind: Int64(stop.dropoffPosition)),
                            \(bind: Int64(stop.plannedDeliverySeconds)), \(bind: stop.readyAt), \(bind: stop.restaurantID),
                            \(bind: stop.pickup?.lat), \(bind: stop.pickup?.lon), \(bind: stop.dropoff?.lat), \(bind: stop.dropoff?.lon))
                        """
                    ).run()
                }
                try await Outbox.append(try Self.event(.offerCreated, offer, at: offer.createdAt, reason: offer.reason), on: db)
            }
        }
    }

    /// The event recording what happened to `offer` (aggregate: the offer).
    static func event(_ type: EventType, _ offer: DispatchOffer, at: Date, reason: String?) throws -> DomainEvent {
        let payload = OfferChanged(
            offerID: offer.id, courierID: offer.courierID, orderIDs: offer.orderIDs,
            status: type == .offerCreated ? DispatchOffer.Status.pending.rawValue : String(type.rawValue.dropFirst("offer.".count)),
            expiresAt: offer.expiresAt, reason: reason)
        return try DomainEvent(type: type, aggregateID: offer.id, occurredAt: at, payload: payload)
    }

    private static func offers(_ rows: [OfferRow], on db: any SQLDatabase) async throws -> [DispatchOffer] {
        guard !rows.isEmpty else { return [] }
        let stops = try await db.raw(
            """
            SELECT offer_id, order_id, pickup_position, dropoff_position, delivery_seconds, ready_at,
                restaurant_id, pickup_lat, pickup_lon, dropoff_lat, dropoff_lon FROM dispatch_offer_orders
            WHERE offer_id IN (\(binds: rows.map(\.id)))
            """
        ).all(decoding: StopRow.self)
        let byOffer = Dictionary(grouping: stops, by: \.offerID)
        return try rows.map { row in
            DispatchOffer(
                id: row.id, courierID: row.courierID, status: DispatchOffer.Status(rawValue: row.status) ?? .withdrawn,
                stops: (byOffer[row.id] ?? []).map {
                    DispatchOffer.Stop(
                        orderID: $0.orderID, pickupPosition: Int($0.pickupPosition), dropoffPosition: Int($0.dropoffPosition),
                        plannedDeliverySeconds: Int($0.deliverySeconds), readyAt: $0.readyAt, restaurantID: $0.restaurantID,
                        pickup: Self.point($0.pickupLat, $0.pickupLon), dropoff: Self.point($0.dropoffLat, $0.dropoffLon))
                }.sorted { $0.pickupPosition < $1.pickupPosition },
                costSeconds: Int(row.costSeconds), reason: row.reason,
                candidates: try TiffinJSON.decoder.decode([PlannedAssignment.Candidate].self, from: Data(row.candidates.utf8)),
                createdAt: row.createdAt, expiresAt: row.expiresAt, answeredAt: row.answeredAt)
        }
    }

    static func point(_ lat: Double?, _ lon: Double?) -> GeoPoint? {
        guard let lat, let lon else { return nil }
        return GeoPoint(uncheckedLat: lat, lon: lon)
    }

    func offer(id: UUID) async throws -> DispatchOffer? {
        try await database.read { db in
            let rows = try await db.raw("SELECT \(unsafeRaw: Self.offerColumns) FROM dispatch_offers WHERE id = \(bind: id)").all(
                decoding: OfferRow.self)
            return try await Self.offers(rows, on: db).first
        }
    }

    /// A courier's pending offers, newest first.
    func pendingOffers(courierID: UUID) async throws -> [DispatchOffer] {
        try await database.read { db in
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.offerColumns) FROM dispatch_offers
                WHERE courier_id = \(bind: courierID) AND status = 'pending' ORDER BY created_at DESC, id
                """
            ).all(decoding: OfferRow.self)
            return try await Self.offers(rows, on: db)
        }
    }

    /// Every offer that included the order, oldest first.
    func offers(orderID: UUID) async throws -> [DispatchOffer] {
        try await database.read { db in
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.offerColumns) FROM dispatch_offers
                WHERE id IN (SELECT offer_id FROM dispatch_offer_orders WHERE order_id = \(bind: orderID)) ORDER BY created_at, id
                """
            ).all(decoding: OfferRow.self)
            return try await Self.offers(rows, on: db)
        }
    }

    /// Orders in a pending offer, and couriers with one: neither is planned again meanwhile.
    func pendingCommitments() async throws -> (orders: Set<UUID>, couriers: Set<UUID>) {
        let rows = try await database.read { db in
            try await db.raw(
                """
                SELECT s.order_id, o.courier_id FROM dispatch_offers o JOIN dispatch_offer_orders s ON s.offer_id = o.id
                WHERE o.status = 'pending'
                """
            ).all(decoding: OrderCourierRow.self)
        }
        return (Set(rows.map(\.orderID)), Set(rows.map(\.courierID)))
    }

    /// Moves a pending offer of this courier to `status`; false when it was not pending (or not theirs).
    func answer(offerID: UUID, courierID: UUID, status: DispatchOffer.Status, at: Date) async throws -> Bool {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE dispatch_offers SET status = \(bind: status.rawValue), answered_at = \(bind: at)
                WHERE id = \(bind: offerID) AND courier_id = \(bind: courierID) AND status = 'pending' RETURNING id
                """
            ).first() != nil
        }
    }

    /// An accepted offer none of whose orders could be assigned (they went elsewhere or ended).
    func withdraw(_ offer: DispatchOffer, at: Date) async throws {
        try await database.transaction { db in
            guard
                try await db.raw("UPDATE dispatch_offers SET status = 'withdrawn' WHERE id = \(bind: offer.id) AND status = 'accepted' RETURNING id")
                    .first() != nil
            else { return }
            try await Outbox.append(
                try Self.event(.offerWithdrawn, offer, at: at, reason: "every order went to another courier or ended"), on: db)
        }
    }

    /// Withdraws every pending offer that includes the order (it ended): their couriers are told
    /// at once instead of answering an offer that can no longer be kept. Returns those offers.
    func withdrawPending(orderID: UUID, reason: String, at now: Date) async throws -> [DispatchOffer] {
        try await database.transaction { db in
            let rows = try await db.raw(
                """
                UPDATE dispatch_offers SET status = 'withdrawn', answered_at = \(bind: now)
                WHERE status = 'pending' AND id IN (SELECT offer_id FROM dispatch_offer_orders WHERE order_id = \(bind: orderID))
                RETURNING \(unsafeRaw: Self.offerColumns)
                """
            ).all(decoding: OfferRow.self)
            guard !rows.isEmpty else { return [] }
            let offers = try await Self.offers(rows, on: db)
            for offer in offers { try await Outbox.append(try Self.event(.offerWithdrawn, offer, at: now, reason: reason), on: db) }
            return offers
        }
    }

    /// Marks pending offers past their deadline expired and excludes their courier from their
    /// orders, in one transaction. Returns the expired offers.
    func expireOffers(at now: Date) async throws -> [DispatchOffer] {
        try await database.transaction { db in
            // Only the offers this statement expired: one accepted meanwhile is not touched.
            let rows = try await db.raw(
                """
                UPDATE dispatch_offers SET status = 'expired', answered_at = \(bind: now)
                WHERE status = 'pending' AND expires_at < \(bind: now) RETURNING \(unsafeRaw: Self.offerColumns)
                """
            ).all(decoding: OfferRow.self)
            guard !rows.isEmpty else { return [] }
            let offers = try await Self.offers(rows, on: db)
            for offer in offers {
                try await Self.exclude(orderIDs: offer.orderIDs, courierID: offer.courierID, reason: "offer expired", at: now, on: db)
                try await Outbox.append(try Self.event(.offerExpired, offer, at: now, reason: "not answered in time"), on: db)
            }
            return offers
        }
    }

    /// The courier turns a pending offer down and is excluded from its orders, in one transaction
    /// (never declined yet offered the same orders again). False when it was no longer pending.
    func decline(offerID: UUID, courierID: UUID, orderIDs: [UUID], reason: String, at: Date) async throws -> Bool {
        try await database.transaction { db in
            guard
                try await db.raw(
                    """
                    UPDATE dispatch_offers SET status = 'declined', answered_at = \(bind: at)
                    WHERE id = \(bind: offerID) AND courier_id = \(bind: courierID) AND status = 'pending' RETURNING id
                    """
                ).first() != nil
            else { return false }
            try await Self.exclude(orderIDs: orderIDs, courierID: courierID, reason: reason, at: at, on: db)
            return true
        }
    }

    /// Excludes the courier from the orders, in one statement.
    static func exclude(orderIDs: [UUID], courierID: UUID, reason: String, at: Date, on db: any SQLDatabase) async throws {
        guard !orderIDs.isEmpty else { return }
        let insert = SQLWrite.insert(
            table: "dispatch_exclusions", columns: "order_id, courier_id, reason, created_at",
            rows: orderIDs.map { [$0, courierID, reason, at] })
        try await db.raw(insert.statement + " ON CONFLICT (order_id, courier_id) DO NOTHING").run()
    }

    func exclusions(orderIDs: [UUID]) async throws -> [UUID: Set<UUID>] {
        guard !orderIDs.isEmpty else { return [:] }
        let rows = try await database.read { db in
            try await db.raw("SELECT order_id, courier_id FROM dispatch_exclusions WHERE order_id IN (\(binds: orderIDs))").all(
                decoding: OrderCourierRow.self)
        }
        return Dictionary(grouping: rows, by: \.orderID).mapValues { Set($0.map(\.courierID)) }
    }

    // MARK: Earnings

    /// Records what a delivery earned, once per order.
    func recordEarning(_ earning: CourierEarning, courierID: UUID) async throws {
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO courier_earnings (order_id, courier_id, amount_minor, currency, distance_metres, bundled, earned_at)
                VALUES (\(bind: earning.orderID), \(bind: courierID), \(bind: earning.amount.amount), \(bind: earning.amount.currency),
                    \(bind: Int64(earning.distanceMetres)), \(bind: earning.bundled), \(bind: earning.earnedAt))
                ON CONFLICT (order_id) DO NOTHING
                """
            ).run()
        }
    }

    struct EarningRow: Decodable {
        let orderID: UUID
        let amountMinor: Int64
        let currency: String
        let distanceMetres: Int64
        let bundled: Bool
        let earnedAt: Date
        enum CodingKeys: String, CodingKey {
            case currency, bundled
            case orderID = "order_id"
            case amountMinor = "amount_minor"
            case distanceMetres = "distance_metres"
            case earnedAt = "earned_at"
        }
    }

    /// A courier's deliveries since `since`, newest first.
    func earnings(courierID: UUID, since: Date, limit: Int) async throws -> [CourierEarning] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT order_id, amount_minor, currency, distance_metres, bundled, earned_at FROM courier_earnings
                WHERE courier_id = \(bind: courierID) AND earned_at >= \(bind: since) ORDER BY earned_at DESC LIMIT \(bind: limit)
                """
            ).all(decoding: EarningRow.self).map {
                CourierEarning(
                    orderID: $0.orderID, amount: Money($0.amountMinor, $0.currency), distanceMetres: Int($0.distanceMetres), bundled: $0.bundled,
                    earnedAt: $0.earnedAt)
            }
        }
    }

    // MARK: Lease

    /// Takes or renews the lease `name` for `holder` until `until`; false while another holder's
    /// lease has not run out.
    func acquireLease(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool {
        try await database.write { db in
            try await db.raw(
                """
                INSERT INTO dispatch_leases (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: until))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE dispatch_leases.holder = excluded.holder OR dispatch_leases.expires_at < \(bind: now)
                RETURNING holder
                """
            ).first() != nil
        }
    }

    func releaseLease(_ name: String, holder: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM dispatch_leases WHERE name = \(bind: name) AND holder = \(bind: holder)").run()
        }
    }
}
