public import Core
public import Events
public import Foundation
public import Logging
import Metrics
public import Storage

/// Who hears what, and the activity feed: turns domain events into notifications, keeps every
/// one in its recipient's feed, pushes it to their open live connections, and queues its email
/// (sent by `EmailSender`). Preferences decide the channels per kind; the feed keeps everything.
///
/// Idempotent per (event, recipient, kind): an event delivered twice by the relay notifies once.
/// It does not send email itself, so a dead SMTP server never slows the relay.
public struct NotificationService: Sendable {
    public static let migrations = NotificationStore.migrations

    let store: NotificationStore
    let directory: any RecipientDirectory
    let clock: any WallClock
    let push: any LivePush
    /// Whether email can be sent at all (SMTP configured).
    let emailEnabled: Bool
    let mailQueued: Doorbell
    let logger: Logger

    public init(
        database: any Database, directory: any RecipientDirectory, clock: any WallClock, push: any LivePush, emailEnabled: Bool,
        mailQueued: Doorbell = Doorbell(), logger: Logger
    ) {
        self.store = NotificationStore(database: database)
        self.directory = directory
        self.clock = clock
        self.push = push
        self.emailEnabled = emailEnabled
        self.mailQueued = mailQueued
        self.logger = logger
    }

    /// The outbox event types that notify someone.
    public static var eventTypes: Set<EventType> { NotificationComposer.eventTypes }

    /// Notifies everyone `event` concerns (the relay's `notifications` consumer).
    public func handle(_ event: DomainEvent) async throws {
        let drafts = try await NotificationComposer(directory: directory).drafts(for: event)
        try await notify(drafts, eventID: event.id)
    }

    /// Writes, pushes and queues `drafts`, once per (eventID, recipient, kind).
    public func notify(_ drafts: [NotificationDraft], eventID: UUID) async throws {
        guard !drafts.isEmpty else { return }
        let now = clock.now()
        var rows: [NotificationStore.NewNotification] = []
        for draft in drafts {
            let wanted = try await store.preferences(userID: draft.recipientID)[draft.kind] ?? draft.kind.defaultChannels
            var email: ChannelStatus = wanted.contains(.email) ? .pending : .off
            var detail: String?
            var mail: (String, String, String)?
            if email == .pending && !emailEnabled {
                email = .unavailable
                detail = "email is not configured on this server"
            } else if email == .pending {
                if let contact = try await directory.contact(userID: draft.recipientID) {
                    mail = (contact.email, draft.title, Self.emailBody(draft, name: contact.name))
                } else {
                    email = .unavailable
                    detail = "the account has no email address"
                }
            }
            // A kind that must not be missed keeps its in-app push when email cannot go out.
            let inApp = wanted.contains(.inApp) || (draft.kind.requiresAChannel && email != .pending)
            rows.append(
                .init(
                    id: .timeOrdered(at: now), recipientID: draft.recipientID, kind: draft.kind, eventID: eventID, orderID: draft.orderID,
                    subjectID: draft.subjectID, title: draft.title, body: draft.body, createdAt: now,
                    inApp: inApp ? .delivered : .off, email: email, emailDetail: detail, mail: mail))
        }
        let written = try await store.insert(rows)
        for n in written {
            Self.count(n.kind, .inApp, n.inApp.rawValue)
            if n.email != .off { Self.count(n.kind, .email, n.email == .pending ? "queued" : n.email.rawValue) }
            if n.inApp == .delivered { push.push(n.item, to: n.recipientID) }
        }
        if written.contains(where: { $0.mail != nil }) { mailQueued.ring() }
    }

    /// The plain-text email of a notification: the kind's template, a greeting and a footer that
    /// says why it came and how to stop it.
    static func emailBody(_ draft: NotificationDraft, name: String) -> String {
        """
        Hello \(name),

        \(draft.body)
        \(draft.orderID.map { "\nOrder: \($0.uuidString.lowercased())\n" } ?? "")
        --
        Tiffin. You receive this email because of your notification preferences for "\(draft.kind.rawValue)";
        change them in the app or with PUT /v1/me/notification-preferences.
        """
    }

    static func count(_ kind: NotificationKind, _ channel: NotificationChannel, _ outcome: String) {
        Counter(label: "tiffin_notifications_total", dimensions: [("kind", kind.rawValue), ("channel", channel.rawValue), ("outcome", outcome)])
            .increment()
    }

    // MARK: The feed

    /// The caller's notifications, newest first, `limit` per page, with the unread count.
    public func activity(userID: UUID, cursor: String?, limit: Int) async throws -> ActivityPage {
        try Paging.check(limit: limit)
        let before = try Paging.cursor(cursor) { Int64($0) }
        let (items, unread, next) = try await store.page(recipientID: userID, before: before, limit: limit)
        return ActivityPage(items: items, unreadCount: unread, nextCursor: next.map(String.init))
    }

    /// Marks the caller's notifications read (`ids`, or all when nil); ids of others' are ignored.
    public func markRead(userID: UUID, ids: [UUID]?) async throws -> UnreadCount {
        UnreadCount(unreadCount: try await store.markRead(recipientID: userID, ids: ids, at: clock.now()))
    }

    // MARK: Retention

    /// Deletes notifications older than `feed` (a recipient's activity keeps that long) and
    /// sent or failed emails older than `emails` (the feed keeps their outcome).
    public func prune(feed: TimeInterval, emails: TimeInterval) async throws {
        let now = clock.now()
        let deleted = try await store.prune(feedBefore: now.addingTimeInterval(-feed), emailsBefore: now.addingTimeInterval(-emails))
        if deleted.notifications + deleted.emails > 0 {
            logger.info("notifications pruned", metadata: ["notifications": "\(deleted.notifications)", "emails": "\(deleted.emails)"])
        }
    }

    // MARK: Preferences

    /// Every kind the caller's role receives, with the channels in force.
    public func preferences(of principal: Principal) async throws -> NotificationPreferences {
        let chosen = try await store.preferences(userID: principal.userID)
        return NotificationPreferences(
            preferences: NotificationKind.kinds(for: principal.role).map { kind in
                NotificationPreference(
                    kind: kind, channels: (chosen[kind] ?? kind.defaultChannels).sorted { $0.rawValue < $1.rawValue },
                    required: kind.requiresAChannel)
            })
    }

    /// Sets the channels of the kinds named (others keep theirs). A kind not sent to the
    /// caller's role, or a required kind left with no channel, refuses the whole change.
    public func setPreferences(of principal: Principal, _ changes: [NotificationPreference]) async throws -> NotificationPreferences {
        var updates: [(NotificationKind, Set<NotificationChannel>)] = []
        for (index, change) in changes.enumerated() {
            guard change.kind.audience.contains(principal.role) else {
                throw NotificationsError.kindNotForRole(kind: change.kind.rawValue, role: principal.role.rawValue, index: index)
            }
            if change.kind.requiresAChannel && change.channels.isEmpty {
                throw NotificationsError.channelRequired(kind: change.kind.rawValue, index: index)
            }
            updates.append((change.kind, Set(change.channels)))
        }
        try await store.setPreferences(userID: principal.userID, updates, at: clock.now())
        return try await preferences(of: principal)
    }
}
