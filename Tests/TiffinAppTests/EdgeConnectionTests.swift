import Core
import Foundation
import HTTPTypes
import NIOCore
import HummingbirdTesting
import Testing
import TiffinHTTP
import TiffinTestSupport

#if canImport(Glibc)
    import Glibc
#endif

@testable import TiffinApp

/// One TCP connection to the server, written and read byte by byte as a hostile or slow client
/// would, with plain blocking sockets on a thread of its own (never the test's executor).
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32

    /// Connects to 127.0.0.1:`port`, from `source` (another loopback address) when given.
    init(port: Int, from source: String? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                Glibc.close(descriptor)
                throw CocoaError(.fileReadUnknown)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw CocoaError(.fileReadUnknown)
        }
    }

    deinit { Glibc.close(descriptor) }

    /// Sends `bytes`; false when the server has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// One JSON request on a connection of its own; the body of the answer.
    static func request(port: Int, _ method: String, _ path: String, json: String) async throws -> [String: Any] {
        try await exchange(port: port, method, path, json: json).body
    }

    /// One JSON request on a connection of its own, from `source` when given, with `headers`;
    /// the status and the body of the answer.
    static func exchange(
        port: Int, from source: String? = nil, _ method: String, _ path: String, json: String, headers: [String: String] = [:]
    ) async throws -> (status: Int, body: [String: Any]) {
        let connection = try RawConnection(port: port, from: source)
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        connection.send(
            "\(method) \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n"
                + "\(extra)Connection: close\r\n\r\n\(json)")
        let answer = await connection.readUntilClosed(seconds: 10).text
        let status = Int(answer.dropFirst(9).prefix(3)) ?? 0
        let body = answer.range(of: "\r\n\r\n").map { String(answer[$0.upperBound...]) } ?? ""
        return (status, (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:])
    }

    /// Everything the server sends until it closes the connection, or until `seconds` pass.
    func readUntilClosed(seconds: Double) async -> (text: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline {
                    let n = recv(descriptor, &buffer, buffer.count, 0)
                    if n == 0 { return continuation.resume(returning: (String(decoding: received, as: UTF8.self), true)) }
                    if n > 0 { received += buffer[0..<n] } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                        return continuation.resume(returning: (String(decoding: received, as: UTF8.self), true))
                    }
                }
                continuation.resume(returning: (String(decoding: received, as: UTF8.self), false))
            }
        }
    }
}

