public import Core
import Foundation
public import HTTPTypes
public import Hummingbird
import Metrics
import Synchronization

/// What a route costs and whom it serves, for rate limiting: each class has its own buckets.
public enum RateClass: String, Sendable, CaseIterable {
    case signUp = "sign-up"
    case login
    case quote
    case placement
    /// Reads not named otherwise (search, menus, an order, the feed).
    case reads
    /// Writes not named otherwise (a restaurant's answers, menu edits, a courier's steps).
    case actions
    case telemetry
    case liveTicket = "live-ticket"
    /// A courier's position fix, over HTTP or the live connection.
    case courierFix = "courier-fix"
    /// Never limited: `/health`, `/ready`, `/metrics`, the documents and the web apps' files.
    case unlimited
}

/// A token bucket: `quota` requests at once, refilled at `quota` per `window` — the IETF
/// `RateLimit-Policy` of the same name says `q=quota;w=window`.
public struct RateLimitPolicy: Sendable, Equatable, CustomStringConvertible {
    public var quota: Int
    public var window: Int

    public init(_ quota: Int, per window: Int) {
        self.quota = quota
        self.window = window
    }

    /// `10/60`: 10 per 60 seconds.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let quota = Int(parts[0]), let window = Int(parts[1]), (1...1_000_000).contains(quota),
            (1...86_400).contains(window)
        else { return nil }
        self.init(quota, per: window)
    }

    public var description: String { "\(quota)/\(window)" }
}

/// Who a bucket belongs to.
public enum RateScope: String, Sendable, CaseIterable {
    case account, address
}

/// The limits of each route class, per account and per client address.
///
/// The defaults let a person (or a shop's shared address, or a carrier's NAT) do everything the
/// apps do at a brisk pace, and stop a script: 10 sign-ups an hour from an address; 30 logins a
/// minute from an address (wrong passwords have their own throttle); a customer quotes 60 and
/// orders 10 times a minute; reads at 20 a second per account; a courier sends a fix every few
/// seconds and may catch up 10 at once.
public struct RateLimitSettings: Sendable {
    public var enabled = true
    public var policies: [RateClass: [RateScope: RateLimitPolicy]] = [
        .signUp: [.address: .init(10, per: 3_600)],
        .login: [.address: .init(30, per: 60)],
        .quote: [.account: .init(60, per: 60), .address: .init(600, per: 60)],
        .placement: [.account: .init(10, per: 60), .address: .init(120, per: 60)],
        .reads: [.account: .init(1_200, per: 60), .address: .init(6_000, per: 60)],
        .actions: [.account: .init(300, per: 60), .address: .init(1_200, per: 60)],
        .telemetry: [.address: .init(120, per: 60)],
        .liveTicket: [.account: .init(30, per: 60), .address: .init(300, per: 60)],
        .courierFix: [.account: .init(10, per: 5), .address: .init(6_000, per: 60)],
    ]

    public init() {}

    /// - `TIFFIN_RATE_LIMITS`: `off`, or overrides of the defaults separated by commas:
    ///   `class.scope=quota/seconds` (`placement.account=20/60`), or `class.scope=off`. Classes:
    ///   sign-up, login, quote, placement, reads, actions, telemetry, live-ticket, courier-fix;
    ///   scopes: account, address.
    public init(reader: SettingsReader) {
        guard let raw = reader.string("TIFFIN_RATE_LIMITS") else { return }
        if ["off", "false", "0", "no"].contains(raw.lowercased()) {
            enabled = false
            return
        }
        for entry in raw.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let pair = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let name = pair[0].split(separator: ".").map(String.init)
            guard pair.count == 2, name.count == 2, let rateClass = RateClass(rawValue: name[0]), rateClass != .unlimited,
                let scope = RateScope(rawValue: name[1])
            else {
                reader.problem("TIFFIN_RATE_LIMITS", "'\(entry)' is not class.scope=quota/seconds (e.g. placement.account=10/60)")
                continue
            }
            if pair[1].lowercased() == "off" {
                policies[rateClass, default: [:]][scope] = nil
            } else if let policy = RateLimitPolicy(pair[1]) {
                policies[rateClass, default: [:]][scope] = policy
            } else {
                reader.problem("TIFFIN_RATE_LIMITS", "'\(pair[1])' in '\(entry)' is not quota/seconds (1…1000000 per 1…86400)")
            }
        }
    }
}

/// Token buckets per route class, account and client address, in memory.
///
/// Several instances on one database: each bucket holds `1/n` of the policy, `n` being the
/// instances alive (`shares`). Behind a load balancer that spreads requests, a client meets the
/// city-wide limit; a client pinned to one instance meets a tighter one — never a looser one, so
/// adding instances never multiplies what an attacker may send. Buckets are not shared: a limit
/// that needed the database on every request would fall with the database, and most requests are
/// reads the database never sees.
public final class RateLimiter: Sendable {
    public let settings: RateLimitSettings
    /// The instances sharing the limits (at least 1).
    let shares: @Sendable () -> Int

