import Core
import Foundation
import Hummingbird

/// Request bodies that validate themselves after decoding (ranges, lengths, non-empty lists).
public protocol ValidatedRequest: Decodable {
    /// Throws `ValidationError` naming the first field at fault.
    func validate() throws
}

extension ValidatedRequest {
    public func validate() throws {}
}

/// A body above this many bytes is refused with 413 before it is decoded.
public let maximumRequestBodyBytes = 64 * 1024

extension Request {
    /// Reads and decodes a JSON body. Empty or malformed bodies, wrong types, missing fields and
    /// failed validation all become 4xx problems that name the field; nothing is written.
    public func decodeJSON<T: ValidatedRequest>(as type: T.Type, context: some RequestContext) async throws -> T {
        guard let value = try await decodeJSONIfPresent(as: type, context: context) else {
            throw Problem.badRequest("a JSON request body is required", field: "body")
        }
        return value
    }
}

extension RequestContext {
    /// A UUID path parameter; an unparseable value is a 404 (no such object can exist).
    public func uuidParameter(_ name: String, entity: String) throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else {
            throw NotFoundError(entity: entity, id: parameters.get(name) ?? "")
        }
        return id
    }
}

extension Request {
    /// A required query parameter converted with `LosslessStringConvertible`.
    public func query<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws -> T {
        guard let raw = uri.queryParameters.get(name) else {
            throw ValidationError(field: name, reason: "query parameter is required")
        }
        guard let value = T(raw) else {
            throw ValidationError(field: name, reason: "'\(raw)' is not a valid \(T.self)")
        }
        return value
    }

    /// An optional query parameter; present but unparseable is still an error.
    public func optionalQuery<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws -> T? {
        guard uri.queryParameters.get(name) != nil else { return nil }
        return try query(name, as: type)
    }
}

/// Builds a JSON response with an explicit status (201 Created and friends).
public struct JSONResponse<Body: Encodable & Sendable>: ResponseGenerator {
    public let status: HTTPResponse.Status
    public let body: Body
    public var location: String?

    public init(status: HTTPResponse.Status = .ok, _ body: Body, location: String? = nil) {
        self.status = status
        self.body = body
        self.location = location
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try TiffinJSON.encoder.encode(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The one JSON style of the API: ISO 8601 UTC dates, keys as declared (camelCase).
public enum TiffinJSON {
    /// Request bodies: dates in ISO 8601 with or without fractional seconds (so a client may
    /// send back what the API wrote). A malformed date fails at its own coding path, so the
    /// problem names the field instead of calling the whole body malformed.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date(text, strategy: .iso8601) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not an ISO 8601 date-time such as 2026-11-21T18:30:00Z")
        }
        return decoder
    }

    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(
                date.formatted(
                    .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(
                        separator: .omitted)))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension Request {
    /// Decodes a JSON body when one was sent; nil for an empty body.
    public func decodeJSONIfPresent<T: ValidatedRequest>(as type: T.Type, context: some RequestContext) async throws -> T? {
        let buffer = try await body.collect(upTo: maximumRequestBodyBytes)
        guard buffer.readableBytes > 0 else { return nil }
        let value = try TiffinJSON.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        try value.validate()
        return value
    }
}
