import Core
import Events
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Storage
import TiffinHTTP

/// `GET /v1/realtime` upgraded to a WebSocket: one connection per app, authenticated at the
/// upgrade and checked again on every subscription (`docs/realtime.md`).
///
/// Credentials: browsers offer the subprotocols `tiffin.v1` and `ticket.<ticket>` (a single-use
/// ticket from `POST /v1/realtime/tickets`), so no token is in a URL or a log; other clients may
/// send `Authorization: Bearer <token>`. Without valid credentials there is no upgrade: the answer
/// is a 401 problem (written by `WebSocketWireCheck` in place of the library's bare 400).
///
/// A connection belongs to the sign-in (token) that opened it, directly or through a ticket: when
/// that token is logged out its connections close with 1008 ("signed out"), on every instance,
/// and when it expires the heartbeat closes them the same way.
public struct LiveEndpoint: Sendable {
    static let path = "/v1/realtime"
    static let subprotocol = "tiffin.v1"
    static let ticketPrefix = "ticket."
    /// The largest message a client may send.
    static let maximumMessageBytes = 16_384
    static let heartbeat = Duration.seconds(20)
    /// The `code`s of `error` messages: the names of the HTTP problem types the same refusal gets
    /// from the API (`bad-request`: a message that is not JSON text; `internal`: an unknown failure).
    /// (`rate-limited`: fixes faster than the courier-fix limit; the extra ones are dropped.)
    static let errorCodes = ["bad-request", "invalid-field", "forbidden", "not-found", "rate-limited", "internal"]
    /// Made once: a message is decoded per fix.
    static let decoder = TiffinJSON.decoder

    let signIns: any LiveSignIns
    let couriers: any LiveCouriers
    let orders: any LiveOrders
    let database: any Database
    let hub: LiveHub
    let tracking: LiveTracking
    /// Fixes over the socket share the courier's `courier-fix` bucket with HTTP's.
    let limiter: RateLimiter
    let logger: Logger

    /// The library's ping is off: one `LiveHeartbeat` pings every connection instead of a
    /// task per connection, spread evenly over the period. Text that is not UTF-8 closes the
    /// connection with 1007 (RFC 6455 §8.1), never decoded lossily.
    var serverConfiguration: WebSocketServerConfiguration {
        WebSocketServerConfiguration(maxFrameSize: Self.maximumMessageBytes, autoPing: .disabled, validateUTF8: true)
    }

