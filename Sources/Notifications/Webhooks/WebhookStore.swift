import Core
import Foundation
import SQLKit
import Storage

/// All SQL of webhook endpoints, deliveries and attempts.
struct WebhookStore: Sendable {
    let database: any Database

    static let migrations = [
        Migration(id: "notifications-002-webhooks") { t in
            [
                """
                CREATE TABLE webhook_endpoints (
                    id \(t.uuid) PRIMARY KEY,
                    owner_id \(t.uuid) NOT NULL,
                    restaurant_id \(t.uuid),
                    url TEXT NOT NULL,
                    description TEXT,
                    event_types TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    previous_secret TEXT,
                    previous_secret_expires_at \(t.timestamp),
                    status TEXT NOT NULL,
                    disabled_reason TEXT,
                    failure_streak BIGINT NOT NULL DEFAULT 0,
                    streak_started_at \(t.timestamp),
                    created_at \(t.timestamp) NOT NULL,
                    updated_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_id)",
                "CREATE INDEX webhook_endpoints_restaurant ON webhook_endpoints (restaurant_id)",
                """
                CREATE TABLE webhook_deliveries (
                    id \(t.uuid) PRIMARY KEY,
                    endpoint_id \(t.uuid) NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
                    event_id \(t.uuid) NOT NULL,
                    event_type TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    created_at \(t.timestamp) NOT NULL,
                    give_up_at \(t.timestamp) NOT NULL,
                    next_attempt_at \(t.timestamp) NOT NULL,
                    leased_until \(t.timestamp),
                    delivered_at \(t.timestamp),
                    last_status BIGINT,
                    last_error TEXT,
                    UNIQUE (endpoint_id, event_id)
                )
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'",
                "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id)",
                """
                CREATE TABLE webhook_attempts (
                    id \(t.uuid) PRIMARY KEY,
                    delivery_id \(t.uuid) NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
                    attempted_at \(t.timestamp) NOT NULL,
                    status_code BIGINT,
                    latency_ms BIGINT NOT NULL,
                    excerpt TEXT,
                    error TEXT
                )
                """,
                "CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at)",
            ]
        },
        // Retention: settled deliveries (and their attempts) are deleted by age.
        Migration(id: "notifications-004-webhook-retention") { _ in
            ["CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at)"]
        },
    ]

    // MARK: Endpoints

    struct EndpointRow: Decodable, Sendable {
        let id: UUID
        let ownerID: UUID
        let restaurantID: UUID?
        let url: String
        let description: String?
        let eventTypes: String
        let secret: String
        let previousSecret: String?
        let previousSecretExpiresAt: Date?
        let status: String
        let disabledReason: String?
        let failureStreak: Int64
        let streakStartedAt: Date?
        let createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, url, description, secret, status
            case ownerID = "owner_id"
            case restaurantID = "restaurant_id"
            case eventTypes = "event_types"
            case previousSecret = "previous_secret"
            case previousSecretExpiresAt = "previous_secret_expires_at"
            case disabledReason = "disabled_reason"
            case failureStreak = "failure_streak"
            case streakStartedAt = "streak_started_at"
            case createdAt = "created_at"
        }

        static let columns = """
            id, owner_id, restaurant_id, url, description, event_types, secret, previous_secret, previous_secret_expires_at, status,
            disabled_reason, failure_streak, streak_started_at, created_at
            """

        var types: [String] { eventTypes.split(separator: ",").map(String.init) }

        func endpoint(now: Date) -> WebhookEndpoint {
            WebhookEndpoint(
                id: id, url: url, description: description, eventTypes: types, restaurantID: restaurantID,
                status: WebhookEndpoint.Status(rawValue: status) ?? .disabled, disabledReason: disabledReason,
                consecutiveFailures: Int(failureStreak), createdAt: createdAt,
                previousSecretExpiresAt: previousSecretExpiresAt.flatMap { $0 > now ? $0 : nil })
        }

