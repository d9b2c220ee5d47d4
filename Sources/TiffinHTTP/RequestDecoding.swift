import Core
public import Foundation
public import Hummingbird
import NIOCore

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

extension Request {
    /// Decodes a JSON body when one was sent; nil for an empty body.
    ///
    /// A string holding a NUL character is refused (422 naming the field) before anything else
    /// sees it: PostgreSQL rejects NUL in text and SQLite silently cuts the text at it, so such a
    /// value could never be stored as sent.
    public func decodeJSONIfPresent<T: ValidatedRequest>(as type: T.Type, context: some RequestContext) async throws -> T? {
        let buffer = try await body.collect(upTo: maximumRequestBodyBytes)
        guard buffer.readableBytes > 0 else { return nil }
        let data = Data(buffer.readableBytesView)
        try TextSafety.checkJSON(data)
        let value: T
        do {
            value = try TiffinJSON.decoder.decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation calls a number it cannot hold (1e308 or 1.5 for an integer, beyond Int64)
            // "not valid JSON", with no path: when the body parses, find the number and name it.
            if let field = TextSafety.fieldWithUnrepresentableNumber(data) {
                throw ValidationError(
                    field: field, reason: "is not a number this field takes (out of range, or a fraction where a whole number is expected)")
            }
            throw DecodingError.dataCorrupted(context)
        }
        try value.validate()
        return value
    }
}

/// Finds text that no database can store as sent.
public enum TextSafety {
    /// The JSON escape of NUL; a raw NUL byte is already invalid JSON.
    private static let escapedNUL = Array(#"\u0000"#.utf8)

    /// Throws `ValidationError` naming the first string (or key) in `json` that contains NUL.
    /// Costs one byte scan when there is none.
    public static func checkJSON(_ json: Data) throws {
        guard json.withUnsafeBytes({ contains($0, escapedNUL) }) else { return }
        guard let root = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) else { return }
        let hasNUL: (String) -> Bool = { $0.utf8.contains(0) }
        if let path = firstPath(in: root, path: [], key: hasNUL, leaf: { ($0 as? String).map(hasNUL) ?? false }) {
            let field = path.isEmpty ? "body" : path.joined(separator: ".")
            throw ValidationError(field: field, reason: "must not contain NUL characters")
        }
    }

    /// In a body that parses as JSON, the field of the number a request field could not hold:
    /// first one beyond Int64 (no field takes those), else the first fraction (a whole number
    /// was expected). Nil when there is none, or the body does not parse.
    static func fieldWithUnrepresentableNumber(_ json: Data) -> String? {
        guard let root = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) else { return nil }
        func number(_ value: Any) -> Double? { value is Bool ? nil : (value as? NSNumber)?.doubleValue }
        let path =
            firstPath(in: root, path: [], key: { _ in false }) { number($0).map { !$0.isFinite || abs($0) >= 0x1p63 } ?? false }
            ?? firstPath(in: root, path: [], key: { _ in false }) { number($0).map { $0.rounded() != $0 } ?? false }
        return path.map { $0.isEmpty ? "body" : $0.joined(separator: ".") }
    }

    /// The path of the first key or leaf value (object keys in sorted order) that matches.
    private static func firstPath(in value: Any, path: [String], key: (String) -> Bool, leaf: (Any) -> Bool) -> [String]? {
        switch value {
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = firstPath(in: element, path: path + [String(index)], key: key, leaf: leaf) { return found }
            }
            return nil
        case let object as [String: Any]:
            for name in object.keys.sorted() {
                if key(name) { return path + [name.replacingOccurrences(of: "\u{0}", with: "\\u0000")] }
                if let found = firstPath(in: object[name]!, path: path + [name], key: key, leaf: leaf) { return found }
            }
            return nil
        default:
            return leaf(value) ? path : nil
        }
    }

    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0] {
                var matches = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matches = false
                    break
                }
                if matches { return true }
            }
            index += 1
        }
        return false
    }
}

/// A JSON body already encoded (in the API's style), sent as it is.
public struct RawJSON: ResponseGenerator, Sendable {
    public let bytes: [UInt8]
    public var status: HTTPResponse.Status = .ok

    public init(bytes: [UInt8], status: HTTPResponse.Status = .ok) {
        self.bytes = bytes
        self.status = status
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Each route's body limit (`APIOperation.maximumBodyBytes`), enforced before the handler runs:
/// a `Content-Length` over it is refused at once, and a chunked body is read no further than it —
/// `413` problem+json (`body-too-large`) either way. A body within the limit is held for the
/// handler. Routes not documented keep the global `maximumRequestBodyBytes`.
public struct BodyLimitMiddleware: RouterMiddleware {
    public typealias Context = TiffinRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard [.post, .put, .patch].contains(request.method), let operation = context.operation else { return try await next(request, context) }
        let limit = operation.maximumBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Self.tooLarge(limit)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(limit)
        }
        return try await next(request, context)
    }

    static func tooLarge(_ limit: Int) -> Problem {
        Problem(
            status: .contentTooLarge, type: "body-too-large", title: "Request body too large",
            detail: "this route takes a body of at most \(limit) bytes")
    }
}
