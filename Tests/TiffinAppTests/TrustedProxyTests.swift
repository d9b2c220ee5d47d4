import Accounts
import Core
import Foundation
import HummingbirdTesting
import Testing
import TiffinHTTP
import TiffinTestSupport

#if canImport(Glibc)
    import Glibc
#endif

@testable import TiffinApp

/// A real nginx (Debian's package) in front of a real Tiffin, configured by the file the docs
/// give operators (deploy/nginx/tiffin.conf). CI installs nginx; elsewhere the test runs when
/// nginx is installed.
@Suite("Behind a reverse proxy")
struct TrustedProxyTests {
    static let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"

    /// nginx on a free port in front of Tiffin's `port`, running `body`; stopped after.
    static func withNginx(upstream port: Int, _ body: (Int) async throws -> Void) async throws {
        let nginx = try #require(Self.nginx, "nginx is not installed (apt-get install nginx); CI installs it")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tiffin-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let listen = try freePort()
        let documented = try String(contentsOf: Self.repository.appendingPathComponent("deploy/nginx/tiffin.conf"), encoding: .utf8)
        let site = documented.replacingOccurrences(of: "listen 80;", with: "listen 127.0.0.1:\(listen);")
            .replacingOccurrences(of: "server 127.0.0.1:8080;", with: "server 127.0.0.1:\(port);")
        #expect(site != documented && site.contains("\(listen)") && site.contains("\(port)"), "the documented file has the expected lines")
        let d = directory.path
        let main = """
            daemon off; master_process off; worker_processes 1;
            pid \(d)/nginx.pid; error_log \(d)/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(d)/body; proxy_temp_path \(d)/proxy; fastcgi_temp_path \(d)/fastcgi;
                uwsgi_temp_path \(d)/uwsgi; scgi_temp_path \(d)/scgi;
            \(site)
            }
            """
        try main.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", d, "-c", "\(d)/nginx.conf", "-e", "\(d)/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: the test process blocks SIGTERM (the service group's graceful-shutdown
            // signal), and a child inherits the mask, so a terminate would never arrive.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Ready once it accepts.
        for _ in 0..<100 where (try? RawConnection(port: listen)) == nil { try await Task.sleep(for: .milliseconds(50)) }
        #expect(process.isRunning, "nginx started: \((try? String(contentsOfFile: "\(d)/error.log", encoding: .utf8)) ?? "")")
        try await body(listen)
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func freePort() throws -> Int {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The finding: behind a proxy, 21 wrong passwords from one client for random e-mails locked
    /// out everyone else, the real customer too. Trusting the proxy, the throttle keys on each
    /// client's own address — and a client that forges `X-Forwarded-For` does not escape it.
    @Test(.enabled(if: nginx != nil || required)) func throughNginxTheLoginThrottleKeysOnTheRealClientNotTheProxy() async throws {
        try await withApp(.sqlite, mode: .live, configure: { $0.edge.trustedProxies = TrustedProxies(ranges: [NetworkRange("127.0.0.1")!]) }) {
            api, services in
            let tiffin = try #require(api.client.port)
            _ = try await services.accounts.signUp(email: "ada@example.com", password: "correct horse", name: "Ada", role: .customer)
            try await Self.withNginx(upstream: tiffin) { proxy in
                // An attacker at 127.0.0.2 guesses, forging a new X-Forwarded-For each time.
                var statuses: [Int] = []
                for index in 0..<21 {
                    let reply = try await RawConnection.exchange(
                        port: proxy, from: "127.0.0.2", "POST", "/v1/auth/login",
                        json: #"{"email":"nobody\#(index)@example.com","password":"wrong password"}"#,
                        headers: ["X-Forwarded-For": "198.51.100.\(index)"])
                    statuses.append(reply.status)
                }
                #expect(statuses.prefix(20).allSatisfy { $0 == 401 } && statuses.last == 429, "\(statuses)")
                // The real customer, at 127.0.0.3 behind the same proxy, signs in.
                let customer = try await RawConnection.exchange(
                    port: proxy, from: "127.0.0.3", "POST", "/v1/auth/login", json: #"{"email":"ada@example.com","password":"correct horse"}"#)
                #expect(customer.status == 200, "\(customer)")
                // The attacker is still refused, even with the customer's address forged.
                let forged = try await RawConnection.exchange(
                    port: proxy, from: "127.0.0.2", "POST", "/v1/auth/login", json: #"{"email":"ada@example.com","password":"correct horse"}"#,
                    headers: ["X-Forwarded-For": "127.0.0.3"])
                #expect(forged.status == 429)
            }
            // Straight to Tiffin from an untrusted address, the header counts for nothing.
            let direct = try await RawConnection.exchange(
                port: tiffin, from: "127.0.0.2", "POST", "/v1/auth/login", json: #"{"email":"ada@example.com","password":"correct horse"}"#,
                headers: ["X-Forwarded-For": "127.0.0.3"])
            #expect(direct.status == 429, "127.0.0.2 is not a trusted proxy, so its header is ignored")
        }
    }
}