        /// The secrets that sign now, newest first.
        func signingSecrets(now: Date) -> [String] {
            if let previousSecret, let until = previousSecretExpiresAt, until > now { return [secret, previousSecret] }
            return [secret]
        }
    }

    /// Registers an endpoint unless its owner already has `limit`; returns whether it did. The
    /// count and the insert are one transaction, serialized per owner, so concurrent requests
    /// cannot pass the limit together.
    func insert(
        id: UUID, ownerID: UUID, restaurantID: UUID?, url: String, description: String?, eventTypes: [String], secret: String, at: Date,
        limit: Int
    ) async throws -> Bool {
        let kind = database.kind
        return try await database.transaction { db in
            try await db.lockForTransaction("webhook-endpoints:\(ownerID)", kind: kind)
            guard try await Self.countOwned(by: ownerID, on: db) < limit else { return false }
            try await db.raw(
                """
                INSERT INTO webhook_endpoints (id, owner_id, restaurant_id, url, description, event_types, secret, status, created_at, updated_at)
                VALUES (\(bind: id), \(bind: ownerID), \(bind: restaurantID), \(bind: url), \(bind: description),
                    \(bind: eventTypes.joined(separator: ",")), \(bind: secret), 'enabled', \(bind: at), \(bind: at))
                """
            ).run()
            return true
        }
    }

    func endpoint(id: UUID) async throws -> EndpointRow? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints WHERE id = \(bind: id)").first(
                decoding: EndpointRow.self)
        }
    }

    func endpoints(ids: [UUID]) async throws -> [UUID: EndpointRow] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints WHERE id IN (\(binds: ids))").all(
                decoding: EndpointRow.self)
        }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
    }

    /// Endpoints visible to an owner (nil: all, for operators), oldest first.
    func endpoints(ownerID: UUID?) async throws -> [EndpointRow] {
        try await database.read { db in
            if let ownerID {
                return try await db.raw(
                    "SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints WHERE owner_id = \(bind: ownerID) ORDER BY created_at, id"
                ).all(decoding: EndpointRow.self)
            }
            return try await db.raw("SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints ORDER BY created_at, id LIMIT 1000").all(
                decoding: EndpointRow.self)
        }
    }

    static func countOwned(by ownerID: UUID, on db: any SQLDatabase) async throws -> Int {
        struct Count: Decodable { let n: Int64 }
        return Int(
            try await db.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM webhook_endpoints WHERE owner_id = \(bind: ownerID)").first(
                decoding: Count.self)?.n ?? 0)
    }

    /// The endpoints that may hear an event of `restaurantID`'s: the operators' and that
    /// restaurant's (nil, the restaurant not known yet: every endpoint). Disabled ones are
    /// included: what they miss is queued, and sent once they are enabled again within its 24-hour
    /// window (after it, failed, and sent again only on `redeliver`).
    func listeners(restaurantID: UUID?) async throws -> [EndpointRow] {
        try await database.read { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints")
            if let restaurantID {
                query.appendInterpolation(unsafeRaw: " WHERE restaurant_id IS NULL OR restaurant_id = ")
                query.appendInterpolation(bind: restaurantID)
            }
            return try await db.raw(query).all(decoding: EndpointRow.self)
        }
    }

    func update(id: UUID, url: String, description: String?, eventTypes: [String], status: String, at: Date) async throws {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE webhook_endpoints SET url = \(bind: url), description = \(bind: description), event_types = \(bind: eventTypes.joined(separator: ",")),
                    status = \(bind: status),
                    disabled_reason = CASE WHEN \(bind: status) = 'enabled' THEN NULL ELSE COALESCE(disabled_reason, 'disabled by its owner') END,
                    failure_streak = CASE WHEN \(bind: status) = 'enabled' THEN 0 ELSE failure_streak END,
                    streak_started_at = CASE WHEN \(bind: status) = 'enabled' THEN NULL ELSE streak_started_at END,
                    updated_at = \(bind: at)
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    /// Makes `secret` current and the current one previous until `previousUntil` — unless a
    /// previous secret still signs at `at` (a rotation's overlap is running): then nothing, and
    /// false. One statement, so of concurrent rotations exactly one wins.
    func rotate(id: UUID, secret: String, previousUntil: Date, at: Date) async throws -> Bool {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = \(bind: previousUntil),
                    secret = \(bind: secret), updated_at = \(bind: at)
                WHERE id = \(bind: id) AND (previous_secret_expires_at IS NULL OR previous_secret_expires_at <= \(bind: at))
                RETURNING id
                """
            ).first() != nil
        }
    }

    func delete(id: UUID) async throws {
        try await database.transaction { db in
            // Children first: SQLite enforces no foreign keys unless asked, so nothing cascades there.
            try await db.raw(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = \(bind: id))"
            ).run()
            try await db.raw("DELETE FROM webhook_deliveries WHERE endpoint_id = \(bind: id)").run()
            try await db.raw("DELETE FROM webhook_endpoints WHERE id = \(bind: id)").run()
        }
    }

    /// Records the outcome of an attempt on the endpoint's failure streak. Returns the streak
    /// and since when it runs.
    func recordOutcome(endpointID: UUID, succeeded: Bool, at: Date) async throws -> (streak: Int, since: Date?) {
        struct Row: Decodable {
            let failureStreak: Int64
            let streakStartedAt: Date?
            enum CodingKeys: String, CodingKey {
                case failureStreak = "failure_streak"
                case streakStartedAt = "streak_started_at"
            }
        }
        let row = try await database.write { db in
            if succeeded {
                return try await db.raw(
                    """
                    UPDATE webhook_endpoints SET failure_streak = 0, streak_started_at = NULL WHERE id = \(bind: endpointID)
                    RETURNING failure_streak, streak_started_at
                    """
                ).first(decoding: Row.self)
            }
            return try await db.raw(
                """
                UPDATE webhook_endpoints SET failure_streak = failure_streak + 1, streak_started_at = COALESCE(streak_started_at, \(bind: at))
                WHERE id = \(bind: endpointID) RETURNING failure_streak, streak_started_at
                """
            ).first(decoding: Row.self)
        }
        return (Int(row?.failureStreak ?? 0), row?.streakStartedAt)
    }

    /// Disables the endpoint if still enabled. True when this call disabled it.
    func disable(id: UUID, reason: String, at: Date) async throws -> Bool {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = \(bind: reason), updated_at = \(bind: at)
                WHERE id = \(bind: id) AND status = 'enabled' RETURNING id
                """
            ).first() != nil
        }
    }

    // MARK: Deliveries

    struct DeliveryRow: Decodable, Sendable {
        let id: UUID
        let endpointID: UUID
        let eventID: UUID
        let eventType: String
        let body: String
        let status: String
        let attempts: Int64
        let createdAt: Date
        let giveUpAt: Date
        let nextAttemptAt: Date
        let deliveredAt: Date?
        let lastStatus: Int64?
        let lastError: String?

        enum CodingKeys: String, CodingKey {
            case id, body, status, attempts
            case endpointID = "endpoint_id"
            case eventID = "event_id"
            case eventType = "event_type"
            case createdAt = "created_at"
            case giveUpAt = "give_up_at"
            case nextAttemptAt = "next_attempt_at"
            case deliveredAt = "delivered_at"
            case lastStatus = "last_status"
            case lastError = "last_error"
        }

        static let columns = """
            id, endpoint_id, event_id, event_type, body, status, attempts, created_at, give_up_at, next_attempt_at, delivered_at,
            last_status, last_error
            """

        var delivery: WebhookDelivery {
            let status = WebhookDelivery.Status(rawValue: status) ?? .failed
            return WebhookDelivery(
                id: id, endpointID: endpointID, eventID: eventID, eventType: eventType, status: status, attempts: Int(attempts),
                createdAt: createdAt, nextAttemptAt: status == .pending ? nextAttemptAt : nil, deliveredAt: deliveredAt,
                lastStatusCode: lastStatus.map(Int.init), lastError: lastError)
        }
    }

    struct NewDelivery: Sendable {
        let id: UUID
        let endpointID: UUID
        let eventID: UUID
        let eventType: String
        let body: String
    }

    /// Queues deliveries, once per (endpoint, event). Returns how many were new.
    @discardableResult
    func enqueue(_ deliveries: [NewDelivery], at: Date, giveUpAt: Date) async throws -> Int {
        guard !deliveries.isEmpty else { return 0 }
        return try await database.write { db in
            var insert = SQLWrite.insert(
                table: "webhook_deliveries",
                columns: "id, endpoint_id, event_id, event_type, body, status, created_at, give_up_at, next_attempt_at",
                rows: deliveries.map { d in [d.id, d.endpointID, d.eventID, d.eventType, d.body, "pending", at, giveUpAt, at] }
            ).statement
            insert.appendInterpolation(unsafeRaw: " ON CONFLICT DO NOTHING RETURNING id")
            return try await db.raw(insert).all().count
        }
    }

    /// Leases up to `limit` due deliveries of enabled endpoints, none of those `excluding`.
    func claim(now: Date, leaseUntil: Date, limit: Int, excluding: [UUID] = []) async throws -> [DeliveryRow] {
        let lock = database.kind == .postgres ? " FOR UPDATE OF d SKIP LOCKED" : ""
        var query = SQLQueryString(
            """
            UPDATE webhook_deliveries SET leased_until = \(bind: leaseUntil)
            WHERE id IN (
                SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= \(bind: now) AND (d.leased_until IS NULL OR d.leased_until <= \(bind: now))
                    AND e.status = 'enabled'
            """)
        if !excluding.isEmpty {
            query.appendInterpolation(unsafeRaw: " AND d.endpoint_id NOT IN (")
            query.appendInterpolation(binds: excluding)
            query.appendInterpolation(unsafeRaw: ")")
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY d.next_attempt_at LIMIT ")
        query.appendInterpolation(bind: limit)
        query.appendInterpolation(unsafeRaw: "\(lock)) RETURNING \(DeliveryRow.columns)")
        let claim = query
        return try await database.write { db in try await db.raw(claim).all(decoding: DeliveryRow.self) }
    }

    private struct IDRow: Decodable { let id: UUID }

    /// Marks failed the pending deliveries whose window closed unsent (their endpoint was
    /// disabled all along: the sender never claimed them), then deletes settled deliveries
    /// queued before `cutoff` with their attempts, a bounded slice per transaction. Returns how
    /// many it deleted.
    func prune(before cutoff: Date, now: Date) async throws -> Int {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE webhook_deliveries SET status = 'failed', last_error = COALESCE(last_error, 'not sent within its window: the endpoint was disabled')
                WHERE status = 'pending' AND give_up_at < \(bind: now) AND (leased_until IS NULL OR leased_until <= \(bind: now))
                """
            ).run()
        }
        return try await database.deleteInSlices(of: NotificationStore.pruneSlice) { db, size in
            let ids = try await db.raw(
                """
                SELECT id FROM webhook_deliveries WHERE created_at < \(bind: cutoff) AND status <> 'pending'
                ORDER BY created_at LIMIT \(bind: size)
                """
            ).all(decoding: IDRow.self).map(\.id)
            guard !ids.isEmpty else { return 0 }
            try await db.raw("DELETE FROM webhook_attempts WHERE delivery_id IN (\(binds: ids))").run()
            try await db.raw("DELETE FROM webhook_deliveries WHERE id IN (\(binds: ids))").run()
            return ids.count
        }
    }

    /// Which of `ids` are endpoints that exist.
    func existing(endpointIDs ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return try await database.read { db in
            Set(try await db.raw("SELECT id FROM webhook_endpoints WHERE id IN (\(binds: ids))").all(decoding: IDRow.self).map(\.id))
        }
    }

    /// Gives claimed deliveries back untouched (no attempt counted).
    func release(deliveryIDs: [UUID]) async throws {
        try await database.write { db in
            try await db.raw("UPDATE webhook_deliveries SET leased_until = NULL WHERE id IN (\(binds: deliveryIDs))").run()
        }
    }

    /// Records an attempt and the delivery's new state: succeeded, retried at `next`, or failed.
    func recordAttempt(
        deliveryID: UUID, at: Date, statusCode: Int?, latencyMilliseconds: Int, excerpt: String?, error: String?, succeeded: Bool, next: Date?
    ) async throws {
        let status = succeeded ? "succeeded" : (next == nil ? "failed" : "pending")
        try await database.transaction { db in
            try await db.raw(
                """
                INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, latency_ms, excerpt, error)
                VALUES (\(bind: UUID.timeOrdered(at: at)), \(bind: deliveryID), \(bind: at), \(bind: statusCode.map(Int64.init)),
                    \(bind: Int64(latencyMilliseconds)), \(bind: excerpt), \(bind: error))
                """
            ).run()
            try await db.raw(
                """
                UPDATE webhook_deliveries SET status = \(bind: status), attempts = attempts + 1, leased_until = NULL,
                    next_attempt_at = \(bind: next ?? at), delivered_at = \(bind: succeeded ? at : nil),
                    last_status = \(bind: statusCode.map(Int64.init)), last_error = \(bind: error)
                WHERE id = \(bind: deliveryID)
                """
            ).run()
        }
    }

    /// Puts a delivery back without an attempt (its endpoint's breaker is open).
    func postpone(deliveryID: UUID, until: Date) async throws {
        try await database.write { db in
            try await db.raw("UPDATE webhook_deliveries SET next_attempt_at = \(bind: until), leased_until = NULL WHERE id = \(bind: deliveryID)")
                .run()
        }
    }

    func delivery(id: UUID) async throws -> DeliveryRow? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: DeliveryRow.columns) FROM webhook_deliveries WHERE id = \(bind: id)").first(
                decoding: DeliveryRow.self)
        }
    }

    func deliveries(endpointID: UUID, before cursor: UUID?, limit: Int) async throws -> [DeliveryRow] {
        try await database.read { db in
            var query = SQLQueryString(
                "SELECT \(unsafeRaw: DeliveryRow.columns) FROM webhook_deliveries WHERE endpoint_id = \(bind: endpointID)")
            if let cursor {
                query.appendInterpolation(unsafeRaw: " AND id < ")
                query.appendInterpolation(bind: cursor)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY id DESC LIMIT ")
            query.appendInterpolation(bind: limit)
            return try await db.raw(query).all(decoding: DeliveryRow.self)
        }
    }

    func attempts(deliveryID: UUID) async throws -> [WebhookAttempt] {
        struct Row: Decodable {
            let attemptedAt: Date
            let statusCode: Int64?
            let latencyMs: Int64
            let excerpt: String?
            let error: String?
            enum CodingKeys: String, CodingKey {
                case excerpt, error
                case attemptedAt = "attempted_at"
                case statusCode = "status_code"
                case latencyMs = "latency_ms"
            }
        }
        return try await database.read { db in
            try await db.raw(
                """
                SELECT attempted_at, status_code, latency_ms, excerpt, error FROM webhook_attempts
                WHERE delivery_id = \(bind: deliveryID) ORDER BY attempted_at, id
                """
            ).all(decoding: Row.self).map {
                WebhookAttempt(
                    attemptedAt: $0.attemptedAt, statusCode: $0.statusCode.map(Int.init), latencyMilliseconds: Int($0.latencyMs),
                    responseExcerpt: $0.excerpt, error: $0.error)
            }
        }
    }

    /// Sends the delivery again from now, with a fresh 24-hour retry window. False when it is
    /// being sent right now (its lease is live).
    func redeliver(deliveryID: UUID, at: Date, giveUpAt: Date) async throws -> Bool {
        try await database.write { db in
            try await db.raw(
                """
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(bind: at), give_up_at = \(bind: giveUpAt),
                    delivered_at = NULL
                WHERE id = \(bind: deliveryID) AND (leased_until IS NULL OR leased_until <= \(bind: at)) RETURNING id
                """
            ).first() != nil
        }
    }
}
