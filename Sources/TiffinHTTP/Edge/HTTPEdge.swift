#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import HTTPTypes
import Metrics
public import NIOCore
import NIOHTTP1
import Synchronization

/// The server's edge: which connections it takes, and the watch on each (`ConnectionWatch`).
///
/// Connections are counted in total and per client address. One past either limit is answered
/// `503` and closed as soon as it is accepted: it never waits in the listen backlog, and the
/// connections already held keep being served. The total defaults to the process's file limit
/// (its soft limit raised to the hard one) less a reserve, so running out of descriptors — which
/// stops a server from accepting anyone — does not happen.
public final class HTTPEdge: Sendable {
    public let settings: EdgeSettings
    /// Connections held at once, at most.
    public let maximumConnections: Int
    private let open = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

    /// Descriptors kept for everything that is not a client connection: the database pool, the
    /// SQLite files, outbound SMTP and webhook connections, the listening socket.
    public static let reservedDescriptors = 1_024

    private static let refusedForCapacity = Counter(label: "tiffin_http_connections_refused_total", dimensions: [("reason", "capacity")])
    private static let refusedForAddress = Counter(label: "tiffin_http_connections_refused_total", dimensions: [("reason", "address")])
    private static let connections = Gauge(label: "tiffin_http_connections")

    public init(settings: EdgeSettings) {
        self.settings = settings
        maximumConnections = settings.maximumConnections ?? max(64, Self.raiseDescriptorLimit() - Self.reservedDescriptors)
    }

    /// Raises the soft limit on open files to the hard limit; returns the soft limit after.
    @discardableResult
    public static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// Takes `channel` into account; false when refused, and then it is answered `503` and closed
    /// as soon as it is active (the rest of its pipeline is set up as usual and never used).
    /// Called first for every accepted connection, on its event loop.
    public func admit(_ channel: any Channel) -> Bool {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let perAddress = settings.trustedProxies.isTrusted(address) ? 0 : settings.maximumConnectionsPerAddress
        var refusal: Problem? = open.withLock { open in
            if open.total >= maximumConnections {
                Self.refusedForCapacity.increment()
                return Problem(
                    status: .serviceUnavailable, type: "server-busy", title: "Server busy",
                    detail: "the server holds as many connections as it can; retry shortly")
            }
            if perAddress > 0, open.byAddress[address, default: 0] >= perAddress {
                Self.refusedForAddress.increment()
                return Problem(
                    status: .serviceUnavailable, type: "too-many-connections", title: "Too many connections",
                    detail: "this address holds \(perAddress) connections, the most one address may")
            }
            open.total += 1
            open.byAddress[address, default: 0] += 1
            Self.connections.record(open.total)
            return nil
        }
        refusal?.retryAfterSeconds = 1
        if let refusal {
            // Not registered yet: the answer goes out once the connection is active.
            try? channel.pipeline.syncOperations.addHandler(Refusal(response: refusal.encodedResponse(instance: "/")), position: .first)
            return false
        }
        channel.closeFuture.whenComplete { [self] _ in
            open.withLock { open in
                open.total -= 1
                let left = open.byAddress[address, default: 1] - 1
                open.byAddress[address] = left > 0 ? left : nil
                Self.connections.record(open.total)
            }
        }
        return true
    }

    /// Connections held now.
    public var connectionCount: Int { open.withLock { $0.total } }

    /// Puts the connection's watch around its HTTP codec (once the codec is in the pipeline).
    public func watch(_ channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        let encoder = try pipeline.handler(type: HTTPResponseEncoder.self)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let (bytes, parts) = ConnectionWatch.handlers(settings)
        try pipeline.addHandler(bytes, position: .before(encoder))
        try pipeline.addHandler(parts, position: .after(decoder))
    }
}

/// Answers a refused connection with its response, then closes it, first as if the client had
/// closed its side (so the HTTP handlers behind end quietly).
private final class Refusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let response: ByteBuffer
    init(response: ByteBuffer) { self.response = response }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(response)).assumeIsolated().whenComplete { _ in
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
