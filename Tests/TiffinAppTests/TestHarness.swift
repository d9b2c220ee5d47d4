import Catalog
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing
import TiffinHTTP
import TiffinTestSupport
import Accounts
import Dispatching
import Ordering
import Payments

@testable import TiffinApp

/// Fast, quiet settings for tests: cheap bcrypt, no demo city, short loop periods, a random port.
func testConfiguration(databaseURL: String) -> TiffinConfiguration {
    var c = TiffinConfiguration()
    c.databaseURL = databaseURL
    c.seedDemoCity = false
    c.accounts.bcryptCost = 4
    c.port = 0
    c.dispatch.roundInterval = .milliseconds(50)
    // Orders are dispatched as soon as accepted (not only once their food is nearly ready).
    c.dispatch.readyHorizon = 3_600
    c.orders.expiryInterval = .milliseconds(50)
    c.relay.pollInterval = .milliseconds(20)
    // Short enough that a test of the timeout (the slow card, 5 s) is quick; long enough that a
    // placement on a machine loaded by the whole suite is not refused as "payment unavailable"
    // (at 500 ms it sometimes was, on PostgreSQL: a sandbox authorisation is a write).
    c.payments.authorizationTimeout = .seconds(3)
    c.payments.sandboxSlowCard = .seconds(5)
    c.logLevel = .warning
    // Tests that take the database away stop with what cannot finish cancelled soon.
    c.shutdownGraceSeconds = 2
    // Tests sign up and order far faster than any person; the limits have tests of their own
    // (RateLimitTests), which turn them on.
    c.rateLimits.enabled = false
    // Nor should a slow, shared test machine shed their requests (AdmissionTests turn it on).
    c.admission.enabled = false
    // A loaded test machine may take seconds to hand out a connection (OutageTests set 1 s).
    c.databaseWait = .seconds(30)
    return c
}

let testLogger: Logger = {
    var logger = Logger(label: "tiffin.test")
    logger.logLevel = ProcessInfo.processInfo.environment["TIFFIN_TEST_DEBUG"] != nil ? .debug : .warning
    return logger
}()

/// The real services, wired as in production, over a fresh migrated database of `kind`.
func withServices<R: Sendable>(
    _ kind: TestDatabaseKind, clock: any WallClock = SystemWallClock(), configure: (inout TiffinConfiguration) -> Void = { _ in },
    _ body: (TiffinServices) async throws -> R
) async throws -> R {
    var configuration = testConfiguration(databaseURL: "sqlite::memory:")
    configure(&configuration)
    return try await withTestDatabase(kind, migrations: allMigrations) { [configuration] database in
        let services = buildServices(configuration: configuration, database: database, clock: clock, logger: testLogger)
        return try await body(services)
    }
}

/// The whole application (HTTP, background loops, start-up) over a fresh database of `kind`.
func withApp(
    _ kind: TestDatabaseKind, mode: TestingSetup = .router, clock: any WallClock = SystemWallClock(), logger: Logger = testLogger,
    configure: (inout TiffinConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (APIClient, TiffinServices) async throws -> Void
) async throws {
    try await withTestDatabaseURL(kind) { url in
        var configuration = testConfiguration(databaseURL: url)
        configure(&configuration)
        try await withApp(url: url, configuration: configuration, mode: mode, clock: clock, logger: logger, body)
    }
}

/// The whole application over the database at `url`.
func withApp(
    url: String, configuration: TiffinConfiguration, mode: TestingSetup = .router, clock: any WallClock = SystemWallClock(),
    logger: Logger = testLogger, _ body: @escaping @Sendable (APIClient, TiffinServices) async throws -> Void
) async throws {
    let database = try await openDatabase(try DatabaseLocation(url: url), logger: logger, connectionWait: configuration.databaseWait)
    let services = buildServices(configuration: configuration, database: database, clock: clock, logger: logger)
    let app = buildApplication(services: services, configuration: configuration, logger: logger)
    try await app.test(mode) { client in
        try await body(APIClient(client: client), services)
    }
    try await database.close()
}

/// The API document, parsed once, and a validator over it.
let documentedAPI: OpenAPIValidator = {
    let data = try! OpenAPIDocument().data()
    return OpenAPIValidator(document: try! JSONSerialization.jsonObject(with: data) as! [String: Any])
}()

/// A thin JSON client over HummingbirdTesting's client. Every answer it receives is checked
/// against the API document (documented status, schema of the body): a test that calls the API
/// fails when the document does not tell the truth about what came back.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: Data

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }

        func string(_ key: String) -> String? { json[key] as? String }

        var isProblem: Bool { headers[.contentType] == "application/problem+json" }
    }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, headers extra: [String: String] = [:]
    ) async throws -> Reply {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        let reply = Reply(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
        for problem in documentedAPI.problems(
            method: method.rawValue.lowercased(), path: path, status: Int(reply.status.code), contentType: reply.headers[.contentType],
            body: reply.body)
        {
            Issue.record("answer differs from /openapi.json: \(problem)")
        }
        return reply
    }

    /// Signs up and logs in; returns the token and the account id.
    func signUp(_ role: Role, email: String = "\(UUID().uuidString.prefix(8).lowercased())@example.com") async throws -> (token: String, id: String) {
        let signUp = try await call(
            .post, "/v1/auth/signup",
            json: #"{"email":"\#(email)","password":"correct horse","name":"Test \#(role.rawValue)","role":"\#(role.rawValue)"}"#)
        #expect(signUp.status == .created, "\(String(decoding: signUp.body, as: UTF8.self))")
        let login = try await call(.post, "/v1/auth/login", json: #"{"email":"\#(email)","password":"correct horse"}"#)
        #expect(login.status == .ok)
        let token = try #require(login.string("token"))
        let account = try #require(login.json["account"] as? [String: Any])
        return (token, try #require(account["id"] as? String))
    }
}

extension APIOperation {
    /// The documented method, as the test client sends it.
    var httpMethod: HTTPRequest.Method {
        switch method {
        case .get: .get
        case .post: .post
        case .put: .put
        case .patch: .patch
        case .delete: .delete
        }
    }
}
