import Core
import Foundation
import HTTPTypes
import Testing
import TiffinHTTP
import TiffinTestSupport
import Accounts
import Dispatching

@testable import TiffinApp

/// Every route that takes an id, tried by everyone who should not get through: the other party of
/// the owner's role gets 404 or 403, every role the route is not for gets 403 — and nothing in the
/// database changes. The routes come from the API document, so a new route is covered the day it
/// is added.
@Suite("Authorisation per object, on every route with an id")
struct AuthorizationMatrixTests {
    @Test(arguments: TestDatabaseKind.available)
    func noOneButTheOwnerReachesAnObjectAndRefusalsChangeNothing(kind: TestDatabaseKind) async throws {
        try await withApp(kind) { api, services in
            let world = try await World.make(services)
            // Background work settled first: reactions and the courier flush would otherwise land
            // between the snapshots and read as a change made by a refused request.
            try await react(services)
            try await services.courierRegistry.flush()
            let before = try await databaseText(services.database)
            let routes = allOperations.filter { $0.path.contains("/:") && !$0.roles.isEmpty }
            #expect(routes.count >= 20, "every route with an id and a role: \(routes.count)")
            var tried = 0
            for operation in routes {
                let path = world.concrete(operation.path)
                let body = try operation.request.map { String(decoding: try TiffinJSON.encoder.encode($0.example), as: UTF8.self) }
                let headers = operation.requiresIdempotencyKey ? ["Idempotency-Key": "matrix-\(UUID())"] : [:]
                for role in Role.allCases {
                    let caller: World.Party
                    let expected: Set<Int>
                    if operation.roles.contains(role) {
                        guard let other = world.other(role) else { continue }  // operators may see everything
                        caller = other
                        expected = [403, 404]
                    } else {
                        caller = world.party(role)
                        expected = [403]
                    }
                    let reply = try await api.call(operation.httpMethod, path, token: caller.token, json: body, headers: headers)
                    tried += 1
                    #expect(
                        expected.contains(reply.status.code) && reply.isProblem,
                        "\(operation.method.rawValue.uppercased()) \(operation.path) as \(caller.account.role.rawValue) B: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))"
                    )
                }
            }
            #expect(tried >= 80)
            try await react(services)
            try await services.courierRegistry.flush()
            let after = try await databaseText(services.database)
            #expect(before == after, "a refused request changed the database")
        }
    }
}