    private struct Key: Hashable {
        let rateClass: RateClass
        let scope: RateScope
        let who: String
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private final class Shard: Sendable {
        let buckets = Mutex<[Key: Bucket]>([:])
    }

    /// Buckets in shards, so requests on different cores rarely wait for one lock.
    private let shards: [Shard] = (0..<16).map { _ in Shard() }
    private static let shardCapacity = 20_000
    private static let epoch = ContinuousClock.now

    private static let refused = Dictionary(
        uniqueKeysWithValues: RateClass.allCases.map { ($0, Counter(label: "tiffin_rate_limited_total", dimensions: [("class", $0.rawValue)])) })

    public init(settings: RateLimitSettings, shares: @escaping @Sendable () -> Int = { 1 }) {
        self.settings = settings
        self.shares = shares
    }

    /// What one request of `rateClass` found.
    public struct Decision: Sendable {
        /// Seconds until a request may succeed; nil: admitted.
        public var retryAfter: Int?
        /// `RateLimit-Policy` and `RateLimit` field values (draft-ietf-httpapi-ratelimit-headers);
        /// nil when the class has no limit.
        public var policyHeader: String?
        public var stateHeader: String?
    }

    /// Takes one token from each bucket the request falls under (the account's when signed in,
    /// the address's when known), or none when one of them is empty.
    public func take(_ rateClass: RateClass, account: String?, address: String?) -> Decision {
        guard settings.enabled, rateClass != .unlimited, let policies = settings.policies[rateClass], !policies.isEmpty else {
            return Decision()
        }
        let now = ContinuousClock.now - Self.epoch
        let seconds = Double(now.components.seconds) + Double(now.components.attoseconds) * 1e-18
        let share = Double(max(1, shares()))
        var checks: [(scope: RateScope, policy: RateLimitPolicy, key: Key, capacity: Double)] = []
        for scope in RateScope.allCases {
            guard let policy = policies[scope] else { continue }
            let who: String
            switch scope {
            case .account:
                guard let account else { continue }
                who = account
            case .address:
                guard let address else { continue }
                who = address
            }
            checks.append((scope, policy, Key(rateClass: rateClass, scope: scope, who: who), max(1, Double(policy.quota) / share)))
        }
        guard !checks.isEmpty else { return Decision() }
        // Look first, then take: a request refused by one bucket must not drain the others.
        var remaining: [(scope: RateScope, tokens: Double, capacity: Double, policy: RateLimitPolicy)] = []
        var wait = 0.0
        for check in checks {
            let rate = check.capacity / Double(check.policy.window)
            let tokens = shard(check.key).buckets.withLock { buckets in
                Self.refill(buckets[check.key], capacity: check.capacity, rate: rate, now: seconds)
            }
            if tokens < 1 { wait = max(wait, (1 - tokens) / rate) }
            remaining.append((check.scope, tokens, check.capacity, check.policy))
        }
        if wait == 0 {
            for (index, check) in checks.enumerated() {
                let rate = check.capacity / Double(check.policy.window)
                let left = shard(check.key).buckets.withLock { buckets in
                    var tokens = Self.refill(buckets[check.key], capacity: check.capacity, rate: rate, now: seconds)
                    if tokens >= 1 { tokens -= 1 }
                    if buckets.count >= Self.shardCapacity { Self.evictFull(&buckets, now: seconds, settings: settings, share: share) }
                    buckets[check.key] = Bucket(tokens: tokens, updated: seconds)
                    return tokens
                }
                remaining[index].tokens = left
            }
        } else {
            Self.refused[rateClass]?.increment()
        }
        let name = { (scope: RateScope) in "\"\(rateClass.rawValue)-\(scope.rawValue)\"" }
        let policy = remaining.map { "\(name($0.scope));q=\(Int($0.capacity));w=\($0.policy.window)" }.joined(separator: ", ")
        let state = remaining.map { entry in
            let rate = entry.capacity / Double(entry.policy.window)
            let untilFull = Int(((entry.capacity - entry.tokens) / rate).rounded(.up))
            return "\(name(entry.scope));r=\(Int(entry.tokens.rounded(.down)));t=\(untilFull)"
        }.joined(separator: ", ")
        return Decision(retryAfter: wait > 0 ? max(1, Int(wait.rounded(.up))) : nil, policyHeader: policy, stateHeader: state)
    }

    private func shard(_ key: Key) -> Shard {
        shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
    }

    private static func refill(_ bucket: Bucket?, capacity: Double, rate: Double, now: Double) -> Double {
        guard let bucket else { return capacity }
        return min(capacity, bucket.tokens + (now - bucket.updated) * rate)
    }

