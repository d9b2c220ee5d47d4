public import Foundation
public import Logging
import Storage

/// Everything Tiffin reads at start-up, once. A missing or bad value stops start-up with a
/// message naming the key.
public struct TiffinConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// `TIFFIN_DATABASE_URL`: postgres://… or sqlite://PATH. Default: an embedded SQLite file.
    public var databaseURL = "sqlite://tiffin-data/tiffin.sqlite"
    /// `TIFFIN_DEMO`: seed the demo city on start (idempotent). Unset: only on the embedded SQLite
    /// database — the demo's accounts share a published password, so a PostgreSQL deployment
    /// gets them only when asked for explicitly.
    public var seedDemoCity: Bool? = nil
    /// `TIFFIN_ACCEPT_TIMEOUT_SECONDS`: how long a restaurant has to accept (default 600).
    public var acceptTimeoutSeconds: Double = 600
    /// `TIFFIN_BCRYPT_COST` (4…16, default 11).
    public var bcryptCost: UInt8 = 11
    /// `TIFFIN_TOKEN_LIFETIME_SECONDS` (default 86400).
    public var tokenLifetimeSeconds: Double = 86_400
    /// `TIFFIN_PAYMENT_TIMEOUT_MS`: authorisation deadline at checkout (default 5000).
    public var paymentTimeoutMilliseconds = 5_000
    /// `TIFFIN_DISPATCH_INTERVAL_MS`: period of the courier-matching round (default 2000).
    public var dispatchIntervalMilliseconds = 2_000
    /// Orders are dispatched once their food is expected ready within this many seconds.
    public var dispatchHorizonSeconds: Double = 600
    /// How long a courier has to accept or decline an offer.
    public var offerTimeoutSeconds: Double = 30
    /// A courier's position with no fix for this long is shown stale, with its age.
    public var staleAfterSeconds: Double = 15
    /// How long a graceful shutdown may take (requests in flight, the relay's batch, a last flush)
    /// before what is left is cancelled.
    public var shutdownGraceSeconds: Double = 20
    /// `TIFFIN_EXPIRY_INTERVAL_MS`: period of the order-expiry sweep (default 5000).
    public var expiryIntervalMilliseconds = 5_000
    /// `TIFFIN_OUTBOX_POLL_MS` (default 50): how soon an event is fanned out to its consumers —
    /// the larger part of the delay from a state change to its notification. An idle look is one
    /// indexed query that finds nothing.
    public var outboxPollMilliseconds = 50
    /// `TIFFIN_SANDBOX_SLOW_CARD_MS`: how long the sandbox's slow test card takes (default 30000).
    public var sandboxSlowCardMilliseconds = 30_000
    /// `TIFFIN_LOG_LEVEL` (trace … critical, default info).
    public var logLevel = Logger.Level.info
    /// `TIFFIN_LOG_FORMAT`: `text` (default) or `json` (one object per line).
    public var logFormat = LogFormat.text
    /// `TIFFIN_METRICS_TOKEN`: a bearer token that may read `/metrics` (besides operators).
    public var metricsToken: String? = nil
    /// `TIFFIN_RECONCILE_INTERVAL_MS`: period of payment reconciliation (default 15000).
    public var reconcileIntervalMilliseconds = 15_000
    /// `TIFFIN_ATTENTION_COURIER_SECONDS`: flag an accepted order with no courier after this long (default 600).
    public var attentionCourierSeconds: Double = 600
    /// `TIFFIN_ATTENTION_PICKUP_SECONDS`: flag a ready order its courier has not picked up after this long (default 600).
    public var attentionPickupSeconds: Double = 600
    /// `TIFFIN_ATTENTION_DELIVERY_SECONDS`: flag a picked-up order not delivered after this long (default 2700).
    public var attentionDeliverySeconds: Double = 2_700
    /// `TIFFIN_MAP_TILES`: a raster tile URL template drawn beneath the apps' maps, with `{z}`,
    /// `{x}` and `{y}` (e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`). Unset: the apps
    /// draw the city themselves, with no request leaving the server.
    public var mapTiles: String? = nil
    /// `TIFFIN_MAP_ATTRIBUTION`: the credit the tile server asks for (required with a tile server
    /// other than OpenStreetMap's, whose credit is the default).
    public var mapAttribution: String? = nil

    /// The scheme, host and port of `mapTiles`, which the apps' Content-Security-Policy allows
    /// images from.
    public var mapTileOrigin: String? { mapTiles.flatMap(Self.tileOrigin) }

    /// The origin of a tile URL template, or nil when the template is not one the apps can use
    /// and the policy can name: http(s), a host of letters, digits, `-` and `.` (a name or an
    /// IPv4 address) with an optional port, no credentials, and no placeholder but `{z}`, `{x}`,
    /// `{y}` (each present). Nothing else can reach the policy header.
    static func tileOrigin(_ template: String) -> String? {
        let placeholders = template.split(separator: "{", omittingEmptySubsequences: false).dropFirst().map { String($0.prefix { $0 != "}" }) }
        guard Set(placeholders) == ["z", "x", "y"], placeholders.count == 3,
            !template.contains(where: { $0.isWhitespace || ",;'\"\\".contains($0) }),
            let parts = URLComponents(
                string: template.replacingOccurrences(of: "{z}", with: "0").replacingOccurrences(of: "{x}", with: "0")
                    .replacingOccurrences(of: "{y}", with: "0")),
            let scheme = parts.scheme?.lowercased(), scheme == "https" || scheme == "http", parts.user == nil, parts.password == nil,
            let host = parts.host?.lowercased(), !host.isEmpty,
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
        else { return nil }
        return "\(scheme)://\(host)\(parts.port.map { ":\($0)" } ?? "")"
    }

    /// `TIFFIN_SMTP_*`, `TIFFIN_WEBHOOKS_*` and the reminder: see `NotificationConfiguration`.
    public var notifications = NotificationConfiguration()

    public enum LogFormat: String, Sendable {
        case text, json
    }

    /// Whether the demo city is seeded into `databaseURL`: as configured, else only on SQLite.
    public var seedsDemoCity: Bool {
        seedDemoCity ?? ((try? DatabaseLocation(url: databaseURL).kind) == .sqlite)
    }

    public init() {}

    public struct Error: Swift.Error, CustomStringConvertible {
        public let key: String
        public let reason: String
        public var description: String { "configuration error: \(key): \(reason)" }
    }

    /// Reads `TIFFIN_*` variables over the defaults.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TiffinConfiguration {
        var c = TiffinConfiguration()
        let reader = EnvironmentReader(environment: environment)
        func value(_ key: String) -> String? { reader.value(key) }
        func number<T: LosslessStringConvertible & Comparable>(_ key: String, _ range: ClosedRange<T>) throws -> T? {
            try reader.number(key, range)
        }
        if let host = value("TIFFIN_HOST") { c.host = host }
        if let port: Int = try number("TIFFIN_PORT", 1...65_535) { c.port = port }
        if let url = value("TIFFIN_DATABASE_URL") { c.databaseURL = url }
        if let demo = try reader.bool("TIFFIN_DEMO") { c.seedDemoCity = demo }
        if let v: Double = try number("TIFFIN_ACCEPT_TIMEOUT_SECONDS", 1...86_400) { c.acceptTimeoutSeconds = v }
        if let v: UInt8 = try number("TIFFIN_BCRYPT_COST", 4...16) { c.bcryptCost = v }
        if let v: Double = try number("TIFFIN_TOKEN_LIFETIME_SECONDS", 60...31_536_000) { c.tokenLifetimeSeconds = v }
        if let v: Int = try number("TIFFIN_PAYMENT_TIMEOUT_MS", 100...60_000) { c.paymentTimeoutMilliseconds = v }
        if let v: Int = try number("TIFFIN_DISPATCH_INTERVAL_MS", 50...60_000) { c.dispatchIntervalMilliseconds = v }
        if let v: Double = try number("TIFFIN_OFFER_TIMEOUT_SECONDS", 5...600) { c.offerTimeoutSeconds = v }
        if let v: Double = try number("TIFFIN_DISPATCH_HORIZON_SECONDS", 0...86_400) { c.dispatchHorizonSeconds = v }
        if let v: Double = try number("TIFFIN_STALE_AFTER_SECONDS", 1...3_600) { c.staleAfterSeconds = v }
        if let v: Double = try number("TIFFIN_SHUTDOWN_GRACE_SECONDS", 1...600) { c.shutdownGraceSeconds = v }
        if let v: Int = try number("TIFFIN_EXPIRY_INTERVAL_MS", 50...600_000) { c.expiryIntervalMilliseconds = v }
        if let v: Int = try number("TIFFIN_OUTBOX_POLL_MS", 10...60_000) { c.outboxPollMilliseconds = v }
        if let v: Int = try number("TIFFIN_SANDBOX_SLOW_CARD_MS", 0...600_000) { c.sandboxSlowCardMilliseconds = v }
        if let v: Int = try number("TIFFIN_RECONCILE_INTERVAL_MS", 100...3_600_000) { c.reconcileIntervalMilliseconds = v }
        if let v: Double = try number("TIFFIN_ATTENTION_COURIER_SECONDS", 1...86_400) { c.attentionCourierSeconds = v }
        if let v: Double = try number("TIFFIN_ATTENTION_PICKUP_SECONDS", 1...86_400) { c.attentionPickupSeconds = v }
        if let v: Double = try number("TIFFIN_ATTENTION_DELIVERY_SECONDS", 1...86_400) { c.attentionDeliverySeconds = v }
        c.notifications = try NotificationConfiguration(reader)
        if let tiles = value("TIFFIN_MAP_TILES") {
            guard let origin = Self.tileOrigin(tiles) else {
                throw Error(
                    key: "TIFFIN_MAP_TILES",
                    reason: "an http(s) URL template on a host name with {z}, {x} and {y} and no other placeholder, "
                        + "e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png")
            }
            c.mapTiles = tiles
            c.mapAttribution = value("TIFFIN_MAP_ATTRIBUTION")
            if c.mapAttribution == nil {
                guard origin.hasSuffix("://tile.openstreetmap.org") else {
                    throw Error(key: "TIFFIN_MAP_ATTRIBUTION", reason: "the tile server's credit is required with TIFFIN_MAP_TILES")
                }
                c.mapAttribution = "© OpenStreetMap contributors"
            }
        }
        if let token = value("TIFFIN_METRICS_TOKEN") {
            guard token.count >= 16, !token.contains(where: \.isWhitespace) else {
                throw Error(key: "TIFFIN_METRICS_TOKEN", reason: "must be at least 16 characters without spaces")
            }
            c.metricsToken = token
        }
        if let format = value("TIFFIN_LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw Error(key: "TIFFIN_LOG_FORMAT", reason: "'\(format)' is not text or json")
            }
            c.logFormat = parsed
        }
        if let level = value("TIFFIN_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw Error(key: "TIFFIN_LOG_LEVEL", reason: "'\(level)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            c.logLevel = parsed
        }
        try c.validate()
        return c
    }

    /// What `tiffin serve` may set on its command line; each overrides its environment variable.
    public struct Flags: Sendable {
        public var host: String?
        public var port: Int?
        public var database: String?
        /// true: --demo, false: --no-demo, nil: neither.
        public var demo: Bool?

        public init(host: String? = nil, port: Int? = nil, database: String? = nil, demo: Bool? = nil) {
            self.host = host
            self.port = port
            self.database = database
            self.demo = demo
        }
    }

    /// Defaults, overridden by `TIFFIN_*` variables, overridden by flags; then checked.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment, flags: Flags) throws -> TiffinConfiguration {
        var configuration = try fromEnvironment(environment)
        if let host = flags.host { configuration.host = host }
        if let port = flags.port { configuration.port = port }
        if let database = flags.database { configuration.databaseURL = database }
        if let demo = flags.demo { configuration.seedDemoCity = demo }
        try configuration.validate()
        return configuration
    }

    /// Checks values that flags may also set.
    public func validate() throws {
        do {
            _ = try DatabaseLocation(url: databaseURL)
        } catch let error as DatabaseConfigurationError {
            throw Error(key: "TIFFIN_DATABASE_URL", reason: error.reason)
        }
        guard (1...65_535).contains(port) else { throw Error(key: "TIFFIN_PORT", reason: "\(port) is not a port number") }
    }
}
