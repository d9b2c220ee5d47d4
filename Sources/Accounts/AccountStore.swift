import Core
import Foundation
import SQLKit
import Storage

/// Accounts and hashed access tokens. Owns tables `users` and `access_tokens`.
struct AccountStore: Sendable {
    let database: any Database

    init(database: any Database) {
        self.database = database
    }

    static let migrations: [Migration] = [
        Migration(id: "accounts-001-users") { t in
            [
                """
                CREATE TABLE users (
                    id \(t.uuid) PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at \(t.timestamp) NOT NULL
                )
                """,
                """
                CREATE TABLE access_tokens (
                    token_hash TEXT PRIMARY KEY,
                    user_id \(t.uuid) NOT NULL REFERENCES users(id),
                    created_at \(t.timestamp) NOT NULL,
                    expires_at \(t.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX access_tokens_user ON access_tokens (user_id)",
            ]
        },
        Migration(id: "accounts-002-realtime-tickets") { t in
            [
                // Single-use, short-lived tickets that open a live connection (browsers cannot
                // send an Authorization header on a WebSocket). Stored hashed, like tokens.
                """
                CREATE TABLE realtime_tickets (
                    ticket_hash TEXT PRIMARY KEY,
                    user_id \(t.uuid) NOT NULL REFERENCES users(id),
                    expires_at \(t.timestamp) NOT NULL,
                    used_at \(t.timestamp)
                )
                """,
                "CREATE INDEX realtime_tickets_expiry ON realtime_tickets (expires_at)",
            ]
        },
        Migration(id: "accounts-003-tickets-bound-to-tokens") { _ in
            // A ticket opens a connection only while the token that asked for it is signed in.
            // Tickets from before this have none and open nothing (they live 30 s).
            ["ALTER TABLE realtime_tickets ADD COLUMN token_hash TEXT"]
        },
    ]

    struct UserRow: Decodable {
        let id: UUID
        let email: String
        let passwordHash: String
        let role: String
        let name: String
        let createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, email, role, name
            case passwordHash = "password_hash"
            case createdAt = "created_at"
        }

        var account: Account {
            Account(id: id, email: email, name: name, role: Role(rawValue: role) ?? .customer, createdAt: createdAt)
        }
    }

    /// Inserts a user; `AccountError.emailTaken` if the email exists.
    func insert(_ account: Account, passwordHash: String) async throws {
        do {
            try await database.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO users (id, email, password_hash, role, name, created_at)
                    VALUES (\(bind: account.id), \(bind: account.email), \(bind: passwordHash), \(bind: account.role.rawValue), \(bind: account.name), \(bind: account.createdAt))
                    """
                ).run()
            }
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            throw AccountError.emailTaken(account.email)
        }
    }

    func user(email: String) async throws -> UserRow? {
        try await database.read { db in
            try await db.raw("SELECT id, email, password_hash, role, name, created_at FROM users WHERE email = \(bind: email)")
                .first(decoding: UserRow.self)
        }
    }

    /// The ids of accounts with `role`, oldest first, at most `limit`.
    func accountIDs(role: Role, limit: Int) async throws -> [UUID] {
        struct Row: Decodable { let id: UUID }
        return try await database.read { db in
            try await db.raw("SELECT id FROM users WHERE role = \(bind: role.rawValue) ORDER BY created_at, id LIMIT \(bind: limit)")
                .all(decoding: Row.self).map(\.id)
        }
    }

    func account(id: UUID) async throws -> Account? {
        try await database.read { db in
            try await db.raw("SELECT id, email, password_hash, role, name, created_at FROM users WHERE id = \(bind: id)")
                .first(decoding: UserRow.self)?.account
        }
    }

    func insertToken(hash: String, userID: UUID, createdAt: Date, expiresAt: Date) async throws {
        try await database.transaction { db in
            try await db.raw(
                """
                INSERT INTO access_tokens (token_hash, user_id, created_at, expires_at)
                VALUES (\(bind: hash), \(bind: userID), \(bind: createdAt), \(bind: expiresAt))
                """
            ).run()
            // Housekeeping: a user's expired tokens go when they sign in again.
            try await db.raw("DELETE FROM access_tokens WHERE user_id = \(bind: userID) AND expires_at <= \(bind: createdAt)").run()
        }
    }

    /// Who a token stands for, as read from `users`, and until when.
    struct SessionRow: Decodable {
        let id: UUID
        let role: String
        let email: String
        let tokenHash: String
        let expiresAt: Date

        enum CodingKeys: String, CodingKey {
            case id, role, email
            case tokenHash = "token_hash"
            case expiresAt = "expires_at"
        }

        var session: Session? {
            Role(rawValue: role).map { Session(principal: Principal(userID: id, role: $0, email: email), id: tokenHash, expiresAt: expiresAt) }
        }
    }

    static func sessionQuery(tokenHash: String, now: Date) -> SQLQueryString {
        """
        SELECT u.id, u.role, u.email, t.token_hash, t.expires_at FROM access_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = \(bind: tokenHash) AND t.expires_at > \(bind: now)
        """
    }

    func session(tokenHash: String, now: Date) async throws -> Session? {
        try await database.read { db in
            try await db.raw(Self.sessionQuery(tokenHash: tokenHash, now: now)).first(decoding: SessionRow.self)
        }?.session
    }

    func insertTicket(hash: String, userID: UUID, tokenHash: String, expiresAt: Date, now: Date) async throws {
        try await database.write { db in
            // Spent and expired tickets are swept as new ones are made.
            try await db.raw("DELETE FROM realtime_tickets WHERE expires_at < \(bind: now.addingTimeInterval(-60))").run()
            try await db.raw(
                """
                INSERT INTO realtime_tickets (ticket_hash, user_id, token_hash, expires_at)
                VALUES (\(bind: hash), \(bind: userID), \(bind: tokenHash), \(bind: expiresAt))
                """
            ).run()
        }
    }

    /// Spends a ticket: the session of the token that asked for it, once, before the ticket
    /// expires and while that token is signed in; nil otherwise (the ticket is spent all the same).
    func redeemTicket(hash: String, now: Date) async throws -> Session? {
        try await database.write { db in
            guard
                let spent = try await db.raw(
                    """
                    UPDATE realtime_tickets SET used_at = \(bind: now)
                    WHERE ticket_hash = \(bind: hash) AND used_at IS NULL AND expires_at > \(bind: now) RETURNING token_hash
                    """
                ).first(),
                let tokenHash = try spent.decodeNil(column: "token_hash") ? nil : spent.decode(column: "token_hash", as: String.self)
            else { return SessionRow?.none }
            return try await db.raw(Self.sessionQuery(tokenHash: tokenHash, now: now)).first(decoding: SessionRow.self)
        }?.session
    }

    /// Deletes a token; returns whose it was (nil when there was no such token).
    func deleteToken(hash: String) async throws -> UUID? {
        try await database.transaction { db in
            try await db.raw("DELETE FROM access_tokens WHERE token_hash = \(bind: hash) RETURNING user_id").first()?
                .decode(column: "user_id", as: UUID.self)
        }
    }
}
