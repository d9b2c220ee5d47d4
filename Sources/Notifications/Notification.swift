public import Core
public import Foundation

/// How one channel fared with one notification.
public enum ChannelStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting to be sent, or being retried.
    case pending
    case delivered
    /// Every retry failed (or the receiving side refused it for good): kept, and shown here.
    case failed
    /// The recipient switched this channel off for this kind.
    case off
    /// Wanted, but the server has no SMTP configured (or the account no address).
    case unavailable
}

public struct ChannelDelivery: Codable, Sendable, Equatable {
    public let channel: NotificationChannel
    public let status: ChannelStatus
    /// Why it failed or is unavailable.
    public let detail: String?
}

/// One entry of a user's activity feed: every notification they were sent, whatever the channels.
public struct ActivityItem: Codable, Sendable, Equatable {
    public let id: UUID
    public let kind: NotificationKind
    public let title: String
    public let body: String
    public let orderID: UUID?
    /// The offer, refund, payment or webhook endpoint it is about, when there is one.
    public let subjectID: UUID?
    public let createdAt: Date
    public let readAt: Date?
    public let deliveries: [ChannelDelivery]
}

/// A page of the feed, newest first.
public struct ActivityPage: Codable, Sendable {
    public let items: [ActivityItem]
    public let unreadCount: Int
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    public let nextCursor: String?
}

/// The result of marking notifications read.
public struct UnreadCount: Codable, Sendable {
    public let unreadCount: Int
}

/// Which channels a user wants for one kind.
public struct NotificationPreference: Codable, Sendable, Equatable {
    public let kind: NotificationKind
    public let channels: [NotificationChannel]
    /// This kind must keep at least one channel.
    public let required: Bool?

    public init(kind: NotificationKind, channels: [NotificationChannel], required: Bool? = nil) {
        self.kind = kind
        self.channels = channels
        self.required = required
    }
}

public struct NotificationPreferences: Codable, Sendable {
    public let preferences: [NotificationPreference]
}

public enum NotificationsError: DomainError, Equatable {
    case kindNotForRole(kind: String, role: String, index: Int)
    case channelRequired(kind: String, index: Int)

    public var problem: ProblemDescription {
        switch self {
        case .kindNotForRole(let kind, let role, let index):
            ProblemDescription(
                kind: .unprocessable, type: "invalid-field", title: "Invalid field",
                detail: "preferences.\(index).kind: \(kind) is not sent to a \(role) account", field: "preferences.\(index).kind")
        case .channelRequired(let kind, let index):
            ProblemDescription(
                kind: .unprocessable, type: "invalid-field", title: "Invalid field",
                detail: "preferences.\(index).channels: \(kind) must not be missed; keep at least one channel", field: "preferences.\(index).channels"
            )
        }
    }
}
