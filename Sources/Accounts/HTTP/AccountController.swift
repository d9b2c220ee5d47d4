import Core
import Foundation
public import Hummingbird
public import TiffinHTTP

extension AccountService: TokenVerifier {}

/// `/v1/auth/…`, `/v1/me` and `/v1/operators`.
public struct AccountController: Sendable {
    let service: AccountService

    public init(service: AccountService) {
        self.service = service
    }

    struct SignUpRequest: ValidatedRequest, Codable {
        let email: String
        let password: String
        let name: String
        let role: Role

        func validate() throws { try AccountRules.validate(email: email, password: password, name: name) }
    }

    struct OperatorRequest: ValidatedRequest, Codable {
        let email: String
        let password: String
        let name: String

        func validate() throws { try AccountRules.validate(email: email, password: password, name: name) }
    }

    struct LogInRequest: ValidatedRequest, Codable {
        let email: String
        let password: String
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    public var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        let auth = router.group("v1/auth")
        auth.post("signup", use: signUp)
        auth.post("login", use: logIn)
        auth.group(context: SignedInContext.self).post("logout", use: logOut)
        router.group("v1/me", context: SignedInContext.self).get(use: me)
        router.group("v1/realtime/tickets", context: SignedInContext.self).post(use: ticket)
        // A plain GET (no upgrade, or credentials the upgrade refused) lands here.
        router.group("v1/realtime", context: SignedInContext.self).get(use: notUpgraded)
        router.group("v1/operators", context: OperatorContext.self).post(use: createOperator)
        return router
    }

    @Sendable func signUp(_ request: Request, context: TiffinRequestContext) async throws -> JSONResponse<Account> {
        let body = try await request.decodeJSON(as: SignUpRequest.self, context: context)
        return JSONResponse(status: .created, try await service.signUp(email: body.email, password: body.password, name: body.name, role: body.role))
    }

    @Sendable func logIn(_ request: Request, context: TiffinRequestContext) async throws -> IssuedToken {
        let body = try await request.decodeJSON(as: LogInRequest.self, context: context)
        return try await service.logIn(email: body.email, password: body.password, client: context.clientAddress)
    }

    @Sendable func logOut(_ request: Request, context: SignedInContext) async throws -> Response {
        try await service.logOut(token: context.token)
        return Response(status: .noContent)
    }

    @Sendable func ticket(_ request: Request, context: SignedInContext) async throws -> EditedResponse<RealtimeTicket> {
        EditedResponse(status: .created, response: try await service.issueTicket(for: context.principal, token: context.token))
    }

    @Sendable func notUpgraded(_ request: Request, context: SignedInContext) async throws -> Response {
        throw WebSocketRequired()
    }

    @Sendable func me(_ request: Request, context: SignedInContext) async throws -> Account {
        try await service.account(id: context.principal.userID)
    }

    /// Operators create other operators; nobody else can.
    @Sendable func createOperator(_ request: Request, context: OperatorContext) async throws -> JSONResponse<Account> {
        let body = try await request.decodeJSON(as: OperatorRequest.self, context: context)
        return JSONResponse(status: .created, try await service.createOperator(email: body.email, password: body.password, name: body.name))
    }

    static let exampleAccount = Account(
        id: UUID(uuidString: "6F1C2A47-5C2B-4B8B-9E7E-1D3F2C4B5A69")!, email: "ada@example.com", name: "Ada", role: .customer,
        createdAt: Date(timeIntervalSince1970: 1_800_000_000))

    public static let operations: [APIOperation] = [
        APIOperation(
            .post, "/v1/auth/signup", summary: "Create a customer, staff or courier account", tag: "Accounts",
            request: .json(SignUpRequest(email: "ada@example.com", password: "correct horse", name: "Ada", role: .customer)),
            status: 201, response: .json(exampleAccount), errors: [400, 403, 409, 422], limit: .signUp, bodyLimit: 4_096),
        APIOperation(
            .post, "/v1/auth/login",
            summary: "Exchange email and password for a bearer token (throttled per account and per address: 429 with Retry-After)",
            tag: "Accounts",
            request: .json(LogInRequest(email: "ada@example.com", password: "correct horse")),
            response: .json(IssuedToken(token: "tfn_…", expiresAt: Date(timeIntervalSince1970: 1_800_086_400), account: exampleAccount)),
            errors: [400, 401, 422, 429], limit: .login, bodyLimit: 4_096),
        APIOperation(
            .post, "/v1/auth/logout", summary: "Revoke the bearer token used for this call", tag: "Accounts", roles: Role.allCases, status: 204,
            errors: [401]),
        APIOperation(
            .get, "/v1/me", summary: "The signed-in account", tag: "Accounts", roles: Role.allCases, response: .json(exampleAccount), errors: [401]),
        APIOperation(
            .post, "/v1/realtime/tickets",
            summary: "A single-use ticket (30 s) that opens one live connection at /v1/realtime, sent as the subprotocol ticket.<ticket>",
            tag: "Realtime", roles: Role.allCases, status: 201,
            response: .json(RealtimeTicket(ticket: "tkt_…", expiresAt: Date(timeIntervalSince1970: 1_800_000_030))), errors: [401], limit: .liveTicket),
        APIOperation(
            .get, "/v1/realtime",
            summary:
                "The live connection: a WebSocket upgrade (subprotocols tiffin.v1 and ticket.<ticket>, or a bearer token); messages in /asyncapi.json",
            tag: "Realtime", roles: Role.allCases, status: 101, errors: [400, 401], limit: .unlimited),
        APIOperation(
            .post, "/v1/operators", summary: "Create another operator account", tag: "Accounts", roles: [.operator],
            request: .json(OperatorRequest(email: "ops@example.com", password: "correct horse", name: "Ops")),
            status: 201, response: .json(exampleAccount), errors: [401, 403, 409, 422]),
    ]
}

extension Account: ResponseEncodable {}
extension IssuedToken: ResponseEncodable {}
extension RealtimeTicket: ResponseEncodable {}

/// A request for the live connection that is not a WebSocket upgrade.
struct WebSocketRequired: DomainError {
    var problem: ProblemDescription {
        ProblemDescription(
            kind: .badRequest, type: "websocket-required", title: "WebSocket required",
            detail: "open /v1/realtime as a WebSocket, offering the subprotocols tiffin.v1 and ticket.<ticket> (POST /v1/realtime/tickets)")
    }
}
