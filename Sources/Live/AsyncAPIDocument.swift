import Core
public import Foundation
public import TiffinHTTP

/// The AsyncAPI 3.0 document of the live connection (`GET /asyncapi.json`), beside the OpenAPI
/// one: every message a client may send and every message the server sends, with its schema.
/// A test validates every message of the live tests against it.
public struct AsyncAPIDocument: Sendable {
    /// The schema of an offer as its courier sees it, and of an activity item (from their owners).
    let offerSchema: JSONValue
    let noticeSchema: JSONValue

    public init(offerSchema: JSONValue, noticeSchema: JSONValue) {
        self.offerSchema = offerSchema
        self.noticeSchema = noticeSchema
    }

    private static func object(_ required: [String], _ properties: [String: JSONValue]) -> JSONValue {
        .object(["type": .string("object"), "required": .array(required.map(JSONValue.string)), "properties": .object(properties)])
    }

    private static func constant(_ value: String) -> JSONValue { .object(["type": .string("string"), "enum": .array([.string(value)])]) }
    private static let uuid: JSONValue = .object(["type": .string("string"), "format": .string("uuid")])
    private static let dateTime: JSONValue = .object(["type": .string("string"), "format": .string("date-time")])
    private static let string: JSONValue = .object(["type": .string("string")])
    private static let integer: JSONValue = .object(["type": .string("integer")])
    private static let boolean: JSONValue = .object(["type": .string("boolean")])
    private static func number(_ minimum: Double? = nil, _ maximum: Double? = nil, _ description: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": .string("number")]
        if let minimum { schema["minimum"] = .number(minimum) }
        if let maximum { schema["maximum"] = .number(maximum) }
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }
    private static func enumeration(_ values: [String]) -> JSONValue {
        .object(["type": .string("string"), "enum": .array(values.map(JSONValue.string))])
    }

    /// Messages a client sends, by `type`.
    static let clientMessages: [String: (summary: String, payload: JSONValue)] = [
        "subscribe": (
            "Follow an order (add `after`, the last event id seen, to receive what was missed), a restaurant (its staff) or the city (operators)",
            object(
                ["type", "topic"],
                ["type": constant("subscribe"), "topic": enumeration(["order", "restaurant", "city"]), "id": uuid, "after": uuid])
        ),
        "unsubscribe": (
            "Stop following a topic",
            object(["type", "topic"], ["type": constant("unsubscribe"), "topic": enumeration(["order", "restaurant", "city"]), "id": uuid])
        ),
        "fix": (
            "A courier's position fix (couriers only); one older than the fix held is ignored",
            object(
                ["type", "lat", "lon"],
                [
                    "type": constant("fix"), "lat": number(-90, 90), "lon": number(-180, 180), "recordedAt": dateTime,
                    "accuracy": number(0, 100_000, "metres"), "heading": number(0, 359.999, "degrees clockwise from north"),
                    "speed": number(0, 100, "metres per second"),
                ])
        ),
    ]

