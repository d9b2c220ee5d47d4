import Foundation

/// A fact that happened in a domain, recorded in the outbox in the same transaction as the
/// state change it describes, and delivered to other domains afterwards (at least once).
public struct DomainEvent: Sendable, Equatable {
    public let id: UUID
    /// Dotted name, e.g. `order.accepted`.
    public let type: String
    public let aggregateID: UUID
    public let occurredAt: Date
    /// JSON object describing the event.
    public let payload: Data

    public init(id: UUID = UUID(), type: String, aggregateID: UUID, occurredAt: Date, payload: Data) {
        self.id = id
        self.type = type
        self.aggregateID = aggregateID
        self.occurredAt = occurredAt
        self.payload = payload
    }

    public init(type: String, aggregateID: UUID, occurredAt: Date, payload: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        self.init(type: type, aggregateID: aggregateID, occurredAt: occurredAt, payload: try encoder.encode(payload))
    }

    public func decodePayload<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: payload)
    }
}
