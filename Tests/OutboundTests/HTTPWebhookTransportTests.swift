import Foundation
import Logging
import Testing
import TiffinTestSupport
import NIOHTTP1

@testable import Outbound

@Suite("HTTP webhook transport against a local NIO server")
struct HTTPWebhookTransportTests {
    let logger = Logger(label: "OutboundTests.Webhook")
    var permissive: HTTPWebhookTransport { HTTPWebhookTransport(policy: DestinationPolicy(allowPrivateNetworks: true), logger: logger) }
    var strict: HTTPWebhookTransport { HTTPWebhookTransport(policy: DestinationPolicy(allowPrivateNetworks: false), logger: logger) }

    static let payload = Array(#"{"event":"order.ready","order":"o_4711","note":"naïve ✓"}"#.utf8)

    func request(_ port: Int, path: String = "/hooks/tiffin?attempt=1", timeout: Duration = .seconds(10)) throws -> OutboundRequest {
        OutboundRequest(
            url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")),
            headers: [("Content-Type", "application/json"), ("X-Tiffin-Signature", "t=1,v1=abc"), ("Host", "evil.example")],
            body: Self.payload, timeout: timeout)
    }

    @Test("POSTs the exact body and headers, returns the status and exactly 1,024 bytes of a 5,000-byte body")
    func postsAndReadsExcerpt() async throws {
        let responseBody = (0..<5000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        try await TestHTTPServer.with(status: .ok, body: responseBody) { server in
            let response = try await permissive.post(try request(server.port))

            #expect(response.status == 200)
            #expect(response.excerpt.utf8.count == 1024)
            #expect(Array(response.excerpt.utf8) == Array(responseBody.prefix(1024)))
            #expect(response.remoteAddress == "127.0.0.1:\(server.port)")
            #expect(response.latency > .zero)

            let requests = server.requests
            try #require(requests.count == 1)
            let got = requests[0]
            #expect(got.head.method == .POST)
            #expect(got.head.uri == "/hooks/tiffin?attempt=1")
            #expect(got.body == Self.payload)
            #expect(got.head.headers["Host"] == ["127.0.0.1:\(server.port)"])
            #expect(got.head.headers["Content-Type"] == ["application/json"])
            #expect(got.head.headers["X-Tiffin-Signature"] == ["t=1,v1=abc"])
            #expect(got.head.headers["Content-Length"] == [String(Self.payload.count)])
            #expect(got.head.headers["Connection"] == ["close"])
            #expect(got.head.headers["User-Agent"] == ["Tiffin-Webhooks/1"])
        }
    }

    @Test("the same loopback URL is refused without connecting when private networks are not allowed")
    func refusesLoopback() async throws {
        try await TestHTTPServer.with(status: .ok) { server in
            let error = await #expect(throws: OutboundError.self) { _ = try await strict.post(try request(server.port)) }
            #expect(error?.caseName == "refusedDestination", "\(String(describing: error))")
            // A name that only resolution reveals as loopback (getaddrinfo reads "2130706433" as 127.0.0.1).
            var disguised = try request(server.port)
            disguised.url = try #require(URL(string: "http://2130706433:\(server.port)/"))
            let disguisedError = await #expect(throws: OutboundError.self) { _ = try await strict.post(disguised) }
            #expect(disguisedError?.caseName == "refusedDestination", "\(String(describing: disguisedError))")
            #expect(server.connections == 0)
        }
    }

    @Test("a 500 is returned, not thrown")
    func returnsServerError() async throws {
        try await TestHTTPServer.with(status: .internalServerError, body: Array("boom".utf8)) { server in
            let response = try await permissive.post(try request(server.port))
            #expect(response.status == 500)
            #expect(response.excerpt == "boom")
        }
    }

    @Test("a redirect is returned, not followed")
    func doesNotFollowRedirects() async throws {
        try await TestHTTPServer.with(status: .found) { server in
            let response = try await permissive.post(try request(server.port))
            #expect(response.status == 302)
            #expect(server.connections == 1)
        }
    }

    @Test("a server that never answers times out")
    func timesOut() async throws {
        try await TestHTTPServer.with(status: nil) { server in
            await #expect(throws: OutboundError.timedOut) {
                _ = try await permissive.post(try request(server.port, timeout: .milliseconds(300)))
            }
        }
    }

    @Test("a closed port is connectionFailed")
    func closedPort() async throws {
        try await withClosedPort { port in
            let error = await #expect(throws: OutboundError.self) { _ = try await permissive.post(try request(port)) }
            #expect(error?.caseName == "connectionFailed", "\(String(describing: error))")
        }
    }

    @Test("https to a plain HTTP server fails the TLS handshake: connectionFailed")
    func tlsFailure() async throws {
        try await TestHTTPServer.with(status: .ok) { server in
            var tls = try request(server.port)
            tls.url = try #require(URL(string: "https://127.0.0.1:\(server.port)/"))
            let error = await #expect(throws: OutboundError.self) { _ = try await permissive.post(tls) }
            #expect(error?.caseName == "connectionFailed", "\(String(describing: error))")
        }
    }

    @Test("CR/LF in a header is refused before connecting")
    func headerInjection() async throws {
        try await TestHTTPServer.with(status: .ok) { server in
            for header in [("X-Evil", "a\r\nInjected: 1"), ("X-Evil\r\nInjected", "1"), ("Bad Name", "1"), ("", "1")] {
                var bad = try request(server.port)
                bad.headers = [header]
                let error = await #expect(throws: OutboundError.self) { _ = try await permissive.post(bad) }
                #expect(error?.caseName == "refusedDestination", "\(String(describing: error))")
            }
            #expect(server.connections == 0)
        }
    }
}

extension OutboundError {
    var caseName: String {
        switch self {
        case .refusedDestination: "refusedDestination"
        case .unresolvable: "unresolvable"
        case .connectionFailed: "connectionFailed"
        case .timedOut: "timedOut"
        case .invalidResponse: "invalidResponse"
        }
    }
}
