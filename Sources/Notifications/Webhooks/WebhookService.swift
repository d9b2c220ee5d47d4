public import Core
public import Events
public import Foundation
public import Logging
import Outbound
public import Storage

/// Partner webhooks: endpoints registered by restaurants (for their own orders) and operators
/// (for all), the queue of signed deliveries, its log, redelivery and test pings. Sending is
/// `WebhookSender`'s: this type only writes.
///
/// Authorisation is here, not in the handler: staff reach only the endpoints they registered;
/// operators reach all. An endpoint of someone else reads as not found.
public struct WebhookService: Sendable {
    public struct Settings: Sendable {
        /// Allow endpoints on loopback and private networks, and plain http (development and
        /// tests only; the server-side request forgery guard is off for them).
        public var allowPrivateNetworks = false
        /// How long a delivery is retried before it is marked failed.
        public var retryWindow: TimeInterval = 24 * 3600
        public var maximumEndpointsPerOwner = 20
        /// The previous secret keeps signing this long after a rotation, unless told otherwise.
        public var defaultOverlap: TimeInterval = 24 * 3600
        public init() {}
    }

    public static let migrations = WebhookStore.migrations
    static let pingType = "webhook.ping"

    let store: WebhookStore
    let directory: any RecipientDirectory
    let clock: any WallClock
    let settings: Settings
    let queued: Doorbell
    let logger: Logger

    public init(
        database: any Database, directory: any RecipientDirectory, clock: any WallClock, settings: Settings, queued: Doorbell, logger: Logger
    ) {
        self.store = WebhookStore(database: database)
        self.directory = directory
        self.clock = clock
        self.settings = settings
        self.queued = queued
        self.logger = logger
    }

    /// The event types an endpoint may choose.
    public static let eventTypes: [String] = EventType.all.map(\.type.rawValue).sorted()

    var policy: DestinationPolicy { DestinationPolicy(allowPrivateNetworks: settings.allowPrivateNetworks) }

    // MARK: Endpoints

    func validate(url: String, field: String = "url") throws -> URL {
        guard TextSafetyRules.length(url) <= 2_000, let parsed = URL(string: url), parsed.scheme != nil, parsed.host != nil else {
            throw ValidationError(field: field, reason: "must be an absolute http(s) URL of at most 2,000 characters")
        }
        do { try policy.validate(parsed) } catch {
            throw ValidationError(field: field, reason: "refused: \(error)")
        }
        if !settings.allowPrivateNetworks && parsed.scheme?.lowercased() != "https" {
            throw ValidationError(field: field, reason: "must use https")
        }
        return parsed
    }

    func validate(eventTypes: [String]) throws -> [String] {
        guard !eventTypes.isEmpty else { throw ValidationError(field: "eventTypes", reason: "choose at least one event type") }
        for (index, type) in eventTypes.enumerated() where !Self.eventTypes.contains(type) {
            throw ValidationError(field: "eventTypes.\(index)", reason: "'\(type)' is not an event type; see the webhooks documentation")
        }
        return Array(Set(eventTypes)).sorted()
    }

    /// The restaurant a staff member's endpoints hear; nil for an operator (everything).
    private func scope(of principal: Principal) async throws -> UUID? {
        switch principal.role {
        case .operator: return nil
        case .staff:
            guard let restaurantID = try await directory.restaurantID(ownedBy: principal.userID) else {
                throw ForbiddenError("register a restaurant before its webhooks")
            }
            return restaurantID
        case .customer, .courier: throw ForbiddenError("webhooks are for restaurants and operators")
        }
    }

    public func create(by principal: Principal, url: String, eventTypes: [String], description: String?) async throws -> WebhookSecret {
        let restaurantID = try await scope(of: principal)
        let parsed = try validate(url: url)
        let types = try validate(eventTypes: eventTypes)
        let id = UUID()
        let secret = WebhookSignature.makeSecret()
        let now = clock.now()
        guard
            try await store.insert(
                id: id, ownerID: principal.userID, restaurantID: restaurantID, url: parsed.absoluteString, description: description,
                eventTypes: types, secret: secret, at: now, limit: settings.maximumEndpointsPerOwner)
        else { throw WebhookError.tooManyEndpoints(limit: settings.maximumEndpointsPerOwner) }
        logger.info("webhook endpoint registered", metadata: ["endpoint.id": "\(id)", "owner.id": "\(principal.userID)"])
        return WebhookSecret(endpoint: try await owned(id, by: principal).endpoint(now: now), secret: secret)
    }

