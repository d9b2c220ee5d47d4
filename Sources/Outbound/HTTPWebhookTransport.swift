import Core
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// POSTs webhooks over HTTP/1.1 (SwiftNIO), connecting only to addresses that ``DestinationPolicy`` allows.
///
/// Per ``post(_:)``: validates the URL and headers; resolves the host itself (getaddrinfo on NIO's thread pool) and
/// refuses when ANY resolved address is refused, so a name that resolves to both public and private addresses is
/// refused; connects to exactly the first vetted address (no second lookup, which defeats DNS rebinding); for https,
/// TLS with the system roots and host name verification (SNI = URL host); sends one POST with `Host`, the caller's
/// headers, `User-Agent: Tiffin-Webhooks/1`, `Content-Length` and `Connection: close`; reads the response head and at
/// most 1,024 bytes of body, then closes. The whole request is bounded by ``OutboundRequest/timeout`` and the
/// connection is always closed.
///
/// What the caller may rely on: any HTTP status (3xx included) is returned, not thrown; errors are ``OutboundError``.
/// A body cut short after the head still yields the response. Latency runs from just before connecting to the
/// response head.
///
/// What it does not do: follow redirects, retry, reuse connections, try further addresses when the first fails,
/// proxies, HTTP/2, client certificates, or read more than the excerpt (a few KB beyond it may sit in socket buffers).
public struct HTTPWebhookTransport: WebhookTransport {
    public let policy: DestinationPolicy
    private let logger: Logger
    static let excerptLimit = 1024
    /// Header names the transport sets itself.
    static let transportHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection", "user-agent"]

    public init(policy: DestinationPolicy, logger: Logger) {
        self.policy = policy
        self.logger = logger
    }

    public func post(_ request: OutboundRequest) async throws -> OutboundResponse {
        try policy.validate(request.url)
        let target = try Target(request.url)
        let head = try Self.makeHead(request, target: target)
        let body = request.body
        let deadline = ContinuousClock.now + request.timeout
        do {
            let response = try await withDeadline(request.timeout) { try await self.perform(head, body, target, deadline) }
            logger.debug(
                "webhook delivered",
                metadata: ["webhook.host": "\(target.host)", "webhook.status": "\(response.status)", "webhook.remote": "\(response.remoteAddress)"])
            return response
        } catch let error as OutboundError {
            throw error
        } catch is DeadlineExceeded {
            throw OutboundError.timedOut
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw OutboundError.connectionFailed("\(target.host): \(error)")
        }
    }

