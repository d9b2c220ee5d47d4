public import Core
import Foundation
public import Hummingbird

/// An RFC 9457 problem: every 4xx and 5xx Tiffin sends has this body, with
/// `Content-Type: application/problem+json`. `field` names the request field at fault and
/// `state` the state a state machine refused, when there is one.
public struct Problem: HTTPResponseError, Encodable, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String
    public var field: String?
    public var state: String?
    public var instance: String?
    public var retryAfterSeconds: Int?

    public init(status: HTTPResponse.Status, type: String, title: String, detail: String, field: String? = nil, state: String? = nil) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.field = field
        self.state = state
    }

    public init(_ description: ProblemDescription) {
        self.init(
            status: Self.status(for: description.kind), type: description.type, title: description.title,
            detail: description.detail, field: description.field, state: description.state)
        self.retryAfterSeconds = description.retryAfterSeconds
    }

    static func status(for kind: ProblemDescription.Kind) -> HTTPResponse.Status {
        switch kind {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .paymentRequired: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .unprocessable: .unprocessableContent
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }

    public static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(status: .badRequest, type: "bad-request", title: "Bad request", detail: detail, field: field)
    }

    public static let unauthorized = Problem(
        status: .unauthorized, type: "unauthorized", title: "Unauthorized",
        detail: "a valid bearer token is required (Authorization: Bearer …)", field: "Authorization")

    private enum CodingKeys: String, CodingKey {
        case type, title, status, detail, field, state, instance
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("https://tiffin.dev/problems/\(type)", forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(Int(status.code), forKey: .status)
        try container.encode(detail, forKey: .detail)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encodeIfPresent(state, forKey: .state)
        try container.encodeIfPresent(instance, forKey: .instance)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let (headers, body) = try parts(instance: instance ?? request.uri.path)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The headers and body every answer of this problem has, the router's or not.
    func parts(instance: String) throws -> (headers: HTTPFields, body: Data) {
        var copy = self
        copy.instance = instance
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return (headers, try encoder.encode(copy))
    }
}

extension Problem {
    /// The whole HTTP/1.1 response, encoded, for a connection that never reaches the router (a
    /// refused WebSocket upgrade): the same headers and body as `response(from:context:)`, and
    /// `Connection: close`.
    public func encodedResponse(instance: String) -> ByteBuffer {
        var (headers, body) = (try? parts(instance: instance)) ?? (HTTPFields(), Data())
        headers[.contentLength] = String(body.count)
        headers[.connection] = "close"
        headers[.cacheControl] = "no-store"
        var head = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        for field in headers { head += "\(field.name): \(field.value)\r\n" }
        var buffer = ByteBuffer(string: head + "\r\n")
        buffer.writeBytes(body)
        return buffer
    }
}
