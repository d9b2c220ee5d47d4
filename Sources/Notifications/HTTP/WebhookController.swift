public import Core
import Foundation
public import Hummingbird
public import TiffinHTTP

/// `/v1/webhooks`: restaurants' and operators' endpoints, their deliveries and attempts.
public struct WebhookController: Sendable {
    let service: WebhookService

    public init(service: WebhookService) {
        self.service = service
    }

    typealias Context = Authenticated<StaffOrOperatorRole>

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        let hooks = router.group("v1/webhooks", context: Context.self)
        hooks.post(use: create)
        hooks.get(use: list)
        hooks.get(":webhookID", use: get)
        hooks.patch(":webhookID", use: update)
        hooks.delete(":webhookID", use: delete)
        hooks.post(":webhookID/rotate-secret", use: rotate)
        hooks.post(":webhookID/ping", use: ping)
        hooks.get(":webhookID/deliveries", use: deliveries)
        hooks.get(":webhookID/deliveries/:deliveryID", use: delivery)
        hooks.post(":webhookID/deliveries/:deliveryID/redeliver", use: redeliver)
        return router
    }

    private func id(_ context: Context) throws -> UUID { try context.uuidParameter("webhookID", entity: "webhook endpoint") }
    private func deliveryID(_ context: Context) throws -> UUID { try context.uuidParameter("deliveryID", entity: "delivery") }

    @Sendable func create(_ request: Request, context: Context) async throws -> JSONResponse<WebhookSecret> {
        let body = try await request.decodeJSON(as: CreateWebhookBody.self, context: context)
        let created = try await service.create(by: context.principal, url: body.url, eventTypes: body.eventTypes, description: body.description)
        return JSONResponse(status: .created, created, location: "/v1/webhooks/\(created.endpoint.id.uuidString.lowercased())")
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> WebhookEndpointList {
        try await service.list(by: context.principal)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> WebhookEndpoint {
        try await service.endpoint(try id(context), by: context.principal)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> WebhookEndpoint {
        let body = try await request.decodeJSON(as: UpdateWebhookBody.self, context: context)
        return try await service.update(
            try id(context), by: context.principal, url: body.url, eventTypes: body.eventTypes, description: body.description,
            enabled: body.enabled)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        try await service.delete(try id(context), by: context.principal)
        return Response(status: .noContent)
    }

    @Sendable func rotate(_ request: Request, context: Context) async throws -> WebhookSecret {
        let body = try await request.decodeJSONIfPresent(as: RotateSecretBody.self, context: context)
        return try await service.rotateSecret(try id(context), by: context.principal, overlap: body?.overlapSeconds.map(TimeInterval.init))
    }

    @Sendable func ping(_ request: Request, context: Context) async throws -> JSONResponse<WebhookDelivery> {
        JSONResponse(status: .accepted, try await service.ping(try id(context), by: context.principal))
    }

    @Sendable func deliveries(_ request: Request, context: Context) async throws -> WebhookDeliveryPage {
        try await service.deliveries(
            try id(context), by: context.principal, cursor: request.uri.queryParameters.get("cursor").map { String($0) },
            limit: try request.optionalQuery("limit", as: Int.self) ?? 20)
    }

    @Sendable func delivery(_ request: Request, context: Context) async throws -> WebhookDeliveryDetail {
        try await service.delivery(try id(context), try deliveryID(context), by: context.principal)
    }

    @Sendable func redeliver(_ request: Request, context: Context) async throws -> JSONResponse<WebhookDelivery> {
        JSONResponse(status: .accepted, try await service.redeliver(try id(context), try deliveryID(context), by: context.principal))
    }
}

struct CreateWebhookBody: ValidatedRequest, Codable, Sendable, SchemaConstrained {
    static let typeCount = 1...50
    static let schemaConstraints: [String: SchemaConstraint] = [
        "url": SchemaConstraint(maxLength: 2_000, description: "https, on a public address (see the webhooks documentation)"),
        "eventTypes": .items(typeCount, "Event types to receive"),
        "description": SchemaConstraint(maxLength: 200),
    ]
    let url: String
    let eventTypes: [String]
    let description: String?

    func validate() throws { try Self.check(url: url, eventTypes: eventTypes, description: description) }

    /// The limits of an endpoint's fields, for creating and changing one alike.
    static func check(url: String?, eventTypes: [String]?, description: String?) throws {
        if let url, TextSafetyRules.length(url) > 2_000 { throw ValidationError(field: "url", reason: "at most 2,000 characters") }
        if let eventTypes, !typeCount.contains(eventTypes.count) {
            throw ValidationError(field: "eventTypes", reason: "1 to 50 event types")
        }
        if let description, TextSafetyRules.length(description) > 200 {
            throw ValidationError(field: "description", reason: "at most 200 characters")
        }
    }
}

struct UpdateWebhookBody: ValidatedRequest, Codable, Sendable, SchemaConstrained {
    static let schemaConstraints: [String: SchemaConstraint] = [
        "url": SchemaConstraint(maxLength: 2_000), "eventTypes": .items(CreateWebhookBody.typeCount),
        "description": SchemaConstraint(maxLength: 200), "enabled": SchemaConstraint(description: "false disables it; true enables it again"),
    ]
    let url: String?
    let eventTypes: [String]?
    let description: String?
    let enabled: Bool?

    func validate() throws { try CreateWebhookBody.check(url: url, eventTypes: eventTypes, description: description) }
}

struct RotateSecretBody: ValidatedRequest, Codable, Sendable, SchemaConstrained {
    static let overlap = 0...(7 * 86_400)
    static let schemaConstraints: [String: SchemaConstraint] = [
        "overlapSeconds": .range(overlap, "How long the previous secret keeps signing too (default 86,400)")
    ]
    let overlapSeconds: Int?

    func validate() throws {
        if let overlapSeconds, !Self.overlap.contains(overlapSeconds) {
            throw ValidationError(field: "overlapSeconds", reason: "0 to 604,800 seconds")
        }
    }
}

extension WebhookEndpoint: ResponseEncodable {}
extension WebhookEndpointList: ResponseEncodable {}
extension WebhookSecret: ResponseEncodable {}
extension WebhookDelivery: ResponseEncodable {}
extension WebhookDeliveryPage: ResponseEncodable {}
extension WebhookDeliveryDetail: ResponseEncodable {}
extension WebhookEndpoint.Status: SchemaEnumeration {}
extension WebhookDelivery.Status: SchemaEnumeration {}