    /// A bucket that has refilled is the same as none: dropping those keeps memory bounded under
    /// a flood of distinct addresses or accounts.
    private static func evictFull(_ buckets: inout [Key: Bucket], now: Double, settings: RateLimitSettings, share: Double) {
        buckets = buckets.filter { key, bucket in
            guard let policy = settings.policies[key.rateClass]?[key.scope] else { return false }
            let capacity = max(1, Double(policy.quota) / share)
            return refill(bucket, capacity: capacity, rate: capacity / Double(policy.window), now: now) < capacity
        }
        // Still full: a flood of distinct callers all mid-bucket. Forgetting them all costs each a
        // fresh burst; keeping them would let the flood grow memory without bound.
        if buckets.count >= shardCapacity { buckets.removeAll(keepingCapacity: true) }
    }
}

/// Rate limits at the HTTP edge: each request's route class from its operation (`RouteMiddleware`), its
/// buckets by the signed-in account and the client's address (`TiffinRequestContext.clientAddress`,
/// through trusted proxies). A refusal is `429` problem+json with `Retry-After`; every answer of
/// a limited class carries `RateLimit-Policy` and `RateLimit`. After authentication, so the
/// account is known; a request with a bad token is limited by its address alone.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = TiffinRequestContext
    let limiter: RateLimiter

    public init(limiter: RateLimiter) {
        self.limiter = limiter
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let rateClass = context.operation?.rateClass ?? .unlimited
        let decision = limiter.take(rateClass, account: context.principal?.userID.uuidString, address: context.clientAddress)
        var response: Response
        if let retryAfter = decision.retryAfter {
            var problem = Problem(
                status: .tooManyRequests, type: "rate-limited", title: "Too many requests",
                detail: "too many \(rateClass.rawValue) requests from you; retry in \(retryAfter) s")
            problem.retryAfterSeconds = retryAfter
            response = try problem.response(from: request, context: context)
        } else {
            do {
                response = try await next(request, context)
            } catch {
                guard decision.policyHeader != nil else { throw error }
                response = try ProblemMiddleware<Context>.problem(for: error, context: context).response(from: request, context: context)
            }
        }
        if let policy = decision.policyHeader, let state = decision.stateHeader {
            response.headers[RateLimitMiddleware.policyField] = policy
            response.headers[RateLimitMiddleware.stateField] = state
        }
        return response
    }

    static let policyField = HTTPField.Name("RateLimit-Policy")!
    static let stateField = HTTPField.Name("RateLimit")!
}

/// Finds each request's documented operation once, first in the chain, for the middleware after
/// it (admission, rate limits, body limits) to read from `context.operation`.
public struct RouteMiddleware: RouterMiddleware {
    public typealias Context = TiffinRequestContext
    let routes: RouteClassifier

    public init(operations: [APIOperation]) {
        self.routes = RouteClassifier(operations)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.operation = routes.operation(method: request.method, path: request.uri.path)
        return try await next(request, context)
    }
}

/// Which documented operation a request's route is (its method and path; `:name` segments match
/// any one segment, a literal wins over a parameter): its rate class, its body limit. Anything
/// undocumented (the web apps' files, unknown paths, which answer 404 anyway) is `unlimited`.
public struct RouteClassifier: Sendable {
    private struct Pattern: Sendable {
        let segments: [Substring?]
        let operation: APIOperation
    }

    /// By method, then by number of segments.
    private let patterns: [HTTPRequest.Method: [Int: [Pattern]]]

    public init(_ operations: [APIOperation]) {
        var patterns: [HTTPRequest.Method: [Int: [Pattern]]] = [:]
        for operation in operations {
            guard let method = HTTPRequest.Method(operation.method.rawValue.uppercased()) else { continue }
            let segments = operation.path.split(separator: "/").map { $0.hasPrefix(":") ? nil : $0 }
            patterns[method, default: [:]][segments.count, default: []].append(Pattern(segments: segments, operation: operation))
        }
        for (method, bySize) in patterns {
            for (size, list) in bySize {
                patterns[method]?[size] = list.sorted { $0.segments.filter { $0 == nil }.count < $1.segments.filter { $0 == nil }.count }
            }
        }
        self.patterns = patterns
    }

    /// The documented operation `method` and `path` reach (HEAD as its GET), if any.
    public func operation(method: HTTPRequest.Method, path: String) -> APIOperation? {
        let lookup = method == .head ? .get : method
        let segments = path.split(separator: "/")
        guard let candidates = patterns[lookup]?[segments.count] else { return nil }
        return candidates.first { pattern in zip(pattern.segments, segments).allSatisfy { $0.0 == nil || $0.0 == $0.1 } }?.operation
    }

    public func rateClass(method: HTTPRequest.Method, path: String) -> RateClass {
        operation(method: method, path: path)?.rateClass ?? .unlimited
    }
}
