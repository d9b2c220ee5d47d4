import Core
import Events
import Foundation
import SQLKit
import Storage

/// All SQL of the journey counts and the alert states. Counts are added, never overwritten, so
/// instances sharing one PostgreSQL add up; alert states move by compare-and-set on a version,
/// so one instance wins each transition.
struct SLOStore: Sendable {
    let database: any Database

    static let migrations = [
        Migration(id: "operations-001-slis") { t in
            [
                """
                CREATE TABLE sli_minutes (
                    journey TEXT NOT NULL,
                    city TEXT NOT NULL,
                    minute \(t.bigint) NOT NULL,
                    good \(t.bigint) NOT NULL,
                    valid \(t.bigint) NOT NULL,
                    PRIMARY KEY (journey, city, minute)
                )
                """,
                """
                CREATE TABLE sli_causes (
                    journey TEXT NOT NULL,
                    city TEXT NOT NULL,
                    minute \(t.bigint) NOT NULL,
                    cause TEXT NOT NULL,
                    count \(t.bigint) NOT NULL,
                    PRIMARY KEY (journey, city, minute, cause)
                )
                """,
                """
                CREATE TABLE slo_alerts (
                    journey TEXT NOT NULL,
                    city TEXT NOT NULL,
                    level TEXT NOT NULL,
                    since \(t.timestamp) NOT NULL,
                    quiet_since \(t.timestamp),
                    firing TEXT NOT NULL,
                    version \(t.bigint) NOT NULL,
                    PRIMARY KEY (journey, city)
                )
                """,
                """
                CREATE TABLE slo_alert_transitions (
                    seq \(t.serialPrimaryKey),
                    journey TEXT NOT NULL,
                    city TEXT NOT NULL,
                    from_level TEXT NOT NULL,
                    to_level TEXT NOT NULL,
                    at \(t.timestamp) NOT NULL,
                    detail TEXT NOT NULL
                )
                """,
                "CREATE INDEX slo_alert_transitions_journey ON slo_alert_transitions (journey, city, seq)",
            ]
        }
    ]

    /// Adds `counts` to what is stored, in one transaction.
    func add(_ counts: [JourneyRecorder.Key: JourneyRecorder.Counts]) async throws {
        guard !counts.isEmpty else { return }
        let minutes: [[any Encodable & Sendable]] = counts.map { key, value in
            [key.journey.rawValue, key.city, key.minute, value.good, value.valid]
        }
        let causes: [[any Encodable & Sendable]] = counts.flatMap { key, value in
            value.causes.map { cause, count -> [any Encodable & Sendable] in [key.journey.rawValue, key.city, key.minute, cause, count] }
        }
        try await database.transaction { db in
            for slice in stride(from: 0, to: minutes.count, by: 200) {
                var insert = SQLWrite.insert(
                    table: "sli_minutes", columns: "journey, city, minute, good, valid", rows: Array(minutes[slice..<min(slice + 200, minutes.count)])
                ).statement
                insert.appendInterpolation(
                    unsafeRaw:
                        " ON CONFLICT (journey, city, minute) DO UPDATE SET good = sli_minutes.good + excluded.good, valid = sli_minutes.valid + excluded.valid"
                )
                try await db.raw(insert).run()
            }
            for slice in stride(from: 0, to: causes.count, by: 200) {
                var insert = SQLWrite.insert(
                    table: "sli_causes", columns: "journey, city, minute, cause, count", rows: Array(causes[slice..<min(slice + 200, causes.count)])
                ).statement
                insert.appendInterpolation(
                    unsafeRaw: " ON CONFLICT (journey, city, minute, cause) DO UPDATE SET count = sli_causes.count + excluded.count")
                try await db.raw(insert).run()
            }
        }
    }

    /// Each journey's good and valid events in each of `windows`, ending with the minute `now`
    /// (a window of W minutes is the current minute and the W − 1 before it).
    func counts(city: String, windows: [SLOWindow], now: Int64) async throws -> [JourneyID: [SLOWindow: WindowCounts]] {
        guard let longest = windows.max() else { return [:] }
        var sql = SQLQueryString("SELECT journey")
        for window in windows {
            let from = now - Int64(window.minutes)
            // CAST: PostgreSQL sums BIGINTs as NUMERIC.
            sql.appendInterpolation(unsafeRaw: ", CAST(SUM(CASE WHEN minute > ")
            sql.appendInterpolation(bind: from)
            sql.appendInterpolation(unsafeRaw: " THEN good ELSE 0 END) AS BIGINT) AS good_\(window.minutes), CAST(SUM(CASE WHEN minute > ")
            sql.appendInterpolation(bind: from)
            sql.appendInterpolation(unsafeRaw: " THEN valid ELSE 0 END) AS BIGINT) AS valid_\(window.minutes)")
        }
        sql.appendInterpolation(unsafeRaw: " FROM sli_minutes WHERE city = ")
        sql.appendInterpolation(bind: city)
        sql.appendInterpolation(unsafeRaw: " AND minute > ")
        sql.appendInterpolation(bind: now - Int64(longest.minutes))
        sql.appendInterpolation(unsafeRaw: " AND minute <= ")
        sql.appendInterpolation(bind: now)
        sql.appendInterpolation(unsafeRaw: " GROUP BY journey")
        let query = sql
        let rows = try await database.read { db in try await db.raw(query).all() }
        var result: [JourneyID: [SLOWindow: WindowCounts]] = [:]
        for row in rows {
            guard let journey = JourneyID(rawValue: try row.decode(column: "journey", as: String.self)) else { continue }
            for window in windows {
                result[journey, default: [:]][window] = WindowCounts(
                    good: try row.decode(column: "good_\(window.minutes)", as: Int64?.self) ?? 0,
                    valid: try row.decode(column: "valid_\(window.minutes)", as: Int64?.self) ?? 0)
            }
        }
        return result
    }

