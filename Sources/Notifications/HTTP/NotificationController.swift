public import Core
import Foundation
public import Hummingbird
public import TiffinHTTP

/// `/v1/me/activity` and `/v1/me/notification-preferences`: the signed-in user's own feed and
/// channels. Every route acts on the caller only, so there are no ids of others to try.
public struct NotificationController: Sendable {
    let service: NotificationService

    public init(service: NotificationService) {
        self.service = service
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        let me = router.group("v1/me", context: SignedInContext.self)
        me.get("activity", use: activity)
        me.post("activity/read", use: markRead)
        me.get("notification-preferences", use: preferences)
        me.put("notification-preferences", use: setPreferences)
        return router
    }

    @Sendable func activity(_ request: Request, context: SignedInContext) async throws -> ActivityPage {
        try await service.activity(
            userID: context.principal.userID, cursor: request.uri.queryParameters.get("cursor").map { String($0) },
            limit: try request.optionalQuery("limit", as: Int.self) ?? 20)
    }

    @Sendable func markRead(_ request: Request, context: SignedInContext) async throws -> UnreadCount {
        let body = try await request.decodeJSONIfPresent(as: MarkReadBody.self, context: context)
        return try await service.markRead(userID: context.principal.userID, ids: body?.ids)
    }

    @Sendable func preferences(_ request: Request, context: SignedInContext) async throws -> NotificationPreferences {
        try await service.preferences(of: context.principal)
    }

    @Sendable func setPreferences(_ request: Request, context: SignedInContext) async throws -> NotificationPreferences {
        let body = try await request.decodeJSON(as: PreferencesBody.self, context: context)
        return try await service.setPreferences(
            of: context.principal, body.preferences.map { NotificationPreference(kind: $0.kind, channels: $0.channels) })
    }
}

/// Which notifications to mark read: `ids`, or all of the caller's when left out.
struct MarkReadBody: ValidatedRequest, Codable, Sendable, SchemaConstrained {
    static let size = 1...500
    static let schemaConstraints: [String: SchemaConstraint] = ["ids": .items(size, "Left out: every notification")]
    let ids: [UUID]?

    func validate() throws {
        if let ids, !Self.size.contains(ids.count) { throw ValidationError(field: "ids", reason: "1 to 500 ids, or leave it out for all") }
    }
}

struct PreferenceChange: Codable, Sendable {
    let kind: NotificationKind
    /// Empty: the kind is kept in the feed only, read (not for kinds that must not be missed).
    let channels: [NotificationChannel]
}

struct PreferencesBody: ValidatedRequest, Codable, Sendable, SchemaConstrained {
    static let size = 1...NotificationKind.allCases.count
    static let schemaConstraints: [String: SchemaConstraint] = ["preferences": .items(size)]
    let preferences: [PreferenceChange]

    func validate() throws {
        guard Self.size.contains(preferences.count) else {
            throw ValidationError(field: "preferences", reason: "1 to \(Self.size.upperBound) kinds")
        }
        var seen = Set<NotificationKind>()
        for (index, change) in preferences.enumerated() where !seen.insert(change.kind).inserted {
            throw ValidationError(field: "preferences.\(index).kind", reason: "named twice")
        }
    }
}

extension ActivityPage: ResponseEncodable {}
extension UnreadCount: ResponseEncodable {}
extension NotificationPreferences: ResponseEncodable {}
extension NotificationKind: SchemaEnumeration {}
extension NotificationChannel: SchemaEnumeration {}
extension ChannelStatus: SchemaEnumeration {}
