public import Accounts
public import Core
public import Dispatching
public import Foundation
public import Live
public import Logging
public import Notifications
public import Ordering
public import Payments
public import Storage
public import TiffinHTTP

/// Everything Tiffin reads at start-up, once: the server's own keys (below) and each module's
/// `Settings`, which lists its keys where it is declared. Every bad value is reported at once,
/// each by its key, and start-up is refused (`SettingsError`).
public struct TiffinConfiguration: Sendable {
    /// `TIFFIN_HOST` (default 127.0.0.1; `--host`).
    public var host = "127.0.0.1"
    /// `TIFFIN_PORT` (default 8080; `--port`).
    public var port = 8080
    /// `TIFFIN_DATABASE_URL`: postgres://… or sqlite://PATH. Default: an embedded SQLite file.
    public var databaseURL = "sqlite://tiffin-data/tiffin.sqlite"
    /// `TIFFIN_DEMO`: seed the demo city on start (idempotent). Unset: only on the embedded SQLite
    /// database — the demo's accounts share a published password, so a PostgreSQL deployment
    /// gets them only when asked for explicitly.
    public var seedDemoCity: Bool? = nil
    /// `TIFFIN_SHUTDOWN_GRACE_SECONDS` (1…600, default 20): how long a graceful shutdown may take
    /// (requests in flight, the relay's batch, a last flush) before what is left is cancelled.
    public var shutdownGraceSeconds: Double = 20
    /// `TIFFIN_LOG_LEVEL` (trace … critical, default info).
    public var logLevel = Logger.Level.info
    /// `TIFFIN_LOG_FORMAT`: `text` (default) or `json` (one object per line).
    public var logFormat = LogFormat.text
    /// `TIFFIN_DATABASE_WAIT_MS`: how long a call waits for a PostgreSQL connection before it is
    /// answered 503 `database-unavailable` (100…60000, default 2000).
    public var databaseWait: Duration = .seconds(2)

    /// `TIFFIN_METRICS_TOKEN`: a bearer token that may read `/metrics` (besides operators).
    public var metricsToken: String? = nil
    /// `TIFFIN_MAP_TILES`: a raster tile URL template drawn beneath the apps' maps, with `{z}`,
    /// `{x}` and `{y}` (e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`). Unset: the apps
    /// draw the city themselves, with no request leaving the server.
    public var mapTiles: String? = nil
    /// `TIFFIN_MAP_ATTRIBUTION`: the credit the tile server asks for (required with a tile server
    /// other than OpenStreetMap's, whose credit is the default).
    public var mapAttribution: String? = nil

    /// `TIFFIN_*` variables that were set but that no module reads (a misspelt key, or one that
    /// only counts beside another, such as `TIFFIN_SMTP_PORT` without `TIFFIN_SMTP_HOST`).
    public var unreadKeys: [String] = []

    /// Each module's settings, read by the module itself (see each `init(reader:)`).
    public var accounts = AccountService.Settings()
    public var orders = OrderService.Settings()
    public var payments = PaymentSettings()
    public var dispatch = DispatchService.Settings()
    public var relay = OutboxRelay.Settings()
    public var notifications = NotificationSettings()
    public var live = LiveLayer.Settings()
    public var edge = EdgeSettings()
    public var rateLimits = RateLimitSettings()
    public var admission = AdmissionSettings()

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

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    /// Whether the demo city is seeded into `databaseURL`: as configured, else only on SQLite.
    public var seedsDemoCity: Bool {
        seedDemoCity ?? ((try? DatabaseLocation(url: databaseURL).kind) == .sqlite)
    }

    public init() {}

    public typealias Error = SettingsError

