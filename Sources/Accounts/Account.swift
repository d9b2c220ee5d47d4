public import Core
public import Foundation

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
    case tooManyAttempts(retryAfterSeconds: Int)

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
        case .tooManyAttempts(let seconds):
            ProblemDescription(
                kind: .tooManyRequests, type: "too-many-attempts", title: "Too many attempts",
                detail: "too many wrong passwords; try again in \(seconds) s", retryAfterSeconds: seconds)
        }
    }
}

/// The rules for the fields of an account, shared by sign-up, operator creation and the API document.
public enum AccountRules {
    public static let passwordLength = 8...72  // bytes at most 72: bcrypt ignores the rest
    public static let nameLength = 1...100
    public static let emailMaximumLength = 254

    /// Throws `ValidationError` naming the first field at fault.
    public static func validate(email: String, password: String, name: String) throws {
        let normalized = AccountService.normalize(email: email)
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard TextSafetyRules.length(normalized) <= emailMaximumLength, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            normalized.unicodeScalars.allSatisfy({ !CharacterSet.whitespacesAndNewlines.contains($0) && !CharacterSet.controlCharacters.contains($0) }
            )
        else {
            throw ValidationError(field: "email", reason: "must be an email address")
        }
        guard password.count >= passwordLength.lowerBound else {
            throw ValidationError(field: "password", reason: "must be at least \(passwordLength.lowerBound) characters")
        }
        guard password.utf8.count <= passwordLength.upperBound else {
            throw ValidationError(field: "password", reason: "must be at most \(passwordLength.upperBound) bytes")
        }
        try TextSafetyRules.noNUL(password, field: "password")
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard nameLength.contains(TextSafetyRules.length(trimmed)) else {
            throw ValidationError(field: "name", reason: "must be \(nameLength.lowerBound) to \(nameLength.upperBound) characters")
        }
        try TextSafetyRules.noNUL(name, field: "name")
    }
}