@Suite("The edge holds: hostile and slow connections")
struct EdgeConnectionTests {
    static func withServer(configure: (inout TiffinConfiguration) -> Void = { _ in }, _ body: @escaping @Sendable (Int, APIClient) async throws -> Void)
        async throws
    {
        try await withApp(.sqlite, mode: .live, configure: configure) { api, _ in
            try await body(try #require(api.client.port), api)
        }
    }

    @Test func bytesHTTPForbidsInAHeaderGetA400ProblemAndTheConnectionClosesAtOnce() async throws {
        try await Self.withServer { port, _ in
            let requests: [(String, [UInt8])] = [
                ("NUL in a value", Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Foo: a".utf8) + [0] + Array("b\r\n\r\n".utf8)),
                ("NUL in a bearer token", Array("GET /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc".utf8) + [0] + Array("def\r\n\r\n".utf8)),
                ("NUL in an idempotency key", Array("POST /v1/orders HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a".utf8) + [0] + Array("b\r\n\r\n".utf8)),
                ("a control byte", Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Foo: a\u{01}b\r\n\r\n".utf8)),
                ("a bare CR", Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Foo: a\rb\r\n\r\n".utf8)),
                ("NUL in a name", Array("GET /health HTTP/1.1\r\nHost: x\r\nX-F".utf8) + [0] + Array("o: b\r\n\r\n".utf8)),
                ("a space in a name", Array("GET /health HTTP/1.1\r\nHost: x\r\nX Foo: b\r\n\r\n".utf8)),
            ]
            for (what, bytes) in requests {
                let connection = try RawConnection(port: port)
                connection.send(bytes)
                let (answer, closed) = await connection.readUntilClosed(seconds: 5)
                #expect(answer.hasPrefix("HTTP/1.1 400"), "\(what): \(answer)")
                #expect(answer.contains("application/problem+json") && answer.contains("malformed-request"), "\(what): \(answer)")
                #expect(closed, "\(what): the connection is closed")
            }
            // The same request without the forbidden byte is served.
            let clean = try RawConnection(port: port)
            clean.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Foo: ab\r\nConnection: close\r\n\r\n")
            #expect(await clean.readUntilClosed(seconds: 5).text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func aHeadTooLargeOrWithTooManyFieldsGets431() async throws {
        try await Self.withServer(configure: { $0.edge.maximumHeaderBytes = 4_096; $0.edge.maximumHeaderCount = 20 }) { port, _ in
            let large = try RawConnection(port: port)
            large.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 5_000))\r\n\r\n")
            let (answer, closed) = await large.readUntilClosed(seconds: 5)
            #expect(answer.hasPrefix("HTTP/1.1 431") && answer.contains("headers-too-large") && closed, "\(answer)")

            let many = try RawConnection(port: port)
            many.send("GET /health HTTP/1.1\r\nHost: x\r\n" + (0..<30).map { "X-\($0): y\r\n" }.joined() + "\r\n")
            #expect(await many.readUntilClosed(seconds: 5).text.hasPrefix("HTTP/1.1 431"))

            let longTarget = try RawConnection(port: port)
            longTarget.send("GET /health?\(String(repeating: "q", count: 5_000)) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await longTarget.readUntilClosed(seconds: 5).text.hasPrefix("HTTP/1.1 431"), "the request line counts too")
        }
    }

    @Test func aSlowClientIsClosedWithin408WhileOthersAreServed() async throws {
        try await Self.withServer(configure: { $0.edge.headerTimeout = .seconds(1); $0.edge.bodyTimeout = .seconds(1) }) { port, api in
            // Slowloris: a request line, then one header byte every 100 ms for up to 10 s, never the
            // end. Each byte is progress, but the head must be whole within 1 s of its first byte.
            let slow = try RawConnection(port: port)
            let start = ContinuousClock.now
            slow.send("GET /health HTTP/1.1\r\nHost: x\r\n")
            let reading = Task { await slow.readUntilClosed(seconds: 15) }
            var sent = 0
            var lastSent = start
            while ContinuousClock.now - start < .seconds(10), slow.send("X") {
                sent += 1
                lastSent = .now
                if sent % 5 == 0 { #expect(try await api.call(.get, "/health").status == .ok, "a normal client is served meanwhile") }
                try await Task.sleep(for: .milliseconds(100))
            }
            let (answer, closed) = await reading.value
            #expect(answer.hasPrefix("HTTP/1.1 408") && answer.contains("request-timeout") && closed, "\(answer)")
            #expect(lastSent - start < .seconds(5), "closed soon after its 1 s, not once the client gave up (\(sent) bytes over \(lastSent - start))")

            // A body that never finishes.
            let body = try RawConnection(port: port)
            body.send("POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em")
            let (bodyAnswer, bodyClosed) = await body.readUntilClosed(seconds: 15)
            #expect(bodyAnswer.hasPrefix("HTTP/1.1 408") && bodyClosed, "\(bodyAnswer)")
        }
    }

    @Test func anIdleConnectionIsClosedButALiveConnectionIsNot() async throws {
        try await Self.withServer(configure: { $0.edge.idleTimeout = .seconds(1) }) { port, _ in
            // On connections of its own: the test client's keep-alive connection idles out too.
            let account = #"{"email":"idle@example.com","password":"correct horse"}"#
            _ = try await RawConnection.request(port: port, "POST", "/v1/auth/signup", json: String(account.dropLast()) + #","name":"I","role":"customer"}"#)
            let login = try await RawConnection.request(port: port, "POST", "/v1/auth/login", json: account)
            let token = try #require(login["token"] as? String, "\(login)")
            let silent = try RawConnection(port: port)
            let (nothing, closed) = await silent.readUntilClosed(seconds: 15)
            #expect(nothing.isEmpty && closed, "a connection that never sends is closed quietly")

            let keptAlive = try RawConnection(port: port)
            keptAlive.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let (answer, keptClosed) = await keptAlive.readUntilClosed(seconds: 15)
            #expect(answer.hasPrefix("HTTP/1.1 200") && keptClosed, "served, then closed once idle: \(answer)")

            // A live connection is WebSocket after its upgrade: the heartbeat governs it, not the idle timeout.
            let live = try await LiveTestClient(port: port, headers: RealtimeTests.bearer(token))
            let welcome = try await live.next("welcome") { $0["type"] as? String == "welcome" }
            try await Task.sleep(for: .milliseconds(2_500))
            live.send(#"{"type":"subscribe","topic":"order","id":"\#(UUID().uuidString)"}"#)
            _ = try await live.next("an answer after the idle timeout", from: welcome.index + 1) { _ in true }
            await live.close()
        }
    }

    @Test func connectionsPastTheLimitPerAddressAre503AtOnceAndTheOthersKeepBeingServed() async throws {
        try await Self.withServer(configure: { $0.edge.maximumConnectionsPerAddress = 3 }) { port, _ in
            // Connections from 127.0.0.1 until one is refused (the test client may hold one too).
            var held: [RawConnection] = []
            var refused: (text: String, closed: Bool)?
            while refused == nil, held.count <= 3 {
                let connection = try RawConnection(port: port)
                let answer = await connection.readUntilClosed(seconds: 0.5)
                if answer.closed { refused = answer } else { held.append(connection) }
            }
            let (text, closed) = try #require(refused, "a fourth connection is refused")
            #expect(held.count <= 3 && held.count >= 2, "\(held.count) held")
            #expect(text.hasPrefix("HTTP/1.1 503") && text.contains("too-many-connections") && closed, "\(text)")
            #expect(text.contains("Retry-After: 1"))

            held[0].send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(await held[0].readUntilClosed(seconds: 5).text.hasPrefix("HTTP/1.1 200"), "a connection it holds is served")
            held.removeFirst()  // The client closes its side too: the server lets go of it.
            try await Task.sleep(for: .milliseconds(300))
            let next = try RawConnection(port: port)
            next.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let again = await next.readUntilClosed(seconds: 5).text
            #expect(again.hasPrefix("HTTP/1.1 200"), "a place freed is taken again: \(again)")
        }
    }

    @Test func theEdgeReadsItsSettingsAndTheDescriptorLimitIsRaised() throws {
        let settings = try TiffinConfiguration.fromEnvironment([
            "TIFFIN_HTTP_HEADER_TIMEOUT_SECONDS": "7", "TIFFIN_HTTP_IDLE_TIMEOUT_SECONDS": "30", "TIFFIN_MAX_CONNECTIONS_PER_ADDRESS": "0",
        ]).edge
        #expect(settings.headerTimeout == .seconds(7) && settings.idleTimeout == .seconds(30) && settings.maximumConnectionsPerAddress == 0)
        // Below its hard limit (by one: the other tests keep their files), the soft limit is raised.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        var lowered = limit
        lowered.rlim_cur = limit.rlim_max - 1
        #expect(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered) == 0)
        let edge = HTTPEdge(settings: EdgeSettings())
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #expect(limit.rlim_cur == limit.rlim_max, "the soft limit is raised to the hard one")
        #expect(edge.maximumConnections == max(64, Int(clamping: limit.rlim_cur) - HTTPEdge.reservedDescriptors))
    }
}