    /// Reads `TIFFIN_*` variables over the defaults: the server's keys, then each module's.
    /// Throws one error naming every bad key.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(SettingsError) -> TiffinConfiguration {
        let reader = SettingsReader(environment: environment)
        var configuration = TiffinConfiguration(reader: reader)
        try reader.check()
        // Read by commands other than `serve`, or by the scripts and tests around it.
        configuration.unreadKeys = reader.unknownKeys().filter {
            $0 != "TIFFIN_OPERATOR_PASSWORD" && !$0.hasPrefix("TIFFIN_TEST_") && !$0.hasPrefix("TIFFIN_PG_")
        }
        return configuration
    }

    /// Reads every key from `reader`, recording bad values there.
    public init(reader: SettingsReader) {
        if let host = reader.string("TIFFIN_HOST") { self.host = host }
        if let port: Int = reader.number("TIFFIN_PORT", 1...65_535) { self.port = port }
        if let url = reader.string("TIFFIN_DATABASE_URL") {
            if let reason = Self.problem(databaseURL: url) { reader.problem("TIFFIN_DATABASE_URL", reason) } else { databaseURL = url }
        }
        seedDemoCity = reader.bool("TIFFIN_DEMO")
        if let v: Double = reader.number("TIFFIN_SHUTDOWN_GRACE_SECONDS", 1...600) { shutdownGraceSeconds = v }
        if let tiles = reader.string("TIFFIN_MAP_TILES") {
            if let origin = Self.tileOrigin(tiles) {
                mapTiles = tiles
                mapAttribution = reader.string("TIFFIN_MAP_ATTRIBUTION")
                if mapAttribution == nil {
                    if origin.hasSuffix("://tile.openstreetmap.org") {
                        mapAttribution = "© OpenStreetMap contributors"
                    } else {
                        reader.problem("TIFFIN_MAP_ATTRIBUTION", "the tile server's credit is required with TIFFIN_MAP_TILES")
                    }
                }
            } else {
                reader.problem(
                    "TIFFIN_MAP_TILES",
                    "an http(s) URL template on a host name with {z}, {x} and {y} and no other placeholder, "
                        + "e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png")
            }
        }
        if let wait = reader.milliseconds("TIFFIN_DATABASE_WAIT_MS", 100...60_000) { databaseWait = wait }
        if let token = reader.string("TIFFIN_METRICS_TOKEN") {
            if token.count >= 16, !token.contains(where: \.isWhitespace) {
                metricsToken = token
            } else {
                reader.problem("TIFFIN_METRICS_TOKEN", "must be at least 16 characters without spaces")
            }
        }
        if let format = reader.choice("TIFFIN_LOG_FORMAT", LogFormat.self) { logFormat = format }
        if let level = reader.string("TIFFIN_LOG_LEVEL") {
            if let parsed = Logger.Level(rawValue: level.lowercased()) {
                logLevel = parsed
            } else {
                reader.problem("TIFFIN_LOG_LEVEL", "'\(level)' is not one of trace, debug, info, notice, warning, error, critical")
            }
        }
        accounts = AccountService.Settings(reader: reader)
        orders = OrderService.Settings(reader: reader)
        payments = PaymentSettings(reader: reader)
        dispatch = DispatchService.Settings(reader: reader)
        relay = OutboxRelay.Settings(reader: reader)
        notifications = NotificationSettings(reader: reader)
        live = LiveLayer.Settings(reader: reader)
        edge = EdgeSettings(reader: reader)
        rateLimits = RateLimitSettings(reader: reader)
        admission = AdmissionSettings(reader: reader)
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
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment, flags: Flags) throws(SettingsError)
        -> TiffinConfiguration
    {
        var configuration = try fromEnvironment(environment)
        if let host = flags.host { configuration.host = host }
        if let port = flags.port { configuration.port = port }
        if let database = flags.database { configuration.databaseURL = database }
        if let demo = flags.demo { configuration.seedDemoCity = demo }
        try configuration.validate()
        return configuration
    }

    /// Checks values that flags may also set.
    public func validate() throws(SettingsError) {
        var problems: [SettingsProblem] = []
        if let reason = Self.problem(databaseURL: databaseURL) { problems.append(SettingsProblem(key: "TIFFIN_DATABASE_URL", reason: reason)) }
        if !(1...65_535).contains(port) { problems.append(SettingsProblem(key: "TIFFIN_PORT", reason: "\(port) is not a port number")) }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }

    /// Why `url` names no database Tiffin can open; nil when it does.
    private static func problem(databaseURL url: String) -> String? {
        do {
            _ = try DatabaseLocation(url: url)
            return nil
        } catch let error as DatabaseConfigurationError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }
}
