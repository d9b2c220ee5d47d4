import Core
import Foundation
public import TiffinHTTP

enum NotificationExamples {
    static let at = Date(timeIntervalSince1970: 1_795_285_800)
    static let orderID = UUID(uuidString: "01A1F2C3-0000-7000-8000-0000000000A1")!
    static let item = ActivityItem(
        id: UUID(uuidString: "01A1F2C3-0000-7000-8000-0000000000B2")!, kind: .orderAccepted, title: "Forno Rosenthaler accepted your order",
        body: "Your order is being prepared. Estimated delivery in about 35 minutes, around 19:05 UTC.", orderID: orderID, subjectID: nil,
        createdAt: at, readAt: nil,
        deliveries: [ChannelDelivery(channel: .inApp, status: .delivered, detail: nil), ChannelDelivery(channel: .email, status: .off, detail: nil)])
    static let endpointID = UUID(uuidString: "7F1E0C1A-5B7B-4D6B-9E51-3C0A4C7F0E11")!
    static let endpoint = WebhookEndpoint(
        id: endpointID, url: "https://pos.example.com/tiffin/hooks", description: "Kitchen printer",
        eventTypes: ["order.cancelled", "order.confirmed"],
        restaurantID: UUID(uuidString: "C7504AB2-830C-4019-8A6E-B0046771F040")!, status: .enabled, disabledReason: nil, consecutiveFailures: 0,
        createdAt: at, previousSecretExpiresAt: nil)
    static let secret = WebhookSecret(endpoint: endpoint, secret: "whsec_" + String(repeating: "3f", count: 32))
    static let delivery = WebhookDelivery(
        id: UUID(uuidString: "01A1F2C3-0000-7000-8000-0000000000D4")!, endpointID: endpointID,
        eventID: UUID(uuidString: "01A1F2C3-0000-7000-8000-0000000000E5")!, eventType: "order.confirmed", status: .succeeded, attempts: 1,
        createdAt: at, nextAttemptAt: nil, deliveredAt: at.addingTimeInterval(0.2), lastStatusCode: 200, lastError: nil)
}

/// The documented routes of `NotificationController`.
extension NotificationController {
    public static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/me/activity", summary: "The caller's activity feed: every notification they were sent, newest first, with the unread count",
            tag: "Notifications", roles: Role.allCases,
            query: [
                .init("cursor", "string", required: false, "`nextCursor` of the previous page"),
                .init("limit", "integer", required: false, "Page size (default 20)", minimum: 1, maximum: 100),
            ],
            response: .json(ActivityPage(items: [NotificationExamples.item], unreadCount: 1, nextCursor: nil)), errors: [401, 422]),
        APIOperation(
            .post, "/v1/me/activity/read", summary: "Mark notifications read: the ids given, or all of the caller's (body optional)",
            tag: "Notifications", roles: Role.allCases, request: .json(MarkReadBody(ids: [NotificationExamples.item.id]), optional: true),
            response: .json(UnreadCount(unreadCount: 0)), errors: [400, 401, 422]),
        APIOperation(
            .get, "/v1/me/notification-preferences",
            summary: "The channels of every kind of notification the caller's role receives (the feed keeps every one regardless)",
            tag: "Notifications", roles: Role.allCases,
            response: .json(
                NotificationPreferences(preferences: [
                    NotificationPreference(kind: .orderAccepted, channels: [.inApp], required: false),
                    NotificationPreference(kind: .orderDelivered, channels: [.email, .inApp], required: false),
                ])), errors: [401]),
        APIOperation(
            .put, "/v1/me/notification-preferences",
            summary: "Choose the channels of the kinds named (others keep theirs); a restaurant's new orders cannot be switched off everywhere",
            tag: "Notifications", roles: Role.allCases,
            request: .json(PreferencesBody(preferences: [PreferenceChange(kind: .orderAccepted, channels: [.inApp, .email])])),
            response: .json(
                NotificationPreferences(preferences: [NotificationPreference(kind: .orderAccepted, channels: [.email, .inApp], required: false)])),
            errors: [400, 401, 422]),
    ]
}

