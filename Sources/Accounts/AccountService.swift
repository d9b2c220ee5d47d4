public import Core
import Crypto
public import Foundation
import HummingbirdBcrypt
import NIOPosix
public import Storage
import Synchronization

/// Sign-up, sign-in, operators and token verification.
///
/// Passwords are hashed with bcrypt off the event loops. Tokens are 256 random bits, handed to
/// the client once and stored only as their SHA-256, with an expiry. Log-in attempts are
/// throttled per account and per client address (`LoginThrottle`); an unknown email costs the
/// same bcrypt work as a known one. The service does not decide which routes a role may call;
/// the HTTP contexts do.
public struct AccountService: Sendable {
    public struct Settings: Sendable {
        public var bcryptCost: UInt8 = 11
        public var tokenLifetime: TimeInterval = 24 * 3600
        public var throttle = LoginThrottle.Settings()
        public init() {}
    }

    let store: AccountStore
    let clock: any WallClock
    let settings: Settings
    let throttle: LoginThrottle
    /// Sign-ins that ended before their time (a logout), as they end: what a session opened (a
    /// live connection) listens here and closes.
    public let sessionEnds = Feed<SessionEnded>(buffer: 10_000)
    let sessions = SessionCache()
    /// Compared against when the email is unknown: made at the configured cost, so both paths
    /// cost one bcrypt verification of the same work and timing does not tell which emails exist.
    /// Made on first use, not at start-up (one hash at cost 11 is a noticeable fraction of a second).
    private let decoy = DecoyHash()

    /// The decoy as a login with an unknown email compares against.
    var decoyHash: String { decoy.value(cost: settings.bcryptCost) }

    final class DecoyHash: Sendable {
        private let hash = Mutex<String?>(nil)
        func value(cost: UInt8) -> String {
            if let made = hash.withLock({ $0 }) { return made }
            let made = Bcrypt.hash(UUID().uuidString, cost: cost)
            return hash.withLock { held in
                if held == nil { held = made }
                return held!
            }
        }
    }

    public init(database: any Database, clock: any WallClock, settings: Settings = .init()) {
        self.store = AccountStore(database: database)
        self.clock = clock
        self.settings = settings
        self.throttle = LoginThrottle(settings: settings.throttle)
    }

