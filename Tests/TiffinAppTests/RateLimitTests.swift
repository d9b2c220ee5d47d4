import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TiffinHTTP
import TiffinTestSupport

@testable import TiffinApp

@Suite("Rate limits and the client's address through trusted proxies")
struct RateLimitTests {
    @Test func theClientAddressIsReadOnlyThroughTrustedHops() throws {
        let proxies = TrustedProxies(ranges: ["127.0.0.1", "10.0.0.0/8", "fd00::/8"].compactMap(NetworkRange.init))
        // An untrusted peer is the client, whatever it claims.
        #expect(proxies.clientAddress(peer: "203.0.113.9", headerValues: ["1.2.3.4"]) == "203.0.113.9")
        // Through the proxy: the rightmost address that is not a trusted hop.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headerValues: ["6.6.6.6, 198.51.100.7, 10.1.2.3"]) == "198.51.100.7")
        #expect(proxies.clientAddress(peer: "127.0.0.1", headerValues: ["6.6.6.6", "198.51.100.7"]) == "198.51.100.7", "several field lines")
        // All hops trusted: the leftmost; garbage stops at the last trusted hop.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headerValues: ["10.0.0.5"]) == "10.0.0.5")
        #expect(proxies.clientAddress(peer: "127.0.0.1", headerValues: ["198.51.100.7, nonsense"]) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", headerValues: []) == "127.0.0.1")
        // One spelling per address.
        #expect(proxies.clientAddress(peer: "127.0.0.1", headerValues: ["::ffff:198.51.100.7"]) == "198.51.100.7")
        #expect(proxies.clientAddress(peer: "127.0.0.1", headerValues: ["2001:DB8:0::1"]) == "2001:db8::1")

        let forwarded = TrustedProxies(ranges: proxies.ranges, header: .forwarded)
        #expect(
            forwarded.clientAddress(peer: "127.0.0.1", headerValues: [#"for=6.6.6.6, for="[2001:db8::7]:4711";proto=https, for=10.0.0.1"#])
                == "2001:db8::7")
        #expect(forwarded.clientAddress(peer: "127.0.0.1", headerValues: ["for=198.51.100.7:80;by=10.0.0.1"]) == "198.51.100.7")
        #expect(forwarded.clientAddress(peer: "127.0.0.1", headerValues: ["for=_hidden"]) == "127.0.0.1")

        #expect(NetworkRange("10.0.0.0/8")?.contains("10.255.1.1") == true)
        #expect(NetworkRange("10.0.0.0/8")?.contains("11.0.0.1") == false)
        #expect(NetworkRange("fd00::/8")?.contains("fd12::1") == true)
        #expect(NetworkRange("192.168.1.77/24")?.description == "192.168.1.0/24")
        for bad in ["10.0.0.0/33", "10.0.0", "example.com", "::1/129", "1.2.3.4/"] { #expect(NetworkRange(bad) == nil, "\(bad)") }
    }

    @Test func settingsNameEveryBadProxyAndLimit() throws {
        let reader = SettingsReader(environment: [
            "TIFFIN_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/40 proxy.local",
            "TIFFIN_FORWARDED_HEADER": "x-real-ip",
            "TIFFIN_RATE_LIMITS": "placement.account=5/60, reads.address=off, quote.everyone=1/1, login.address=ten/60",
        ])
        let edge = EdgeSettings(reader: reader)
        let limits = RateLimitSettings(reader: reader)
        let problems = reader.problems.map(\.key)
        #expect(problems.filter { $0 == "TIFFIN_TRUSTED_PROXIES" }.count == 1)
        #expect(reader.problems.first { $0.key == "TIFFIN_TRUSTED_PROXIES" }?.reason.contains("'10.0.0.0/40', 'proxy.local'") == true)
        #expect(problems.contains("TIFFIN_FORWARDED_HEADER"))
        #expect(reader.problems.filter { $0.key == "TIFFIN_RATE_LIMITS" }.count == 2, "\(reader.problems)")
        #expect(edge.trustedProxies.ranges.isEmpty, "a list with a bad entry is not half applied")
        #expect(limits.policies[.placement]?[.account] == RateLimitPolicy(5, per: 60))
        #expect(limits.policies[.reads]?[.address] == nil && limits.policies[.reads]?[.account] != nil)
        #expect(RateLimitSettings(reader: SettingsReader(environment: ["TIFFIN_RATE_LIMITS": "off"])).enabled == false)
    }

    @Test func everyDocumentedRouteIsClassifiedAsItsOperationSays() {
        let classifier = RouteClassifier(allOperations)
        for operation in allOperations where !operation.path.contains("*") {
            let path = operation.path.split(separator: "/").map { $0.hasPrefix(":") ? UUID().uuidString : String($0) }.joined(separator: "/")
            let method = HTTPRequest.Method(operation.method.rawValue.uppercased())!
            #expect(classifier.rateClass(method: method, path: "/" + path) == operation.rateClass, "\(operation.method) \(operation.path)")
        }
        #expect(classifier.rateClass(method: .get, path: "/v1/restaurants/mine") == .reads)
        #expect(classifier.rateClass(method: .head, path: "/v1/restaurants/nearby") == .reads, "HEAD is limited as its GET")
        #expect(classifier.rateClass(method: .post, path: "/v1/orders") == .placement)
        #expect(classifier.rateClass(method: .get, path: "/health") == .unlimited)
        #expect(classifier.rateClass(method: .get, path: "/no/such/route") == .unlimited)
    }

    /// A server with limits on, trusting loopback as its proxy: each request names its client in
    /// `X-Forwarded-For`, as nginx would.
    static func withLimitedServer(_ limits: String, _ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        try await withApp(
            .sqlite, mode: .live,
            configure: { c in
                let reader = SettingsReader(environment: ["TIFFIN_RATE_LIMITS": limits, "TIFFIN_TRUSTED_PROXIES": "127.0.0.1"])
                c.rateLimits = RateLimitSettings(reader: reader)
                c.edge = EdgeSettings(reader: reader)
            }
        ) { api, _ in try await body(api) }
    }

    static func signUp(_ api: APIClient, from address: String) async throws -> APIClient.Reply {
        let email = "\(UUID().uuidString.prefix(8).lowercased())@example.com"
        return try await api.call(
            .post, "/v1/auth/signup", json: #"{"email":"\#(email)","password":"correct horse","name":"Ada","role":"customer"}"#,
            headers: ["X-Forwarded-For": address])
    }

    @Test func signUpsPastTheBurstGet429WithRetryAfterAndTheRateLimitFields() async throws {
        try await Self.withLimitedServer("") { api in
            for index in 1...10 {
                let reply = try await Self.signUp(api, from: "198.51.100.7")
                #expect(reply.status == .created, "sign-up \(index) of the documented burst of 10")
                #expect(reply.headers[HTTPField.Name("RateLimit-Policy")!] == #""sign-up-address";q=10;w=3600"#)
                #expect(reply.headers[HTTPField.Name("RateLimit")!]?.hasPrefix(#""sign-up-address";r=\#(10 - index);t="#) == true)
            }
            let refused = try await Self.signUp(api, from: "198.51.100.7")
            #expect(refused.status == .tooManyRequests && refused.isProblem && refused.string("type") == "https://tiffin.dev/problems/rate-limited")
            // One sign-up comes back every 360 s.
            let retryAfter = try #require(Int(refused.headers[.retryAfter] ?? ""))
            #expect((300...360).contains(retryAfter), "\(retryAfter)")
            #expect(refused.headers[HTTPField.Name("RateLimit")!]?.hasPrefix(#""sign-up-address";r=0;t="#) == true)
            // Another client behind the same proxy has a bucket of its own.
            #expect(try await Self.signUp(api, from: "198.51.100.8").status == .created)
            // /health is never limited.
            for _ in 0..<20 { #expect(try await api.call(.get, "/health", headers: ["X-Forwarded-For": "198.51.100.7"]).status == .ok) }
        }
    }

    @Test func anAccountHasItsBucketWhereverItComesFromAndABadTokenIsLimitedByAddress() async throws {
        try await Self.withLimitedServer("reads.account=3/60,reads.address=5/60") { api in
            let customer = try await api.signUp(.customer)
            for index in 0..<3 {
                let me = try await api.call(.get, "/v1/me", token: customer.token, headers: ["X-Forwarded-For": "198.51.100.\(index + 1)"])
                #expect(me.status == .ok)
            }
            let fourth = try await api.call(.get, "/v1/me", token: customer.token, headers: ["X-Forwarded-For": "198.51.100.9"])
            #expect(fourth.status == .tooManyRequests, "the account's own bucket, from a fourth address")
            #expect(fourth.headers[HTTPField.Name("RateLimit-Policy")!] == #""reads-account";q=3;w=60, "reads-address";q=5;w=60"#)
            // Anonymous reads (and a stale token) from one address share the address's bucket.
            for _ in 0..<5 {
                #expect(try await api.call(.get, "/v1/restaurants/mine", token: "tfn_stale", headers: ["X-Forwarded-For": "203.0.113.1"]).status != .tooManyRequests)
            }
            #expect(try await api.call(.get, "/v1/app-config", headers: ["X-Forwarded-For": "203.0.113.1"]).status == .tooManyRequests)
        }
    }

    @Test func aCourierSendingFixesTooFastHasTheExtraOnesRefusedOverHTTPAndTheSocket() async throws {
        try await Self.withLimitedServer("courier-fix.account=4/600") { api in
            let port = try #require(api.client.port)
            let courier = try await api.signUp(.courier)
            #expect(try await api.call(.post, "/v1/courier/online", token: courier.token, json: "{}").status == .ok)
            let fix = #"{"location":{"lat":52.53,"lon":13.40}}"#
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 { statuses.append(try await api.call(.post, "/v1/courier/location", token: courier.token, json: fix).status) }
            #expect(statuses == [.ok, .ok, .ok, .ok, .tooManyRequests], "a burst of 4, then refused")

            // The socket draws on the same bucket: with it empty, a fix is dropped and said so.
            let live = try await LiveTestClient(port: port, headers: RealtimeTests.bearer(courier.token))
            live.send(#"{"type":"fix","lat":52.531,"lon":13.401}"#)
            let refused = try await live.next("rate-limited") { $0["code"] as? String == "rate-limited" }
            #expect((refused.message["detail"] as? String)?.contains("dropped") == true)
            await live.close()
        }
    }

    /// Two instances on one PostgreSQL share the city's limit: each enforces half, so a client
    /// spread over both meets the documented 10 sign-ups, not 20. When one leaves, the other
    /// takes the whole limit back.
    @Test func instancesOnOneDatabaseDivideTheLimitBetweenThem() async throws {
        try await withTestDatabaseURL(.postgres) { url in
            var configuration = testConfiguration(databaseURL: url)
            let reader = SettingsReader(environment: ["TIFFIN_RATE_LIMITS": "sign-up.address=10/3600", "TIFFIN_TRUSTED_PROXIES": "127.0.0.1"])
            configuration.rateLimits = RateLimitSettings(reader: reader)
            configuration.edge = EdgeSettings(reader: reader)
            let policy = HTTPField.Name("RateLimit-Policy")!
            try await withApp(url: url, configuration: configuration, mode: .live) { [configuration] a, _ in
                try await withApp(url: url, configuration: configuration, mode: .live) { b, _ in
                    // Both have counted two instances once a sign-up from a throw-away address says q=5 on each.
                    for api in [a, b] {
                        let halved = try await eventually {
                            try await Self.signUp(api, from: "203.0.113.\(Int.random(in: 1...250))").headers[policy] == #""sign-up-address";q=5;w=3600"# ? true : nil
                        }
                        #expect(halved == true)
                    }
                    var created = 0
                    for index in 0..<16 where try await Self.signUp(index.isMultiple(of: 2) ? a : b, from: "198.51.100.7").status == .created {
                        created += 1
                    }
                    #expect(created == 10, "5 on each instance")
                }
                // b has left: a takes the whole limit again — at once when b removed its row at
                // shutdown, else once its heartbeat is 15 s old (a loaded machine may cut b's
                // shutdown short).
                let whole = try await eventually(within: 30) {
                    try await Self.signUp(a, from: "203.0.113.\(Int.random(in: 1...250))").headers[policy] == #""sign-up-address";q=10;w=3600"# ? true : nil
                }
                #expect(whole == true)
            }
        }
    }
}

@Suite("Body limits per route")
struct BodyLimitTests {
    @Test func eachRouteTakesTheBodyItDocumentsAndNoMore() async throws {
        try await withApp(.sqlite, mode: .live) { api, _ in
            let port = try #require(api.client.port)
            // A login body past its 4 KiB, declared: refused before it is read.
            let padding = String(repeating: "a", count: 5_000)
            let login = try await RawConnection.exchange(
                port: port, "POST", "/v1/auth/login", json: #"{"email":"a@example.com","password":"\#(padding)"}"#)
            #expect(login.status == 413 && login.body["type"] as? String == "https://tiffin.dev/problems/body-too-large", "\(login)")
            #expect((login.body["detail"] as? String)?.contains("4096") == true)
            // The same size on a route that takes more is read and judged on its content.
            let quote = try await RawConnection.exchange(port: port, "POST", "/v1/quotes", json: #"{"x":"\#(padding)"}"#)
            #expect(quote.status == 401, "past the body limit check: the quote route wants a sign-in")
            // Chunked, with no length declared: read no further than the limit.
            let connection = try RawConnection(port: port)
            let chunk = String(repeating: "b", count: 3_000)
            connection.send(
                "POST /v1/auth/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n0\r\n\r\n")
            #expect(await connection.readUntilClosed(seconds: 10).text.hasPrefix("HTTP/1.1 413"))
            // The document says so.
            let document = try OpenAPIDocument().json()
            #expect(document["paths"]?["/v1/auth/login"]?["post"]?["x-max-body-bytes"] == 4_096)
            #expect(document["paths"]?["/v1/orders"]?["post"]?["x-max-body-bytes"] == 65_536)
        }
    }
}