    struct CauseCount: Sendable, Equatable {
        let journey: JourneyID
        let cause: String
        let recent: Int64
        let total: Int64
    }

    /// Bad events by cause: in the `recent` window and in the `total` one, both ending with `now`.
    func causes(city: String, recent: SLOWindow, total: SLOWindow, now: Int64) async throws -> [CauseCount] {
        struct Row: Decodable {
            let journey: String
            let cause: String
            let recent: Int64?
            let total: Int64?
        }
        let rows = try await database.read { db in
            try await db.raw(
                """
                SELECT journey, cause, CAST(SUM(CASE WHEN minute > \(bind: now - Int64(recent.minutes)) THEN count ELSE 0 END) AS BIGINT) AS recent,
                    CAST(SUM(count) AS BIGINT) AS total
                FROM sli_causes WHERE city = \(bind: city) AND minute > \(bind: now - Int64(total.minutes)) AND minute <= \(bind: now)
                GROUP BY journey, cause
                """
            ).all(decoding: Row.self)
        }
        return rows.compactMap { row in
            JourneyID(rawValue: row.journey).map { CauseCount(journey: $0, cause: row.cause, recent: row.recent ?? 0, total: row.total ?? 0) }
        }
    }

    /// Deletes counts older than `minute`.
    func prune(before minute: Int64) async throws {
        try await database.write { db in try await db.raw("DELETE FROM sli_minutes WHERE minute < \(bind: minute)").run() }
        try await database.write { db in try await db.raw("DELETE FROM sli_causes WHERE minute < \(bind: minute)").run() }
    }

    // MARK: Alerts

    struct StoredAlert: Sendable, Equatable {
        var status: AlertStatus
        var firing: [String]
        var version: Int64
    }

    func alerts(city: String) async throws -> [JourneyID: StoredAlert] {
        struct Row: Decodable {
            let journey: String
            let level: String
            let since: Date
            let quiet_since: Date?
            let firing: String
            let version: Int64
        }
        let rows = try await database.read { db in
            try await db.raw("SELECT journey, level, since, quiet_since, firing, version FROM slo_alerts WHERE city = \(bind: city)")
                .all(decoding: Row.self)
        }
        var result: [JourneyID: StoredAlert] = [:]
        for row in rows {
            guard let journey = JourneyID(rawValue: row.journey), let level = AlertLevel(rawValue: row.level) else { continue }
            result[journey] = StoredAlert(
                status: AlertStatus(level: level, since: row.since, quietSince: row.quiet_since),
                firing: row.firing.isEmpty ? [] : row.firing.components(separatedBy: "\n"), version: row.version)
        }
        return result
    }

    /// Writes `alert` over the stored one if that is still at `expectedVersion` (0: none stored),
    /// with a transition row when the level changed. False when another instance wrote first.
    func save(
        journey: JourneyID, city: String, _ alert: StoredAlert, expectedVersion: Int64, transition: (from: AlertLevel, detail: String)?,
        event: DomainEvent? = nil
    ) async throws -> Bool {
        let firing = alert.firing.joined(separator: "\n")
        let status = alert.status
        return try await database.transaction { db in
            if expectedVersion == 0 {
                let inserted = try await db.raw(
                    """
                    INSERT INTO slo_alerts (journey, city, level, since, quiet_since, firing, version)
                    VALUES (\(bind: journey.rawValue), \(bind: city), \(bind: status.level.rawValue), \(bind: status.since), \(bind: status.quietSince),
                        \(bind: firing), 1)
                    ON CONFLICT (journey, city) DO NOTHING RETURNING version
                    """
                ).first()
                guard inserted != nil else { return false }
            } else {
                let updated = try await db.raw(
                    """
                    UPDATE slo_alerts SET level = \(bind: status.level.rawValue), since = \(bind: status.since),
                        quiet_since = \(bind: status.quietSince), firing = \(bind: firing), version = version + 1
                    WHERE journey = \(bind: journey.rawValue) AND city = \(bind: city) AND version = \(bind: expectedVersion)
                    RETURNING version
                    """
                ).first()
                guard updated != nil else { return false }
            }
            if let transition {
                try await db.raw(
                    """
                    INSERT INTO slo_alert_transitions (journey, city, from_level, to_level, at, detail)
                    VALUES (\(bind: journey.rawValue), \(bind: city), \(bind: transition.from.rawValue), \(bind: status.level.rawValue),
                        \(bind: status.since), \(bind: transition.detail))
                    """
                ).run()
            }
            if let event { try await Outbox.append(event, on: db) }
            return true
        }
    }

    struct Transition: Sendable, Equatable, Codable {
        let journey: JourneyID
        let from: AlertLevel
        let to: AlertLevel
        let at: Date
        let detail: String
    }

    /// The latest transitions, newest first.
    func transitions(city: String, limit: Int) async throws -> [Transition] {
        struct Row: Decodable {
            let journey: String
            let from_level: String
            let to_level: String
            let at: Date
            let detail: String
        }
        let rows = try await database.read { db in
            try await db.raw(
                """
                SELECT journey, from_level, to_level, at, detail FROM slo_alert_transitions WHERE city = \(bind: city)
                ORDER BY seq DESC LIMIT \(bind: limit)
                """
            ).all(decoding: Row.self)
        }
        return rows.compactMap { row in
            guard let journey = JourneyID(rawValue: row.journey), let from = AlertLevel(rawValue: row.from_level),
                let to = AlertLevel(rawValue: row.to_level)
            else { return nil }
            return Transition(journey: journey, from: from, to: to, at: row.at, detail: row.detail)
        }
    }
}
