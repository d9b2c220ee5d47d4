import Core
import Foundation
import SQLKit
import Storage

/// All SQL of the feed, the email queue and preferences.
struct NotificationStore: Sendable {
    let database: any Database

    static let migrations = [
        Migration(id: "notifications-001-feed") { t in
            [
                """
                CREATE TABLE notifications (
                    seq \(t.serialPrimaryKey),
                    id \(t.uuid) NOT NULL UNIQUE,
                    recipient_id \(t.uuid) NOT NULL,
                    kind TEXT NOT NULL,
                    event_id \(t.uuid) NOT NULL,
                    order_id \(t.uuid),
                    subject_id \(t.uuid),
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at \(t.timestamp) NOT NULL,
                    read_at \(t.timestamp),
                    in_app TEXT NOT NULL,
                    email TEXT NOT NULL,
                    email_detail TEXT,
                    UNIQUE (event_id, recipient_id, kind)
                )
                """,
                "CREATE INDEX notifications_recipient ON notifications (recipient_id, seq)",
                "CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE read_at IS NULL",
                """
                CREATE TABLE notification_emails (
                    notification_id \(t.uuid) PRIMARY KEY,
                    kind TEXT NOT NULL,
                    address TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at \(t.timestamp) NOT NULL,
                    leased_until \(t.timestamp),
                    last_error TEXT,
                    sent_at \(t.timestamp),
                    failed_at \(t.timestamp),
                    created_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX notification_emails_due ON notification_emails (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL",
                """
                CREATE TABLE notification_preferences (
                    user_id \(t.uuid) NOT NULL,
                    kind TEXT NOT NULL,
                    channels TEXT NOT NULL,
                    updated_at \(t.timestamp) NOT NULL,
                    PRIMARY KEY (user_id, kind)
                )
                """,
            ]
        },
        // Retention: old notifications and settled emails are deleted by age.
        Migration(id: "notifications-003-retention") { _ in
            [
                "CREATE INDEX notifications_created ON notifications (created_at)",
                "CREATE INDEX notification_emails_created ON notification_emails (created_at)",
            ]
        },
    ]

    // MARK: Rows

    struct ItemRow: Decodable {
        let seq: Int64
        let id: UUID
        let kind: String
        let title: String
        let body: String
        let orderID: UUID?
        let subjectID: UUID?
        let createdAt: Date
        let readAt: Date?
        let inApp: String
        let email: String
        let emailDetail: String?

        enum CodingKeys: String, CodingKey {
            case seq, id, kind, title, body, email
            case orderID = "order_id"
            case subjectID = "subject_id"
            case createdAt = "created_at"
            case readAt = "read_at"
            case inApp = "in_app"
            case emailDetail = "email_detail"
        }

        static let columns = "seq, id, kind, title, body, order_id, subject_id, created_at, read_at, in_app, email, email_detail"

        var item: ActivityItem? {
            guard let kind = NotificationKind(rawValue: kind) else { return nil }
            return ActivityItem(
                id: id, kind: kind, title: title, body: body, orderID: orderID, subjectID: subjectID, createdAt: createdAt, readAt: readAt,
                deliveries: [
                    ChannelDelivery(channel: .inApp, status: ChannelStatus(rawValue: inApp) ?? .delivered, detail: nil),
                    ChannelDelivery(channel: .email, status: ChannelStatus(rawValue: email) ?? .off, detail: emailDetail),
                ])
        }
    }

    /// A notification as written.
    struct NewNotification: Sendable {
        let id: UUID
        let recipientID: UUID
        let kind: NotificationKind
        let eventID: UUID
        let orderID: UUID?
        let subjectID: UUID?
        let title: String
        let body: String
        let createdAt: Date
        let inApp: ChannelStatus
        let email: ChannelStatus
        let emailDetail: String?
        /// The email to queue, when `email` is pending.
        let mail: (address: String, subject: String, body: String)?

        /// As the feed shows it just after it is written (unread unless in-app is off).
        var item: ActivityItem {
            ActivityItem(
                id: id, kind: kind, title: title, body: body, orderID: orderID, subjectID: subjectID, createdAt: createdAt,
                readAt: inApp == .off ? createdAt : nil,
                deliveries: [
                    ChannelDelivery(channel: .inApp, status: inApp, detail: nil),
                    ChannelDelivery(channel: .email, status: email, detail: emailDetail),
                ])
        }
    }

    /// Writes the notifications not written before (an event delivered twice writes them once),
    /// each with its queued email, in one transaction. Returns those written.
    func insert(_ notifications: [NewNotification]) async throws -> [NewNotification] {
        try await database.transaction { db in
            var written: [NewNotification] = []
            for n in notifications {
                let readAt = n.item.readAt
                let mailWrites: [SQLWrite] =
                    n.mail.map { mail in
                        [
                            .insert(
                                table: "notification_emails", columns: "notification_id, kind, address, subject, body, next_attempt_at, created_at",
                                rows: [[n.id, n.kind.rawValue, mail.address, mail.subject, mail.body, n.createdAt, n.createdAt]])
                        ]
                    } ?? []
                let row = try await db.runGated(
                    """
                    INSERT INTO notifications (id, recipient_id, kind, event_id, order_id, subject_id, title, body, created_at, read_at, in_app, email, email_detail)
                    VALUES (\(bind: n.id), \(bind: n.recipientID), \(bind: n.kind.rawValue), \(bind: n.eventID), \(bind: n.orderID), \(bind: n.subjectID),
                        \(bind: n.title), \(bind: n.body), \(bind: n.createdAt), \(bind: readAt), \(bind: n.inApp.rawValue), \(bind: n.email.rawValue),
                        \(bind: n.emailDetail))
                    ON CONFLICT DO NOTHING RETURNING id
                    """, then: mailWrites)
                if row != nil { written.append(n) }
            }
            return written
        }
    }

    /// A page of the feed, newest first (in the order written), before `cursor` (a `seq`); and
    /// the cursor of the next page.
    func page(recipientID: UUID, before cursor: Int64?, limit: Int) async throws -> (items: [ActivityItem], unread: Int, next: Int64?) {
        try await database.read { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: ItemRow.columns) FROM notifications WHERE recipient_id = \(bind: recipientID)")
            if let cursor {
                query.appendInterpolation(unsafeRaw: " AND seq < ")
                query.appendInterpolation(bind: cursor)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY seq DESC LIMIT ")
            query.appendInterpolation(bind: limit)
            let rows = try await db.raw(query).all(decoding: ItemRow.self)
            let unread = try await Self.unread(recipientID, on: db)
            return (rows.compactMap(\.item), unread, rows.count == limit ? rows.last?.seq : nil)
        }
    }

    private struct Count: Decodable { let n: Int64 }

    static func unread(_ recipientID: UUID, on db: any SQLDatabase) async throws -> Int {
        Int(
            try await db.raw(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM notifications WHERE recipient_id = \(bind: recipientID) AND read_at IS NULL"
            ).first(decoding: Count.self)?.n ?? 0)
    }

    /// Marks the recipient's notifications read: `ids`, or every one when nil. Others' ids are
    /// ignored. Returns how many stay unread.
    func markRead(recipientID: UUID, ids: [UUID]?, at: Date) async throws -> Int {
        try await database.transaction { db in
            var update = SQLQueryString(
                "UPDATE notifications SET read_at = \(bind: at) WHERE recipient_id = \(bind: recipientID) AND read_at IS NULL")
            if let ids {
                update.appendInterpolation(unsafeRaw: " AND id IN (")
                update.appendInterpolation(binds: ids)
                update.appendInterpolation(unsafeRaw: ")")
            }
            try await db.raw(update).run()
            return try await Self.unread(recipientID, on: db)
        }
    }

    // MARK: Preferences

    private struct PreferenceRow: Decodable {
        let kind: String
        let channels: String
    }

    func preferences(userID: UUID) async throws -> [NotificationKind: Set<NotificationChannel>] {
        let rows = try await database.read { db in
            try await db.raw("SELECT kind, channels FROM notification_preferences WHERE user_id = \(bind: userID)").all(decoding: PreferenceRow.self)
        }
        var result: [NotificationKind: Set<NotificationChannel>] = [:]
        for row in rows {
            guard let kind = NotificationKind(rawValue: row.kind) else { continue }
            result[kind] = Set(row.channels.split(separator: ",").compactMap { NotificationChannel(rawValue: String($0)) })
        }
        return result
    }

    func setPreferences(userID: UUID, _ preferences: [(NotificationKind, Set<NotificationChannel>)], at: Date) async throws {
        guard !preferences.isEmpty else { return }
        try await database.transaction { db in
            var upsert = SQLWrite.insert(
                table: "notification_preferences", columns: "user_id, kind, channels, updated_at",
                rows: preferences.map { kind, channels in
                    [userID, kind.rawValue, channels.map(\.rawValue).sorted().joined(separator: ","), at] as [any Encodable & Sendable]
                }
            ).statement
            upsert.appendInterpolation(
                unsafeRaw: " ON CONFLICT (user_id, kind) DO UPDATE SET channels = excluded.channels, updated_at = excluded.updated_at")
            try await db.raw(upsert).run()
        }
    }

    // MARK: Retention

    /// Deletes notifications written before `feedCutoff` (with their emails, whatever their
    /// state) and settled emails queued before `emailCutoff`, a bounded slice per statement.
    /// Returns how many of each it deleted.
    func prune(feedBefore feedCutoff: Date, emailsBefore emailCutoff: Date) async throws -> (notifications: Int, emails: Int) {
        let notifications = try await database.deleteInSlices(of: Self.pruneSlice) { db, size in
            let ids = try await db.raw(
                "SELECT id FROM notifications WHERE created_at < \(bind: feedCutoff) ORDER BY created_at LIMIT \(bind: size)"
            ).all(decoding: IDRow.self).map(\.id)
            guard !ids.isEmpty else { return 0 }
            try await db.raw("DELETE FROM notification_emails WHERE notification_id IN (\(binds: ids))").run()
            try await db.raw("DELETE FROM notifications WHERE id IN (\(binds: ids))").run()
            return ids.count
        }
        let emails = try await database.deleteInSlices(of: Self.pruneSlice) { db, size in
            try await db.raw(
                """
                DELETE FROM notification_emails WHERE notification_id IN (
                    SELECT notification_id FROM notification_emails
                    WHERE created_at < \(bind: emailCutoff) AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)
                    ORDER BY created_at LIMIT \(bind: size))
                RETURNING notification_id
                """
            ).all().count
        }
        return (notifications, emails)
    }

    static let pruneSlice = 1_000

    private struct IDRow: Decodable { let id: UUID }

    // MARK: The email queue

    struct QueuedEmail: Decodable, Sendable {
        let notificationID: UUID
        let kind: String
        let address: String
        let subject: String
        let body: String
        let attempts: Int64
        enum CodingKeys: String, CodingKey {
            case address, subject, body, attempts, kind
            case notificationID = "notification_id"
        }
    }

    /// Leases up to `limit` due emails (on PostgreSQL skipping those another instance holds).
    func claimEmails(now: Date, leaseUntil: Date, limit: Int) async throws -> [QueuedEmail] {
        let lock = database.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.write { db in
            try await db.raw(
                """
                UPDATE notification_emails SET leased_until = \(bind: leaseUntil)
                WHERE notification_id IN (
                    SELECT notification_id FROM notification_emails
                    WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(bind: now)
                        AND (leased_until IS NULL OR leased_until <= \(bind: now))
                    ORDER BY next_attempt_at LIMIT \(bind: limit)\(unsafeRaw: lock))
                RETURNING notification_id, kind, address, subject, body, attempts
                """
            ).all(decoding: QueuedEmail.self)
        }
    }

    func emailSent(_ id: UUID, at: Date) async throws {
        try await database.transaction { db in
            try await db.raw(
                "UPDATE notification_emails SET sent_at = \(bind: at), attempts = attempts + 1, leased_until = NULL, last_error = NULL WHERE notification_id = \(bind: id)"
            ).run()
            try await db.raw("UPDATE notifications SET email = 'delivered', email_detail = NULL WHERE id = \(bind: id)").run()
        }
    }

    /// Schedules another attempt, or (with `next` nil) marks the email failed — and the
    /// notification unread again, so the feed shows what could not be delivered.
    func emailFailed(_ id: UUID, attempts: Int64, error: String, next: Date?, at: Date) async throws {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE notification_emails SET attempts = \(bind: attempts), last_error = \(bind: error), leased_until = NULL,
                    next_attempt_at = \(bind: next ?? at), failed_at = \(bind: next == nil ? at : nil)
                WHERE notification_id = \(bind: id)
                """
            ).run()
            if next == nil {
                try await db.raw(
                    "UPDATE notifications SET email = 'failed', email_detail = \(bind: error), read_at = NULL WHERE id = \(bind: id)"
                ).run()
            } else {
                try await db.raw("UPDATE notifications SET email_detail = \(bind: error) WHERE id = \(bind: id)").run()
            }
        }
    }

    /// Puts an email back without counting an attempt (its destination's breaker is open).
    func emailPostponed(_ id: UUID, until: Date) async throws {
        try await database.write { db in
            try await db.raw(
                "UPDATE notification_emails SET next_attempt_at = \(bind: until), leased_until = NULL WHERE notification_id = \(bind: id)"
            ).run()
        }
    }
}