/// The documented routes of `WebhookController`.
extension WebhookController {
    static let roles: [Role] = [.staff, .operator]
    public static let operations: [APIOperation] = [
        APIOperation(
            .post, "/v1/webhooks",
            summary: "Register an endpoint for event types (restaurants: their own orders; operators: all). The signing secret is shown only here",
            tag: "Webhooks", roles: roles,
            request: .json(
                CreateWebhookBody(
                    url: "https://pos.example.com/tiffin/hooks", eventTypes: ["order.confirmed", "order.cancelled"], description: "Kitchen printer")),
            status: 201, response: .json(NotificationExamples.secret), errors: [400, 401, 403, 409, 422]),
        APIOperation(
            .get, "/v1/webhooks", summary: "The caller's endpoints (operators: every endpoint)", tag: "Webhooks", roles: roles,
            response: .json(WebhookEndpointList(endpoints: [NotificationExamples.endpoint])), errors: [401, 403]),
        APIOperation(
            .get, "/v1/webhooks/:webhookID", summary: "One endpoint", tag: "Webhooks", roles: roles,
            response: .json(NotificationExamples.endpoint), errors: [401, 403, 404]),
        APIOperation(
            .patch, "/v1/webhooks/:webhookID", summary: "Change the URL, event types or description; disable it, or enable it again",
            tag: "Webhooks", roles: roles, request: .json(UpdateWebhookBody(url: nil, eventTypes: nil, description: nil, enabled: true)),
            response: .json(NotificationExamples.endpoint), errors: [400, 401, 403, 404, 422]),
        APIOperation(
            .delete, "/v1/webhooks/:webhookID", summary: "Remove an endpoint and its delivery log", tag: "Webhooks", roles: roles, status: 204,
            errors: [401, 403, 404]),
        APIOperation(
            .post, "/v1/webhooks/:webhookID/rotate-secret",
            summary: "A new signing secret, shown once; the previous one keeps signing beside it for `overlapSeconds` (body optional)",
            tag: "Webhooks", roles: roles, request: .json(RotateSecretBody(overlapSeconds: 3_600), optional: true),
            response: .json(NotificationExamples.secret), errors: [400, 401, 403, 404, 409, 422]),
        APIOperation(
            .post, "/v1/webhooks/:webhookID/ping", summary: "Send a signed `webhook.ping` now, to test the receiver", tag: "Webhooks", roles: roles,
            status: 202, response: .json(NotificationExamples.delivery), errors: [401, 403, 404, 409]),
        APIOperation(
            .get, "/v1/webhooks/:webhookID/deliveries", summary: "The endpoint's deliveries, newest first", tag: "Webhooks", roles: roles,
            query: [
                .init("cursor", "string", required: false, "`nextCursor` of the previous page"),
                .init("limit", "integer", required: false, "Page size (default 20)", minimum: 1, maximum: 100),
            ],
            response: .json(WebhookDeliveryPage(deliveries: [NotificationExamples.delivery], nextCursor: nil)), errors: [401, 403, 404, 422]),
        APIOperation(
            .get, "/v1/webhooks/:webhookID/deliveries/:deliveryID", summary: "A delivery: its exact body and every attempt (status, latency, answer)",
            tag: "Webhooks", roles: roles,
            response: .json(
                WebhookDeliveryDetail(
                    delivery: NotificationExamples.delivery, body: #"{"id":"…","type":"order.confirmed","createdAt":"…","data":{}}"#,
                    attempts: [
                        WebhookAttempt(
                            attemptedAt: NotificationExamples.at, statusCode: 200, latencyMilliseconds: 184, responseExcerpt: "ok", error: nil)
                    ])), errors: [401, 403, 404]),
        APIOperation(
            .post, "/v1/webhooks/:webhookID/deliveries/:deliveryID/redeliver",
            summary: "Send a delivery again (same event id and body), with a fresh 24-hour retry window", tag: "Webhooks", roles: roles,
            status: 202, response: .json(NotificationExamples.delivery), errors: [401, 403, 404, 409]),
    ]
}
