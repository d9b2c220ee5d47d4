public import Core
public import NIOCore

/// Limits on what one connection may hold of the server: how long it may take to send a request,
/// how large the request's head may be, how long it may sit idle, and how many connections the
/// server and one client address may hold at once.
public struct EdgeSettings: Sendable {
    /// From a request's first byte to the end of its head (request line and headers). A client
    /// that sends its head slower than this (slowloris) gets 408 and the connection is closed.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// From the end of a request's head to the end of its body.
    public var bodyTimeout: TimeAmount = .seconds(30)
    /// A connection with no request in progress and no response owed (a keep-alive connection
    /// between requests, or one that never sent a byte) is closed after this long.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// The request line and all headers together, in bytes; more gets 431.
    public var maximumHeaderBytes = 16 * 1024
    /// Header fields in one request; more gets 431.
    public var maximumHeaderCount = 100
    /// Connections held at once; nil: the process's file-descriptor limit less a reserve for the
    /// database, files and outbound connections. A connection past it is answered 503 and closed
    /// at once, never left waiting in the listen backlog.
    public var maximumConnections: Int? = nil
    /// Connections one client address may hold at once (0: no limit). A trusted proxy's own
    /// connections are not limited: it carries many clients.
    public var maximumConnectionsPerAddress = 1_000
    /// The reverse proxies whose forwarding header names the client (none by default).
    public var trustedProxies = TrustedProxies()

    public init() {}

    /// Reads the edge's keys over the defaults:
    /// - `TIFFIN_HTTP_HEADER_TIMEOUT_SECONDS`: time to send a request's head (1…300, default 10).
    /// - `TIFFIN_HTTP_BODY_TIMEOUT_SECONDS`: time to send a request's body (1…600, default 30).
    /// - `TIFFIN_HTTP_IDLE_TIMEOUT_SECONDS`: an idle connection is closed after this long (1…3600,
    ///   default 60). Live connections are not HTTP once upgraded: their heartbeat governs them.
    /// - `TIFFIN_HTTP_MAX_HEADER_BYTES`: request line and headers (1024…1048576, default 16384).
    /// - `TIFFIN_HTTP_MAX_HEADER_COUNT`: header fields per request (8…10000, default 100).
    /// - `TIFFIN_MAX_CONNECTIONS`: connections held at once (16…10000000; default: the file
    ///   limit, raised to its hard limit at start, less 1024).
    /// - `TIFFIN_MAX_CONNECTIONS_PER_ADDRESS`: per client address (0 = no limit, default 1000).
    /// - `TIFFIN_TRUSTED_PROXIES`: the reverse proxies in front of Tiffin, addresses or CIDR ranges
    ///   separated by commas or spaces (`127.0.0.1, 10.0.0.0/8`; default none).
    /// - `TIFFIN_FORWARDED_HEADER`: the header those proxies write, `x-forwarded-for` (default) or
    ///   `forwarded`. Only that one is read.
    public init(reader: SettingsReader) {
        if let v: Int = reader.number("TIFFIN_HTTP_HEADER_TIMEOUT_SECONDS", 1...300) { headerTimeout = .seconds(Int64(v)) }
        if let v: Int = reader.number("TIFFIN_HTTP_BODY_TIMEOUT_SECONDS", 1...600) { bodyTimeout = .seconds(Int64(v)) }
        if let v: Int = reader.number("TIFFIN_HTTP_IDLE_TIMEOUT_SECONDS", 1...3_600) { idleTimeout = .seconds(Int64(v)) }
        if let v: Int = reader.number("TIFFIN_HTTP_MAX_HEADER_BYTES", 1_024...1_048_576) { maximumHeaderBytes = v }
        if let v: Int = reader.number("TIFFIN_HTTP_MAX_HEADER_COUNT", 8...10_000) { maximumHeaderCount = v }
        if let v: Int = reader.number("TIFFIN_MAX_CONNECTIONS", 16...10_000_000) { maximumConnections = v }
        if let v: Int = reader.number("TIFFIN_MAX_CONNECTIONS_PER_ADDRESS", 0...10_000_000) { maximumConnectionsPerAddress = v }
        if let list = reader.string("TIFFIN_TRUSTED_PROXIES") {
            let entries = list.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            let bad = entries.filter { NetworkRange($0) == nil }
            if bad.isEmpty {
                trustedProxies.ranges = entries.compactMap(NetworkRange.init)
            } else {
                reader.problem("TIFFIN_TRUSTED_PROXIES", "\(bad.map { "'\($0)'" }.joined(separator: ", ")) is not an address or CIDR range")
            }
        }
        if let header = reader.choice("TIFFIN_FORWARDED_HEADER", TrustedProxies.Header.self) { trustedProxies.header = header }
    }
}
