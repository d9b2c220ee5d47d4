public import Hummingbird
import HTTPTypes
import NIOCore

/// `HEAD` for every `GET` (RFC 9110 §9.3.2): the request is routed as the `GET` it mirrors, and
/// the answer keeps its status and headers (with the `Content-Length` of the body it would have
/// had) but no body. It wraps the router, not a middleware inside it: the router picks a route
/// by method before its middleware runs.
public struct HeadResponder<Inner: HTTPResponder>: HTTPResponder {
    public typealias Context = Inner.Context
    let inner: Inner

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await inner.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
        // The length of the body the GET sends (made, counted, dropped), and not a byte of it.
        var length = response.headers[.contentLength].flatMap { Int($0) }
        if length == nil { length = try await Self.length(of: response.body) }
        response.body = ResponseBody(contentLength: length) { writer in try await writer.finish(nil) }
        response.headers[.contentLength] = length.map(String.init)
        return response
    }

    private static func length(of body: ResponseBody) async throws -> Int {
        let tally = Tally()
        try await body.write(Counter(tally: tally))
        return tally.bytes
    }

    private final class Tally { var bytes = 0 }

    /// A body writer that only counts.
    private struct Counter: ResponseBodyWriter {
        let tally: Tally
        mutating func write(_ buffer: ByteBuffer) async throws { tally.bytes += buffer.readableBytes }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}

/// Builds a `HeadResponder` around what `inner` builds (a router).
public struct HeadResponderBuilder<Inner: HTTPResponderBuilder>: HTTPResponderBuilder {
    let inner: Inner
    public init(_ inner: Inner) { self.inner = inner }
    public func buildResponder() -> HeadResponder<Inner.Responder> { HeadResponder(inner: inner.buildResponder()) }
}
