public import Core

/// One of the four role accounts of the demo city (all with `DemoCity.password`).
public struct DemoAccount: Sendable, Equatable {
    public let role: Role
    public let email: String
    public let name: String

    public init(role: Role, email: String, name: String) {
        self.role = role
        self.email = email
        self.name = name
    }
}