    /// The server's connections, admitted and watched by `edge`: HTTP/1.1 (request heads within
    /// the edge's limits) with this endpoint's upgrade, each checked on the wire by
    /// `WebSocketWireCheck`. Hummingbird's own idle timeout is off: the edge's watch times HTTP,
    /// and the heartbeat times live connections.
    func server(edge: HTTPEdge) -> HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: edge.settings.maximumHeaderBytes, maxHeaderListSize: edge.settings.maximumHeaderBytes,
                maxHeaderFieldCount: edge.settings.maximumHeaderCount))
        return HTTPServerBuilder { responder in
            WireCheckedChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init(http1: http1, ws: serverConfiguration)) {
                    request, channel, logger in
                    try await shouldUpgrade(request, channel, logger)
                }, edge: edge)
        }
    }

    /// A peer that vanished never acknowledges the heartbeat's ping: the kernel drops the
    /// connection once sent data has waited this long (two heartbeats).
    static let unacknowledgedLimit = heartbeat * 2
    #if os(Linux)
        static let userTimeout = ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_USER_TIMEOUT))
    #endif

    func shouldUpgrade(
        _ request: HTTPRequest, _ channel: any Channel, _ logger: Logger
    ) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        guard request.path?.split(separator: "?", maxSplits: 1).first.map(String.init) == Self.path else {
            await Self.refuse(channel, Problem(status: .notFound, type: "not-found", title: "Not found", detail: "live connections open at \(Self.path)"))
            return .dontUpgrade
        }
        let session: Session
        switch try await authenticate(request) {
        case .session(let found): session = found
        case .refused(let problem):
            await Self.refuse(channel, problem)
            return .dontUpgrade
        }
        await Self.upgrading(channel)
        #if os(Linux)
            try await channel.setOption(Self.userTimeout, value: SocketOptionValue(Self.unacknowledgedLimit / .milliseconds(1))).get()
        #endif
        var headers = HTTPFields()
        if Self.offered(request).contains(Self.subprotocol) { headers[.secWebSocketProtocol] = Self.subprotocol }
        return .upgrade(headers) { inbound, outbound, _ in
            try await serve(session, inbound: inbound, outbound: outbound, channel: channel)
        }
    }

    static func offered(_ request: HTTPRequest) -> [String] {
        request.headerFields[values: .secWebSocketProtocol].flatMap { $0.split(separator: ",") }.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }

    enum Authentication {
        case session(Session)
        case refused(Problem)
    }

    func authenticate(_ request: HTTPRequest) async throws -> Authentication {
        if let ticket = Self.offered(request).first(where: { $0.hasPrefix(Self.ticketPrefix) }) {
            guard let session = try await signIns.redeemTicket(String(ticket.dropFirst(Self.ticketPrefix.count))) else {
                return .refused(
                    Problem(
                        status: .unauthorized, type: "invalid-ticket", title: "Invalid ticket",
                        detail: "the ticket is unknown, spent or expired, or its sign-in ended: ask POST /v1/realtime/tickets for another",
                        field: "Sec-WebSocket-Protocol"))
            }
            return .session(session)
        }
        if let header = request.headerFields[.authorization] {
            guard let token = BearerCredential.token(fromHeader: header), let session = try await signIns.session(forToken: token) else {
                return .refused(
                    Problem(
                        status: .unauthorized, type: "unauthorized", title: "Unauthorized", detail: "the bearer token is unknown or expired",
                        field: "Authorization"))
            }
            return .session(session)
        }
        return .refused(
            Problem(
                status: .unauthorized, type: "unauthorized", title: "Unauthorized",
                detail: "offer the subprotocols tiffin.v1 and ticket.<ticket> (POST /v1/realtime/tickets), or send Authorization: Bearer <token>",
                field: "Sec-WebSocket-Protocol"))
    }

    /// Has `WebSocketWireCheck` answer the refused upgrade with `problem` (when the channel has one).
    static func refuse(_ channel: any Channel, _ problem: Problem) async {
        let response = problem.encodedResponse(instance: path)
        await wireCheck(of: channel) { $0.refuse(with: response) }
    }

    /// Tells `WebSocketWireCheck` the upgrade goes ahead: frames follow the `101`.
    static func upgrading(_ channel: any Channel) async {
        await wireCheck(of: channel) { $0.upgrading() }
    }

    /// Runs `change` on the channel's `WebSocketWireCheck`, on its event loop (none: nothing).
    private static func wireCheck(of channel: any Channel, _ change: @escaping @Sendable (WebSocketWireCheck) -> Void) async {
        try? await channel.eventLoop.submit {
            change(try channel.pipeline.syncOperations.handler(type: WebSocketWireCheck.self))
        }.get()
    }

    // MARK: A connection

    func serve(_ session: Session, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel) async throws {
        let principal = session.principal
        let connection = LiveConnection(session: session)
        hub.register(connection)
        defer { hub.remove(connection) }
        connection.send(
            LiveMessage.text(
                LiveMessage.Welcome(
                    connectionID: connection.id, role: principal.role, staleAfterSeconds: Int(tracking.staleAfter),
                    heartbeatSeconds: Int(Self.heartbeat.components.seconds))))
        if principal.role == .courier {
            hub.subscribe(connection, to: .courier(principal.userID))
            for offer in try await couriers.pendingOffers(courierID: principal.userID) {
                connection.send(LiveMessage.offer(offer))
            }
        }
        // One task writes; this one reads (a task fewer per idle connection than a group of two,
        // and the reader's frames live in the connection's own task). The server's graceful
        // shutdown ends the connection with 1001: the client reconnects and resumes.
        try await withGracefulShutdownHandler {
            try await exchange(connection, inbound: inbound, outbound: outbound, channel: channel)
        } onGracefulShutdown: {
            connection.end(.goingAway)
            // The library closes every connection at shutdown itself, with 1000; have the wire
            // say 1001 instead (queued on the connection's event loop before its close can be).
            channel.eventLoop.execute {
                try? channel.pipeline.syncOperations.handler(type: WebSocketWireCheck.self).goingAway(reason: LiveConnection.Ending.goingAway.reason)
            }
        }
    }

    /// The connection's frames both ways, until either side ends it.
    private func exchange(_ connection: LiveConnection, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel)
        async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while let batch = await connection.next() {
                    for text in batch {
                        if text == LiveConnection.ping {
                            try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())))
                        } else {
                            try await outbound.write(.text(text))
                        }
                    }
                }
                if let ending = connection.ending {
                    // Ended by the server (too far behind, signed out): told, and cut off, so the
                    // reader below ends too — waiting for the client to answer the close could be
                    // waiting for ever.
                    try? await outbound.close(ending.code, reason: ending.reason)
                    try? await channel.close()
                }
            }
            defer { connection.close() }
            for try await message in inbound.messages(maxSize: Self.maximumMessageBytes) {
                guard case .text(let text) = message else {
                    connection.send(LiveMessage.text(LiveMessage.Problem(code: "bad-request", detail: "messages are JSON text", field: "message")))
                    continue
                }
                await handle(text, from: connection)
            }
        }
    }

    /// A fix past the courier's limit: dropped, and said so.
    struct RateLimitedFix: DomainError {
        let retryAfter: Int
        var problem: ProblemDescription {
            ProblemDescription(
                kind: .tooManyRequests, type: "rate-limited", title: "Too many fixes",
                detail: "fixes are coming faster than the courier-fix limit; this one was dropped (the next is accepted in \(retryAfter) s)",
                retryAfterSeconds: retryAfter)
        }
    }

    /// What a client may send.
    struct ClientMessage: Decodable {
        let type: String
        let topic: String?
        let id: UUID?
        /// The last event seen: replay what came after it.
        let after: UUID?
        // A fix.
        let lat: Double?
        let lon: Double?
        let recordedAt: Date?
        let accuracy: Double?
        let heading: Double?
        let speed: Double?
    }

    func handle(_ text: String, from connection: LiveConnection) async {
        do {
            let message: ClientMessage
            let json = Data(text.utf8)
            try TextSafety.checkJSON(json)  // as every HTTP body: no NUL anywhere
            do {
                message = try Self.decoder.decode(ClientMessage.self, from: json)
            } catch {
                throw ValidationError(field: "message", reason: "is not a message of this protocol (see docs/realtime.md)")
            }
            switch message.type {
            case "fix": try await fix(message, from: connection)
            case "subscribe": try await subscribe(message, connection)
            case "unsubscribe": unsubscribe(message, connection)
            default: throw ValidationError(field: "type", reason: "one of fix, subscribe, unsubscribe")
            }
        } catch let error as any DomainError {
            let problem = error.problem
            connection.send(LiveMessage.text(LiveMessage.Problem(code: problem.type, detail: problem.detail, field: problem.field)))
        } catch {
            logger.warning("live message failed", metadata: ["error": "\(error)"])
            connection.send(LiveMessage.text(LiveMessage.Problem(code: "internal", detail: "the message could not be handled", field: nil)))
            // "internal" is the HTTP edge's name for an unknown failure too (ProblemMiddleware).
        }
    }

    func fix(_ message: ClientMessage, from connection: LiveConnection) async throws {
        guard connection.principal.role == .courier else { throw ForbiddenError("only couriers send position fixes") }
        if let wait = limiter.take(.courierFix, account: connection.principal.userID.uuidString, address: nil).retryAfter {
            throw RateLimitedFix(retryAfter: wait)
        }
        guard let lat = message.lat else { throw ValidationError(field: "lat", reason: "is required") }
        guard let lon = message.lon else { throw ValidationError(field: "lon", reason: "is required") }
        let fix = PositionFix(
            location: try GeoPoint(lat: lat, lon: lon, field: "location"), recordedAt: message.recordedAt, accuracy: message.accuracy,
            heading: message.heading, speed: message.speed)
        try fix.validate()
        await couriers.report(courierID: connection.principal.userID, fix)
    }

    func subscribe(_ message: ClientMessage, _ connection: LiveConnection) async throws {
        let viewer = connection.principal
        switch message.topic {
        case "order":
            guard let orderID = message.id else { throw ValidationError(field: "id", reason: "the order's id is required") }
            // Not found for anyone who may not see the order (the same answer as the API's).
            let viewing = try await orders.viewing(orderID, by: viewer)
            hub.subscribe(connection, to: .order(orderID))
            // The courier's position, in the phases this party may see it (the API's rule too).
            for phase in CourierVisibility.Phase.allCases where CourierVisibility.shows(viewing.party, phase) {
                hub.subscribe(connection, to: .orderPosition(orderID, phase))
            }
            let replayed = try await replay(orderID: orderID, after: message.after, to: connection)
            connection.send(LiveMessage.text(LiveMessage.Subscribed(topic: "order", id: orderID, replayed: replayed)))
            await tracking.sendCurrentPosition(viewing, to: connection)
        case "restaurant":
            guard let restaurantID = message.id else { throw ValidationError(field: "id", reason: "the restaurant's id is required") }
            if viewer.role != .operator {
                guard viewer.role == .staff, try await orders.restaurantID(runBy: viewer.userID) == restaurantID else {
                    throw NotFoundError(entity: "restaurant", id: restaurantID.uuidString)
                }
            }
            hub.subscribe(connection, to: .restaurant(restaurantID))
            connection.send(LiveMessage.text(LiveMessage.Subscribed(topic: "restaurant", id: restaurantID, replayed: 0)))
        case "city":
            guard viewer.role == .operator else { throw ForbiddenError("the city is for operators") }
            hub.subscribe(connection, to: .city)
            connection.send(LiveMessage.text(LiveMessage.Subscribed(topic: "city", id: nil, replayed: 0)))
        default:
            throw ValidationError(field: "topic", reason: "one of order, restaurant, city")
        }
    }

    func unsubscribe(_ message: ClientMessage, _ connection: LiveConnection) {
        switch (message.topic, message.id) {
        case ("order", let id?):
            hub.unsubscribe(connection, from: .order(id))
            for phase in CourierVisibility.Phase.allCases { hub.unsubscribe(connection, from: .orderPosition(id, phase)) }
        case ("restaurant", let id?): hub.unsubscribe(connection, from: .restaurant(id))
        case ("city", _): hub.unsubscribe(connection, from: .city)
        default: break
        }
    }

    /// The order's events after `after` (all of them without it), oldest first: a reconnecting
    /// client misses no status change. Payment events stay with the payment's own API. As the
    /// order's topic carries them: without the courier's id.
    func replay(orderID: UUID, after: UUID?, to connection: LiveConnection) async throws -> Int {
        let events = try await database.read { db in try await Outbox.events(aggregateID: orderID, on: db) }
            .filter { LiveTracking.orderEventTypes.contains(EventType($0.type)) }
        let start = after.flatMap { id in events.firstIndex { $0.id == id }.map { $0 + 1 } } ?? 0
        for event in events[start...] {
            connection.send(
                LiveMessage.Event.text(
                    id: event.id, eventType: event.type, orderID: orderID, occurredAt: event.occurredAt,
                    payload: LiveMessage.Event.withoutCourierID(event.payload)))
        }
        return events.count - start
    }
}
