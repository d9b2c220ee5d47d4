import Core
import Events
import Foundation

/// What the live connections are told, as JSON text frames (`docs/realtime.md`).
enum LiveMessage {
    /// An order event, as stored in the outbox: the id lets a reconnecting client resume after it.
    struct Event: Encodable {
        let type = "event"
        let id: UUID
        let eventType: String
        let orderID: UUID
        let occurredAt: Date

        /// The message with `payload`, the event's stored JSON, inserted as it is (no re-parse).
        static func text(id: UUID, eventType: String, orderID: UUID, occurredAt: Date, payload: String) -> String {
            let head = LiveMessage.text(Event(id: id, eventType: eventType, orderID: orderID, occurredAt: occurredAt))
            return head.dropLast() + #","payload":"# + payload + "}"
        }

        /// The payload as the order's and the restaurant's topics carry it: the courier's account
        /// id is for operators and that courier (`Order.seen(by:)`), so `"courierID":"…"` becomes
        /// `"courierAssigned":true`. A scan of the bytes as `TiffinJSON` writes them (1 µs an
        /// event; a JSONSerialization round trip costs 82 µs here); anything else that still
        /// names a courier goes through the round trip.
        static func withoutCourierID(_ payload: String) -> String {
            let bytes = Array(payload.utf8)
            var kept: [UInt8] = []
            kept.reserveCapacity(bytes.count)
            var index = 0
            var replaced = false
            // `"courierID":"` and a 36-character UUID in quotes.
            let field = courierIDField.count + 37
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\""), index + field <= bytes.count,
                    bytes[index..<(index + courierIDField.count)].elementsEqual(courierIDField),
                    bytes[index + field - 1] == UInt8(ascii: "\"")
                {
                    kept.append(contentsOf: courierAssignedField)
                    index += field
                    replaced = true
                } else {
                    kept.append(bytes[index])
                    index += 1
                }
            }
            let text = replaced ? String(decoding: kept, as: UTF8.self) : payload
            guard text.contains(#""courierID""#),
                var object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            else { return text }
            object["courierID"] = nil
            object["courierAssigned"] = true
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
                return "{}"
            }
            return String(decoding: data, as: UTF8.self)
        }

        private static let courierIDField = Array(#""courierID":""#.utf8)
        private static let courierAssignedField = Array(#""courierAssigned":true"#.utf8)
    }

    /// The courier's last position for an order, with its age, and the smoothed ETA.
    struct Position: Encodable {
        let type = "position"
        let orderID: UUID?
        /// On the city topic only (operators): the order's and the restaurant's topics do not
        /// name the courier (`Order.seen(by:)`).
        let courierID: UUID?
        let lat: Double
        let lon: Double
        let recordedAt: Date
        let ageSeconds: Int
        let isStale: Bool
        let heading: Double?
        let speed: Double?
        let accuracy: Double?
        /// To the customer (or, for a restaurant, to the restaurant); absent for operators.
        let etaSeconds: Int?
        let estimatedArrival: Date?
    }

    /// An offer to its courier, as the courier sees it (encoded by dispatch, inserted as it is).
    static func offer(_ made: OfferMade) -> String { #"{"type":"offer","offer":"# + made.offer + "}" }

    /// A notification for the connection's own user, as kept in their activity feed (encoded by
    /// Notifications, inserted as it is).
    static func notice(_ notification: String) -> String { #"{"type":"notification","notification":"# + notification + "}" }

    struct Welcome: Encodable {
        let type = "welcome"
        let connectionID: UUID
        let role: Role
        let staleAfterSeconds: Int
        let heartbeatSeconds: Int
    }

    struct Subscribed: Encodable {
        let type = "subscribed"
        let topic: String
        let id: UUID?
        /// Events replayed after `after` (or every event of the order when none was given).
        let replayed: Int
    }

    struct Problem: Encodable {
        let type = "error"
        let code: String
        let detail: String
        let field: String?
    }

    /// Made once: a message is encoded per push.
    static let encoder = TiffinJSON.encoder

    static func text(_ value: some Encodable) -> String {
        (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? #"{"type":"error","code":"internal","detail":"unencodable"}"#
    }
}