    public static func normalize(email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Creates an account of `role`. Operators are created with `createOperator`, never here.
    public func signUp(email: String, password: String, name: String, role: Role) async throws -> Account {
        guard role != .operator else { throw AccountError.roleNotOpenForSignUp(.operator) }
        return try await create(email: email, password: password, name: name, role: role)
    }

    /// Creates an operator: by another operator, or by `tiffin operators create` on the server.
    public func createOperator(email: String, password: String, name: String) async throws -> Account {
        try await create(email: email, password: password, name: name, role: .operator)
    }

    private func create(email: String, password: String, name: String, role: Role) async throws -> Account {
        try AccountRules.validate(email: email, password: password, name: name)
        let account = Account(
            id: UUID(), email: Self.normalize(email: email), name: name.trimmingCharacters(in: .whitespacesAndNewlines),
            role: role, createdAt: clock.now())
        let cost = settings.bcryptCost
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        try await store.insert(account, passwordHash: hash)
        return account
    }

    /// Creates the account unless one with this email exists (demo seeding; idempotent).
    @discardableResult
    public func ensureAccount(email: String, password: String, name: String, role: Role) async throws -> Account {
        if let existing = try await store.user(email: Self.normalize(email: email)) {
            return existing.account
        }
        do {
            return try await create(email: email, password: password, name: name, role: role)
        } catch AccountError.emailTaken {
            guard let existing = try await store.user(email: Self.normalize(email: email)) else { throw AccountError.emailTaken(email) }
            return existing.account
        }
    }

    /// Whether an account with this email exists (the home page shows demo credentials only then).
    public func exists(email: String) async throws -> Bool {
        try await store.user(email: Self.normalize(email: email)) != nil
    }

    /// - Parameter client: the caller's address, for throttling.
    /// - Throws: `AccountError.tooManyAttempts` while throttled, `.invalidCredentials` otherwise.
    public func logIn(email: String, password: String, client: String = "local") async throws -> IssuedToken {
        let normalized = Self.normalize(email: email)
        if let seconds = throttle.retryAfter(account: normalized, address: client, now: clock.now()) {
            throw AccountError.tooManyAttempts(retryAfterSeconds: seconds)
        }
        let user = try await store.user(email: normalized)
        let hash = user?.passwordHash ?? decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
        guard let user, matches else {
            throttle.recordFailure(account: normalized, address: client, now: clock.now())
            throw AccountError.invalidCredentials
        }
        throttle.recordSuccess(account: normalized)
        let token = Self.makeToken()
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(settings.tokenLifetime)
        try await store.insertToken(hash: Self.hash(token: token), userID: user.id, createdAt: now, expiresAt: expiresAt)
        return IssuedToken(token: token, expiresAt: expiresAt, account: user.account)
    }

    /// Revokes `token` (as the authentication middleware read it from the request); the tickets
    /// it asked for die with it, and `sessionEnds` announces it.
    public func logOut(token: String) async throws {
        let id = Self.hash(token: token)
        sessions.forget(id)
        guard let userID = try await store.deleteToken(hash: id) else { return }
        sessionEnds.publish(SessionEnded(sessionID: id, userID: userID))
    }

    /// A sign-in ended on another instance (heard over the live bus): no longer honoured here.
    public func forgetSession(_ id: String) {
        sessions.forget(id)
    }

    /// The accounts with `role` (the operators, to notify them), at most `limit`.
    public func accountIDs(role: Role, limit: Int = 500) async throws -> [UUID] {
        try await store.accountIDs(role: role, limit: limit)
    }

    public func account(id: UUID) async throws -> Account {
        guard let account = try await store.account(id: id) else { throw NotFoundError(entity: "account", id: id.uuidString) }
        return account
    }

    static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "tfn_"
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(token: String) -> String {
        hexString(SHA256.hash(data: Data(token.utf8)))
    }
}

/// A single-use ticket that opens one live connection (`/v1/realtime`).
public struct RealtimeTicket: Codable, Sendable {
    public let ticket: String
    public let expiresAt: Date
}

extension AccountService {
    /// How long a ticket may wait before it opens a connection.
    public static let ticketLifetime: TimeInterval = 30

    /// A ticket for the session of `token` (signed in as `principal`): spent by the first
    /// connection that presents it, worthless after `ticketLifetime` or once that token is
    /// logged out. Browsers send it as a WebSocket subprotocol (`ticket.<ticket>`), so it is in
    /// neither the URL nor any log.
    public func issueTicket(for principal: Principal, token: String) async throws -> RealtimeTicket {
        let ticket = "tkt_" + Self.makeToken().dropFirst(4)
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(Self.ticketLifetime)
        try await store.insertTicket(
            hash: Self.hash(token: ticket), userID: principal.userID, tokenHash: Self.hash(token: token), expiresAt: expiresAt, now: now)
        return RealtimeTicket(ticket: ticket, expiresAt: expiresAt)
    }

    /// The session a ticket was issued for, spending it; nil when unknown, spent, expired, or
    /// its token was logged out or expired.
    public func redeemTicket(_ ticket: String) async throws -> Session? {
        guard ticket.hasPrefix("tkt_"), ticket.utf8.count <= 100 else { return nil }
        return try await store.redeemTicket(hash: Self.hash(token: ticket), now: clock.now())
    }
}

extension AccountService {
    /// The account a bearer token belongs to; nil when unknown or expired.
    public func principal(forToken token: String) async throws -> Principal? {
        try await session(forToken: token)?.principal
    }

    /// The session a bearer token stands for; nil when unknown or expired.
    /// Read through `sessions`; with the database unavailable, the last reading stands.
    public func session(forToken token: String) async throws -> Session? {
        guard token.utf8.count <= 200 else { return nil }
        let id = Self.hash(token: token)
        let now = clock.now()
        if let cached = sessions.fresh(id, now: now) { return cached }
        do {
            let session = try await store.session(tokenHash: id, now: now)
            if let session { sessions.remember(session, now: now) } else { sessions.forget(id) }
            return session
        } catch let outage as DatabaseUnavailable {
            if let last = sessions.last(id, now: now) { return last }
            throw outage
        }
    }
}

extension AccountService {
    /// The schema of the tables this service owns.
    public static var migrations: [Migration] { AccountStore.migrations }
}
