public import Foundation

/// The four kinds of account. A route states which roles may call it.
public enum Role: String, Codable, Sendable, CaseIterable {
    case customer
    case staff
    case courier
    case `operator`
}

/// Who is calling, proven by a valid bearer token.
public struct Principal: Sendable, Hashable {
    public let userID: UUID
    public let role: Role
    public let email: String

    public init(userID: UUID, role: Role, email: String) {
        self.userID = userID
        self.role = role
        self.email = email
    }
}

/// One sign-in: who, and which token proved it — named by an opaque id (the token's hash, never
/// the token), so what was opened with the sign-in (a live connection) can end with it.
public struct Session: Sendable, Hashable {
    public let principal: Principal
    /// The token's id: the same for every use of one token, different for each sign-in.
    public let id: String
    public let expiresAt: Date

    public init(principal: Principal, id: String, expiresAt: Date) {
        self.principal = principal
        self.id = id
        self.expiresAt = expiresAt
    }
}

/// A sign-in ended before its time (the token was logged out): whatever it opened must close.
public struct SessionEnded: Sendable, Codable, Equatable {
    public let sessionID: String
    public let userID: UUID

    public init(sessionID: String, userID: UUID) {
        self.sessionID = sessionID
        self.userID = userID
    }
}