    private func perform(
        _ head: HTTPRequestHead, _ body: [UInt8], _ target: Target, _ deadline: ContinuousClock.Instant
    ) async throws -> OutboundResponse {
        let addresses = try await Self.resolve(target.host, port: target.port)
        if let refused = addresses.first(where: { !policy.isAllowed($0) }) {
            throw OutboundError.refusedDestination("\(target.host) resolves to \(refused.ipAddress ?? "\(refused)"), which is not allowed")
        }
        guard let address = addresses.first else { throw OutboundError.unresolvable("\(target.host): no addresses") }
        let tls = target.https ? try await ClientTLS.context() : nil
        let serverName = target.isIPLiteral ? nil : target.host  // for IP literals NIOSSL checks the certificate against the peer IP
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeLeft(until: deadline))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        let start = ContinuousClock.now
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await bootstrap.connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    // A small inbound buffer: we stop reading after the excerpt anyway.
                    return try NIOAsyncChannel(
                        wrappingChannelSynchronously: channel, configuration: .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2)))
                }
            }
        } catch ChannelError.connectTimeout {
            throw OutboundError.timedOut
        } catch {
            throw OutboundError.connectionFailed("\(Self.describe(address)): \(error)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            var writeError: (any Error)?
            do {
                try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: body))), .end(nil)])
            } catch {
                writeError = error  // the server may still have answered (e.g. 413 and close); read on
            }
            return try await Self.readResponse(from: inbound, since: start, address: address, writeError: writeError)
        }
    }

    /// Reads the response head and at most ``excerptLimit`` bytes of body. A failure after the head keeps what was read.
    private static func readResponse(
        from inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, since start: ContinuousClock.Instant, address: SocketAddress,
        writeError: (any Error)?
    ) async throws -> OutboundResponse {
        var status: Int?
        var latency = Duration.zero
        var excerpt: [UInt8] = []
        var parts = inbound.makeAsyncIterator()
        reading: while excerpt.count < excerptLimit {
            let part: HTTPClientResponsePart?
            do {
                part = try await parts.next()
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as HTTPParserError where status == nil {
                throw OutboundError.invalidResponse("\(error)")
            } catch  where status == nil {
                throw OutboundError.connectionFailed("\(describe(address)): \(writeError ?? error)")
            } catch {
                break reading  // body cut short after the head: keep what we have
            }
            switch part {
            case .head(let head):
                status = Int(head.status.code)
                latency = start.duration(to: .now)
            case .body(let buffer):
                excerpt += buffer.readableBytesView.prefix(excerptLimit - excerpt.count)
            case .end, nil:
                break reading
            }
        }
        guard let status else { throw OutboundError.connectionFailed("\(describe(address)) closed the connection without a response") }
        return OutboundResponse(status: status, excerpt: String(decoding: excerpt, as: UTF8.self), latency: latency, remoteAddress: describe(address))
    }

    /// The request head: Host, the caller's headers (validated), User-Agent, Content-Length, Connection: close.
    static func makeHead(_ request: OutboundRequest, target: Target) throws(OutboundError) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.requestTarget)
        head.headers.add(name: "Host", value: target.hostHeader)
        let symbols = Set("!#$%&'*+-.^_`|~".utf8)
        for (name, value) in request.headers {
            let isToken = name.utf8.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || symbols.contains($0)
            }
            guard !name.isEmpty, isToken else { throw .refusedDestination("invalid header name '\(name)'") }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .refusedDestination("header '\(name)' contains CR, LF or NUL")
            }
            if !transportHeaders.contains(name.lowercased()) { head.headers.add(name: name, value: value) }
        }
        head.headers.add(name: "User-Agent", value: "Tiffin-Webhooks/1")
        head.headers.add(name: "Content-Length", value: String(request.body.count))
        head.headers.add(name: "Connection", value: "close")
        return head
    }

    /// All addresses of `host` (a literal is returned as is). getaddrinfo runs on NIO's thread pool; when the task is
    /// cancelled the lookup is abandoned, not waited for.
    static func resolve(_ host: String, port: Int) async throws -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return [literal] }
        let future = NIOThreadPool.singleton.runIfActive(eventLoop: MultiThreadedEventLoopGroup.singleton.any()) {
            try getaddrinfoAll(host, port: port)
        }
        return try await awaitCancellable(future)
    }

    private static func getaddrinfoAll(_ host: String, port: Int) throws(OutboundError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
            hints.ai_socktype = SOCK_STREAM
        #else
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { throw .unresolvable("\(host): \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor?.pointee {
            cursor = info.ai_next
            guard let raw = info.ai_addr else { continue }
            if info.ai_family == AF_INET, Int(info.ai_addrlen) >= MemoryLayout<sockaddr_in>.size {
                addresses.append(raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
            } else if info.ai_family == AF_INET6, Int(info.ai_addrlen) >= MemoryLayout<sockaddr_in6>.size {
                addresses.append(raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
            }
        }
        guard !addresses.isEmpty else { throw .unresolvable("\(host): no IPv4 or IPv6 addresses") }
        return addresses
    }

    /// `1.2.3.4:80` or `[2001:db8::1]:443`.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}

/// Where a validated URL points, and what goes on the request line and in the Host header.
struct Target: Sendable {
    var host: String
    var port: Int
    var https: Bool
    var isIPLiteral: Bool
    var hostHeader: String
    var requestTarget: String

    init(_ url: URL) throws(OutboundError) {
        guard let host = DestinationPolicy.host(of: url) else { throw .refusedDestination("no host in \(url.absoluteString)") }
        https = url.scheme?.lowercased() == "https"
        let defaultPort = https ? 443 : 80
        self.host = host
        port = url.port ?? defaultPort
        isIPLiteral = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        let bracketed = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? bracketed : "\(bracketed):\(port)"
        var target = url.path(percentEncoded: true)
        if target.isEmpty { target = "/" }
        if let query = url.query(percentEncoded: true) { target += "?\(query)" }
        guard target.hasPrefix("/"), target.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .refusedDestination("invalid path in \(url.absoluteString)")
        }
        requestTarget = target
    }
}
