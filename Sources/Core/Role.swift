import Foundation

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