    /// The endpoint, if the caller may reach it.
    func owned(_ id: UUID, by principal: Principal) async throws -> WebhookStore.EndpointRow {
        guard principal.role == .operator || principal.role == .staff else { throw ForbiddenError("webhooks are for restaurants and operators") }
        guard let row = try await store.endpoint(id: id), principal.role == .operator || row.ownerID == principal.userID else {
            throw NotFoundError(entity: "webhook endpoint", id: id.uuidString)
        }
        return row
    }

    public func list(by principal: Principal) async throws -> WebhookEndpointList {
        _ = try await scope(of: principal)
        let now = clock.now()
        let rows = try await store.endpoints(ownerID: principal.role == .operator ? nil : principal.userID)
        return WebhookEndpointList(endpoints: rows.map { $0.endpoint(now: now) })
    }

    public func endpoint(_ id: UUID, by principal: Principal) async throws -> WebhookEndpoint {
        try await owned(id, by: principal).endpoint(now: clock.now())
    }

    public func update(
        _ id: UUID, by principal: Principal, url: String?, eventTypes: [String]?, description: String?, enabled: Bool?
    ) async throws -> WebhookEndpoint {
        let row = try await owned(id, by: principal)
        let newURL = try url.map { try validate(url: $0).absoluteString } ?? row.url
        let types = try eventTypes.map(validate(eventTypes:)) ?? row.types
        let status = enabled.map { $0 ? "enabled" : "disabled" } ?? row.status
        try await store.update(id: id, url: newURL, description: description ?? row.description, eventTypes: types, status: status, at: clock.now())
        if status == "enabled" && row.status != "enabled" { queued.ring() }
        return try await endpoint(id, by: principal)
    }

    public func delete(_ id: UUID, by principal: Principal) async throws {
        _ = try await owned(id, by: principal)
        try await store.delete(id: id)
    }

    /// A new secret, shown once; the old one keeps signing (beside it) for `overlap` seconds.
    public func rotateSecret(_ id: UUID, by principal: Principal, overlap: TimeInterval?) async throws -> WebhookSecret {
        let row = try await owned(id, by: principal)
        let now = clock.now()
        // Rotating again would drop the previous secret before the time it was promised.
        func overlapping(_ until: Date) -> ConflictError {
            ConflictError(
                type: "rotation-overlapping", detail: "the previous secret signs until \(TiffinJSON.format(until)); rotate again after that")
        }
        if let until = row.previousSecretExpiresAt, until > now { throw overlapping(until) }
        let secret = WebhookSignature.makeSecret()
        let until = now.addingTimeInterval(overlap ?? settings.defaultOverlap)
        // Another rotation may have won since the row was read.
        guard try await store.rotate(id: id, secret: secret, previousUntil: until, at: now) else {
            throw overlapping(try await store.endpoint(id: id)?.previousSecretExpiresAt ?? until)
        }
        return WebhookSecret(endpoint: try await endpoint(id, by: principal), secret: secret)
    }

    /// Queues a `webhook.ping` to the endpoint, signed like any delivery.
    public func ping(_ id: UUID, by principal: Principal) async throws -> WebhookDelivery {
        let row = try await owned(id, by: principal)
        guard row.status == "enabled" else { throw WebhookError.endpointDisabled }
        let now = clock.now()
        let eventID = UUID.timeOrdered(at: now)
        let deliveryID = UUID.timeOrdered(at: now)
        let data = String(decoding: try TiffinJSON.encoder.encode(["endpointID": id]), as: UTF8.self)
        try await store.enqueue(
            [.init(id: deliveryID, endpointID: id, eventID: eventID, eventType: Self.pingType, body: Self.body(eventID, Self.pingType, now, data))],
            at: now, giveUpAt: now.addingTimeInterval(settings.retryWindow))
        queued.ring()
        guard let delivery = try await store.delivery(id: deliveryID) else { throw NotFoundError(entity: "delivery", id: deliveryID.uuidString) }
        return delivery.delivery
    }

