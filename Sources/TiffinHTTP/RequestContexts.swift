import Core
import Foundation
import Hummingbird
import Logging

/// Resolves a bearer token to the account it belongs to. Implemented by Accounts.
public protocol TokenVerifier: Sendable {
    /// Nil when the token is unknown or expired.
    func principal(forToken token: String) async throws -> Principal?
}

/// The context every request starts with: who is calling, if anyone.
public struct TiffinRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    public var maxUploadSize: Int { maximumRequestBodyBytes }

    public var responseEncoder: JSONEncoder { TiffinJSON.encoder }
}

/// Reads `Authorization: Bearer …` and sets `context.principal`. An absent header leaves the
/// caller anonymous (public routes still work); a present but invalid one is a 401 at once.
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = TiffinRequestContext
    let verifier: any TokenVerifier

    public init(verifier: any TokenVerifier) {
        self.verifier = verifier
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        guard header.lowercased().hasPrefix("bearer ") else { throw Problem.unauthorized }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, let principal = try await verifier.principal(forToken: token) else {
            throw Problem.unauthorized
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "user.id"] = .string(principal.userID.uuidString)
        return try await next(request, context)
    }
}

/// Which roles a route group admits.
public protocol RoleRequirement: Sendable {
    static var roles: Set<Role> { get }
}

public enum AnyRole: RoleRequirement { public static let roles = Set(Role.allCases) }
public enum CustomerRole: RoleRequirement { public static let roles: Set<Role> = [.customer] }
public enum StaffRole: RoleRequirement { public static let roles: Set<Role> = [.staff] }
public enum CourierRole: RoleRequirement { public static let roles: Set<Role> = [.courier] }
public enum OperatorRole: RoleRequirement { public static let roles: Set<Role> = [.operator] }

/// A context that proves an authenticated caller with one of `Requirement.roles`: handlers in a
/// group using it receive `context.principal`, never an optional.
public struct Authenticated<Requirement: RoleRequirement>: ChildRequestContext {
    public typealias ParentContext = TiffinRequestContext
    public var coreContext: CoreRequestContextStorage
    public let principal: Principal

    public init(context: TiffinRequestContext) throws {
        guard let principal = context.principal else { throw Problem.unauthorized }
        guard Requirement.roles.contains(principal.role) else {
            let allowed = Requirement.roles.map(\.rawValue).sorted().joined(separator: ", ")
            throw Problem(
                status: .forbidden, type: "wrong-role", title: "Forbidden",
                detail: "this route is for \(allowed); you are signed in as \(principal.role.rawValue)")
        }
        self.coreContext = context.coreContext
        self.principal = principal
    }

    public var maxUploadSize: Int { maximumRequestBodyBytes }
    public var responseEncoder: JSONEncoder { TiffinJSON.encoder }
}

public typealias SignedInContext = Authenticated<AnyRole>
public typealias CustomerContext = Authenticated<CustomerRole>
public typealias StaffContext = Authenticated<StaffRole>
public typealias CourierContext = Authenticated<CourierRole>
public typealias OperatorContext = Authenticated<OperatorRole>
