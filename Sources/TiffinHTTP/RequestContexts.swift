public import Core
import HTTPTypes
public import Foundation
public import Hummingbird
import Logging
public import NIOCore

/// Resolves a bearer token to the account it belongs to. Implemented by Accounts.
public protocol TokenVerifier: Sendable {
    /// Nil when the token is unknown or expired.
    func principal(forToken token: String) async throws -> Principal?
}

/// The one reading of an `Authorization` header, used by authentication and by logout alike:
/// the scheme `Bearer` in any case, one or more spaces, the token; surrounding whitespace ignored.
public enum BearerCredential {
    /// The token, or nil when the header is not a bearer credential.
    public static func token(fromHeader header: String) -> String? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer ", let space = trimmed.firstIndex(of: " ") else { return nil }
        let token = trimmed[space...].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, !token.contains(where: { $0.isWhitespace }) else { return nil }
        return token
    }
}

/// The context every request starts with: who is calling, if anyone, and from where.
public struct TiffinRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The bearer token that proved `principal` (for logout).
    public var bearerToken: String?
    /// The peer of the connection. Behind a reverse proxy this is the proxy.
    public let remoteAddress: SocketAddress?
    /// The client's address, for rate limits, throttles and logs: the peer's IP, or — from a
    /// trusted proxy — the address it forwarded (`ClientAddressMiddleware`); "unknown" without one.
    public var clientAddress: String
    /// The documented operation the request's route is, if any (`RouteMiddleware`): its rate
    /// class and body limit.
    public var operation: APIOperation?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.remoteAddress = source.channel.remoteAddress
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var maxUploadSize: Int { maximumRequestBodyBytes }

    public var responseEncoder: JSONEncoder { TiffinJSON.encoder }
}

/// Sets `context.clientAddress` through the trusted proxies, and names it in every log line the
/// request causes (`RequestScope`). First in the chain.
public struct ClientAddressMiddleware: RouterMiddleware {
    public typealias Context = TiffinRequestContext
    let proxies: TrustedProxies
    let header: HTTPField.Name

    public init(proxies: TrustedProxies) {
        self.proxies = proxies
        self.header = HTTPField.Name(proxies.header.rawValue)!
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if !proxies.ranges.isEmpty {
            context.clientAddress = proxies.clientAddress(peer: context.clientAddress, headerValues: request.headers[values: header])
        }
        return try await RequestScope.$clientAddress.withValue(context.clientAddress) { try await next(request, context) }
    }
}

/// Reads `Authorization: Bearer …` and sets `context.principal`. An absent header, or one that
/// holds no valid token (expired, logged out, malformed), leaves the caller anonymous: a route
/// open to anonymous callers (`/health`, search, menus) answers as it would without the header,
/// and a route that needs a sign-in answers 401 (`Authenticated`). A stale token left in a
/// browser must not break the public pages. (`/metrics` reads the header itself: a scraper's
/// token is no account's.)
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
        guard let token = BearerCredential.token(fromHeader: header), let principal = try await verifier.principal(forToken: token) else {
            return try await next(request, context)
        }
        var context = context
        context.principal = principal
        context.bearerToken = token
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
/// Those who may end an order: its customer, its restaurant, an operator.
public enum CustomerStaffOrOperatorRole: RoleRequirement { public static let roles: Set<Role> = [.customer, .staff, .operator] }
/// Those who may give money back: the restaurant (within its policy) and operators.
public enum StaffOrOperatorRole: RoleRequirement { public static let roles: Set<Role> = [.staff, .operator] }

/// A context that proves an authenticated caller with one of `Requirement.roles`: handlers in a
/// group using it receive `context.principal`, never an optional.
public struct Authenticated<Requirement: RoleRequirement>: ChildRequestContext {
    public typealias ParentContext = TiffinRequestContext
    public var coreContext: CoreRequestContextStorage
    public let principal: Principal
    /// The bearer token this request was authenticated with.
    public let token: String

    public init(context: TiffinRequestContext) throws {
        guard let principal = context.principal, let token = context.bearerToken else { throw Problem.unauthorized }
        guard Requirement.roles.contains(principal.role) else {
            let allowed = Requirement.roles.map(\.rawValue).sorted().joined(separator: ", ")
            throw Problem(
                status: .forbidden, type: "wrong-role", title: "Forbidden",
                detail: "this route is for \(allowed); you are signed in as \(principal.role.rawValue)")
        }
        self.coreContext = context.coreContext
        self.principal = principal
        self.token = token
    }

    public var maxUploadSize: Int { maximumRequestBodyBytes }
    public var responseEncoder: JSONEncoder { TiffinJSON.encoder }
}

public typealias SignedInContext = Authenticated<AnyRole>
public typealias CustomerContext = Authenticated<CustomerRole>
public typealias StaffContext = Authenticated<StaffRole>
public typealias CourierContext = Authenticated<CourierRole>
public typealias OperatorContext = Authenticated<OperatorRole>