    // MARK: Deliveries

    public func deliveries(_ id: UUID, by principal: Principal, cursor: String?, limit: Int) async throws -> WebhookDeliveryPage {
        _ = try await owned(id, by: principal)
        try Paging.check(limit: limit)
        let before = try Paging.cursor(cursor) { UUID(uuidString: $0) }
        let rows = try await store.deliveries(endpointID: id, before: before, limit: limit)
        return WebhookDeliveryPage(deliveries: rows.map(\.delivery), nextCursor: rows.count == limit ? rows.last?.id.uuidString : nil)
    }

    private func ownedDelivery(_ id: UUID, _ deliveryID: UUID, by principal: Principal) async throws -> WebhookStore.DeliveryRow {
        let endpoint = try await owned(id, by: principal)
        guard let row = try await store.delivery(id: deliveryID), row.endpointID == endpoint.id else {
            throw NotFoundError(entity: "delivery", id: deliveryID.uuidString)
        }
        return row
    }

    public func delivery(_ id: UUID, _ deliveryID: UUID, by principal: Principal) async throws -> WebhookDeliveryDetail {
        let row = try await ownedDelivery(id, deliveryID, by: principal)
        return WebhookDeliveryDetail(delivery: row.delivery, body: row.body, attempts: try await store.attempts(deliveryID: deliveryID))
    }

    /// Sends a delivery again (the same event id and body), whatever became of it.
    public func redeliver(_ id: UUID, _ deliveryID: UUID, by principal: Principal) async throws -> WebhookDelivery {
        let endpoint = try await owned(id, by: principal)
        guard endpoint.status == "enabled" else { throw WebhookError.endpointDisabled }
        _ = try await ownedDelivery(id, deliveryID, by: principal)
        let now = clock.now()
        guard try await store.redeliver(deliveryID: deliveryID, at: now, giveUpAt: now.addingTimeInterval(settings.retryWindow)) else {
            throw ConflictError(type: "delivery-in-flight", detail: "the delivery is being sent right now; try again in a minute")
        }
        queued.ring()
        return try await ownedDelivery(id, deliveryID, by: principal).delivery
    }

    // MARK: From the outbox

    /// The JSON body of a delivery: the event's id, type and time, and its payload as `data`.
    static func body(_ eventID: UUID, _ type: String, _ at: Date, _ data: String) -> String {
        #"{"id":"\#(eventID.uuidString.lowercased())","type":"\#(type)","createdAt":"\#(TiffinJSON.format(at))","data":\#(data)}"#
    }

    private struct Routing: Decodable {
        let orderID: UUID?
        let restaurantID: UUID?
    }

    /// Queues `event` for every enabled endpoint that chose its type and may see it (the
    /// relay's `webhooks` consumer). Idempotent per (endpoint, event). With no endpoint for the
    /// type it costs one read; the order is read (for its restaurant) only when a restaurant's
    /// endpoint might hear it and the payload does not say the restaurant.
    public func enqueue(_ event: DomainEvent) async throws {
        let routing = try TiffinJSON.decoder.decode(Routing.self, from: event.payload)
        var restaurantID = routing.restaurantID
        let candidates = try await store.listeners(restaurantID: restaurantID).filter { $0.types.contains(event.type.rawValue) }
        guard !candidates.isEmpty else { return }
        if restaurantID == nil, candidates.contains(where: { $0.restaurantID != nil }), let orderID = routing.orderID {
            restaurantID = try await directory.order(orderID)?.restaurantID
        }
        let listeners = candidates.filter { $0.restaurantID == nil || $0.restaurantID == restaurantID }
        guard !listeners.isEmpty else { return }
        let now = clock.now()
        let body = Self.body(event.id, event.type.rawValue, event.occurredAt, String(decoding: event.payload, as: UTF8.self))
        let new = try await store.enqueue(
            listeners.map { .init(id: .timeOrdered(at: now), endpointID: $0.id, eventID: event.id, eventType: event.type.rawValue, body: body) },
            at: now, giveUpAt: now.addingTimeInterval(settings.retryWindow))
        if new > 0 { queued.ring() }
    }
}
