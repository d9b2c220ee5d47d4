import Core
import Foundation

/// A person who can sign in. The password is never held here, only in the store as a bcrypt hash.
public struct Account: Codable, Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let name: String
    public let role: Role
    public let createdAt: Date

    public init(id: UUID, email: String, name: String, role: Role, createdAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// A freshly issued bearer token. The plaintext exists only in this value and in the client.
public struct IssuedToken: Codable, Sendable {
    public let token: String
    public let expiresAt: Date
    public let account: Account
}

public enum AccountError: DomainError, Equatable {
    case emailTaken(String)
    case invalidCredentials
    case roleNotOpenForSignUp(Role)

    public var problem: ProblemDescription {
        switch self {
        case .emailTaken(let email):
            ProblemDescription(
                kind: .conflict, type: "email-taken", title: "Email already registered", detail: "an account with \(email) already exists",
                field: "email")
        case .invalidCredentials:
            ProblemDescription(kind: .unauthorized, type: "invalid-credentials", title: "Invalid credentials", detail: "email or password is wrong")
        case .roleNotOpenForSignUp(let role):
            ProblemDescription(
                kind: .forbidden, type: "role-not-open", title: "Role not open for sign-up",
                detail: "\(role.rawValue) accounts are created by an operator", field: "role")
        }
    }
}