    /// Messages the server sends, by `type`.
    static func serverMessages(offerSchema: JSONValue, noticeSchema: JSONValue) -> [String: (summary: String, payload: JSONValue)] {
        [
            "welcome": (
                "First message of every connection",
                object(
                    ["type", "connectionID", "role", "staleAfterSeconds", "heartbeatSeconds"],
                    [
                        "type": constant("welcome"), "connectionID": uuid, "role": enumeration(Role.allCases.map(\.rawValue)),
                        "staleAfterSeconds": integer, "heartbeatSeconds": integer,
                    ])
            ),
            "subscribed": (
                "A subscription accepted, after the events it replayed",
                object(
                    ["type", "topic", "replayed"],
                    ["type": constant("subscribed"), "topic": enumeration(["order", "restaurant", "city"]), "id": uuid, "replayed": integer])
            ),
            "event": (
                "An order event (`order.<status>`, `order.courier_assigned`, …); `id` is what `after` resumes from",
                object(
                    ["type", "id", "eventType", "orderID", "occurredAt", "payload"],
                    [
                        "type": constant("event"), "id": uuid, "eventType": string, "orderID": uuid, "occurredAt": dateTime,
                        "payload": .object([
                            "type": .string("object"),
                            "description": .string(
                                "The event's payload, as in docs/realtime.md; on the order's and the restaurant's topics courierID is replaced by courierAssigned: true"
                            ),
                        ]),
                    ])
            ),
            "position": (
                "Where the courier is: to the order's customer while the food is carried, to the restaurant while on the way to it, to operators; stale with its age when the courier is quiet. The courier's id (courierID) is on the city topic only",
                object(
                    ["type", "lat", "lon", "recordedAt", "ageSeconds", "isStale"],
                    [
                        "type": constant("position"), "orderID": uuid, "courierID": uuid, "lat": number(-90, 90), "lon": number(-180, 180),
                        "recordedAt": dateTime, "ageSeconds": integer, "isStale": boolean, "heading": number(0, 360), "speed": number(0),
                        "accuracy": number(0), "etaSeconds": integer, "estimatedArrival": dateTime,
                    ])
            ),
            "offer": (
                "A job offered to this courier, to accept or decline over HTTP before it expires",
                object(["type", "offer"], ["type": constant("offer"), "offer": offerSchema])
            ),
            "notification": (
                "A notification for the connection's own user, as it is kept in their activity feed (`GET /v1/me/activity`); every connection receives its user's, without subscribing",
                object(["type", "notification"], ["type": constant("notification"), "notification": noticeSchema])
            ),
            "error": (
                "A message refused: `code` is the name of the API's problem type (https://tiffin.dev/problems/<code>), `field` the field at fault",
                object(
                    ["type", "code", "detail"],
                    ["type": constant("error"), "code": enumeration(LiveEndpoint.errorCodes), "detail": string, "field": string])
            ),
        ]
    }

    public func json() -> JSONValue {
        func messages(_ list: [String: (summary: String, payload: JSONValue)]) -> [String: JSONValue] {
            list.mapValues {
                .object([
                    "name": .string("\($0.summary)"), "summary": .string($0.summary), "contentType": .string("application/json"),
                    "payload": $0.payload,
                ])
            }
        }
        let serverMessages = Self.serverMessages(offerSchema: offerSchema, noticeSchema: noticeSchema)
        var all = messages(Self.clientMessages)
        for (name, message) in messages(serverMessages) { all[name] = message }
        func refs(_ names: some Sequence<String>) -> JSONValue {
            .array(names.sorted().map { .object(["$ref": .string("#/channels/realtime/messages/\($0)")]) })
        }
        return .object([
            "asyncapi": .string("3.0.0"),
            "info": .object([
                "title": .string("Tiffin live connection"), "version": .string("1"),
                "description": .string(
                    "One WebSocket per app at /v1/realtime. Authenticate at the upgrade: offer the subprotocols tiffin.v1 and ticket.<ticket> (POST /v1/realtime/tickets), or send Authorization: Bearer <token>. Every message is a JSON text frame with a `type`. See docs/realtime.md."
                ),
            ]),
            "servers": .object([
                "tiffin": .object(["host": .string("localhost:8080"), "protocol": .string("ws"), "pathname": .string("/v1/realtime")])
            ]),
            "channels": .object([
                "realtime": .object(["address": .string("/v1/realtime"), "messages": .object(all)])
            ]),
            "operations": .object([
                "receiveFromClients": .object([
                    "action": .string("receive"), "channel": .object(["$ref": .string("#/channels/realtime")]), "messages": refs(Self.clientMessages.keys),
                ]),
                "sendToClients": .object([
                    "action": .string("send"), "channel": .object(["$ref": .string("#/channels/realtime")]), "messages": refs(serverMessages.keys),
                ]),
            ]),
        ])
    }

    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(json())
    }
}
