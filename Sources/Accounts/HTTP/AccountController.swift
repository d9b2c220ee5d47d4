import Core
import Foundation
import Hummingbird
import TiffinHTTP

extension AccountService: TokenVerifier {}

/// `/v1/auth/…` and `/v1/me`.
public struct AccountController: Sendable {
    let service: AccountService

    public init(service: AccountService) {
        self.service = service
    }

    struct SignUpRequest: ValidatedRequest, Encodable {
        let email: String
        let password: String
        let name: String
        let role: Role

        func validate() throws {
            let email = AccountService.normalize(email: self.email)
            let parts = email.split(separator: "@")
            guard email.count <= 254, parts.count == 2, parts[1].contains("."), !email.contains(" ") else {
                throw ValidationError(field: "email", reason: "must be an email address")
            }
            guard password.count >= 8 else { throw ValidationError(field: "password", reason: "must be at least 8 characters") }
            guard password.utf8.count <= 72 else { throw ValidationError(field: "password", reason: "must be at most 72 bytes") }
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(trimmed.count) else { throw ValidationError(field: "name", reason: "must be 1 to 100 characters") }
        }
    }

    struct LogInRequest: ValidatedRequest, Encodable {
        let email: String
        let password: String
    }

    public func addRoutes(to router: Router<TiffinRequestContext>) {
        let auth = router.group("v1/auth")
        auth.post("signup") { request, context in
            let body = try await request.decodeJSON(as: SignUpRequest.self, context: context)
            guard body.role != .operator else { throw AccountError.roleNotOpenForSignUp(.operator) }
            let account = try await service.signUp(email: body.email, password: body.password, name: body.name, role: body.role)
            return JSONResponse(status: .created, account)
        }
        auth.post("login") { request, context in
            let body = try await request.decodeJSON(as: LogInRequest.self, context: context)
            return try await service.logIn(email: body.email, password: body.password)
        }
        auth.group(context: SignedInContext.self).post("logout") { request, _ in
            if let header = request.headers[.authorization] {
                try await service.logOut(token: String(header.dropFirst("Bearer ".count)))
            }
            return Response(status: .noContent)
        }
        router.group("v1/me", context: SignedInContext.self).get { _, context in
            try await service.account(id: context.principal.userID)
        }
        // Operators create other operators; nobody else can.
        router.group("v1/operators", context: OperatorContext.self).post { request, context in
            let body = try await request.decodeJSON(as: SignUpRequest.self, context: context)
            let account = try await service.signUp(email: body.email, password: body.password, name: body.name, role: .operator)
            return JSONResponse(status: .created, account)
        }
    }

    static let exampleAccount = Account(
        id: UUID(uuidString: "6F1C2A47-5C2B-4B8B-9E7E-1D3F2C4B5A69")!, email: "ada@example.com", name: "Ada", role: .customer,
        createdAt: Date(timeIntervalSince1970: 1_800_000_000))

    public static let operations: [APIOperation] = [
        APIOperation(
            .post, "/v1/auth/signup", summary: "Create a customer, staff or courier account", tag: "Accounts",
            request: SignUpRequest(email: "ada@example.com", password: "correct horse", name: "Ada", role: .customer),
            status: 201, response: exampleAccount, errors: [400, 403, 409, 422]),
        APIOperation(
            .post, "/v1/auth/login", summary: "Exchange email and password for a bearer token", tag: "Accounts",
            request: LogInRequest(email: "ada@example.com", password: "correct horse"),
            response: IssuedToken(token: "tfn_…", expiresAt: Date(timeIntervalSince1970: 1_800_086_400), account: exampleAccount),
            errors: [400, 401, 422]),
        APIOperation(
            .post, "/v1/auth/logout", summary: "Revoke the bearer token used for this call", tag: "Accounts", roles: Role.allCases, status: 204,
            errors: [401]),
        APIOperation(
            .get, "/v1/me", summary: "The signed-in account", tag: "Accounts", roles: Role.allCases, response: exampleAccount, errors: [401]),
        APIOperation(
            .post, "/v1/operators", summary: "Create another operator account", tag: "Accounts", roles: [.operator],
            request: SignUpRequest(email: "ops@example.com", password: "correct horse", name: "Ops", role: .operator),
            status: 201, response: exampleAccount, errors: [401, 403, 409, 422]),
    ]
}

extension Account: ResponseEncodable {}
extension IssuedToken: ResponseEncodable {}
