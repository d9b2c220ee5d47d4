import Core
import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import Storage

/// Sign-up, sign-in and token verification.
///
/// Passwords are hashed with bcrypt off the event loops. Tokens are 256 random bits, handed to
/// the client once and stored only as their SHA-256, with an expiry. The service does not
/// decide which routes a role may call; the HTTP contexts do.
public struct AccountService: Sendable {
    public struct Settings: Sendable {
        public var bcryptCost: UInt8 = 11
        public var tokenLifetime: TimeInterval = 24 * 3600
        public init() {}
    }

    let store: AccountStore
    let clock: any WallClock
    let settings: Settings
    /// Compared against when the email is unknown, so both paths cost one bcrypt verification.
    private static let decoyHash = Bcrypt.hash("tiffin-decoy-password", cost: 4)

    public init(database: any Database, clock: any WallClock, settings: Settings = .init()) {
        self.store = AccountStore(database: database)
        self.clock = clock
        self.settings = settings
    }

    public static func normalize(email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    public func signUp(email: String, password: String, name: String, role: Role) async throws -> Account {
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
            return try await signUp(email: email, password: password, name: name, role: role)
        } catch AccountError.emailTaken {
            guard let existing = try await store.user(email: Self.normalize(email: email)) else { throw AccountError.emailTaken(email) }
            return existing.account
        }
    }

    public func logIn(email: String, password: String) async throws -> IssuedToken {
        let user = try await store.user(email: Self.normalize(email: email))
        let hash = user?.passwordHash ?? Self.decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
        guard let user, matches else { throw AccountError.invalidCredentials }
        let token = Self.makeToken()
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(settings.tokenLifetime)
        try await store.insertToken(hash: Self.hash(token: token), userID: user.id, createdAt: now, expiresAt: expiresAt)
        return IssuedToken(token: token, expiresAt: expiresAt, account: user.account)
    }

    public func logOut(token: String) async throws {
        try await store.deleteToken(hash: Self.hash(token: token))
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
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension AccountService {
    /// The account a bearer token belongs to; nil when unknown or expired.
    public func principal(forToken token: String) async throws -> Principal? {
        try await store.principal(tokenHash: Self.hash(token: token), now: clock.now())
    }
}
