public import Foundation

/// One webhook delivery: an HTTP POST of `body` to `url`.
public struct OutboundRequest: Sendable {
    public var url: URL
    /// Extra headers, sent in order. `Host`, `Content-Length`, `Transfer-Encoding`, `Connection` and `User-Agent` are set
    /// by the transport; caller values for them are dropped. Names must be HTTP tokens; CR, LF and NUL are refused.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Limit for the whole request: resolving, connecting, TLS, sending and reading the response excerpt.
    public var timeout: Duration = .seconds(10)

    public init(url: URL, headers: [(String, String)] = [], body: [UInt8], timeout: Duration = .seconds(10)) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// What the destination answered. Any status, including 3xx, 4xx and 5xx, is a response, not an error.
public struct OutboundResponse: Sendable, Equatable {
    public var status: Int
    /// The first 1,024 bytes of the body (fewer if the body is shorter), decoded as lossy UTF-8.
    public var excerpt: String
    /// From just before connecting to the response head being received (excludes name resolution and the body).
    public var latency: Duration
    /// The address actually connected to, e.g. `93.184.216.34:443` or `[2606:2800:220:1::1]:443`.
    public var remoteAddress: String

    public init(status: Int, excerpt: String, latency: Duration, remoteAddress: String) {
        self.status = status
        self.excerpt = excerpt
        self.latency = latency
        self.remoteAddress = remoteAddress
    }
}

/// Something that POSTs webhooks. Implementations throw ``OutboundError``.
public protocol WebhookTransport: Sendable {
    func post(_ request: OutboundRequest) async throws -> OutboundResponse
}

/// Why a webhook POST produced no response.
public enum OutboundError: Error, Equatable, CustomStringConvertible {
    /// Refused before connecting: private/loopback/etc. address, bad scheme, credentials in the URL, invalid header.
    case refusedDestination(String)
    /// The host name did not resolve.
    case unresolvable(String)
    /// Connecting, TLS or the connection itself failed before a response head arrived.
    case connectionFailed(String)
    /// The request's timeout passed.
    case timedOut
    /// The destination's answer was not valid HTTP/1.1.
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .refusedDestination(let reason): "destination refused: \(reason)"
        case .unresolvable(let reason): "cannot resolve: \(reason)"
        case .connectionFailed(let reason): "connection failed: \(reason)"
        case .timedOut: "timed out"
        case .invalidResponse(let reason): "invalid response: \(reason)"
        }
    }
}
