import Foundation
import NIOCore
import Testing
import TiffinTestSupport

@testable import Outbound

@Suite("Destination policy (SSRF)")
struct DestinationPolicyTests {
    static let strict = DestinationPolicy(allowPrivateNetworks: false)
    static let permissive = DestinationPolicy(allowPrivateNetworks: true)

    static func address(_ ip: String) throws -> SocketAddress { try SocketAddress(ipAddress: ip, port: 443) }

    @Test(
        "private, loopback, link-local, shared and benchmarking ranges are refused unless private networks are allowed",
        arguments: [
            "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.254", "169.254.169.254",
            "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.168.1.1", "198.18.0.1", "198.19.255.255",
            "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1",
            "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:c0a8:0101::1",
            "192.0.2.2", "198.51.100.1", "203.0.113.1", "2001:db8::1",
        ])
    func privateRanges(_ ip: String) throws {
        #expect(!Self.strict.isAllowed(try Self.address(ip)))
        #expect(Self.permissive.isAllowed(try Self.address(ip)))
    }

    @Test(
        "unspecified, multicast, reserved and broadcast are refused even when private networks are allowed",
        arguments: [
            "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "::", "ff02::1", "ff05::2",
            "::ffff:0.0.0.0", "::ffff:224.0.0.1", "64:ff9b::e000:1",
        ])
    func neverAllowed(_ ip: String) throws {
        #expect(!Self.strict.isAllowed(try Self.address(ip)))
        #expect(!Self.permissive.isAllowed(try Self.address(ip)))
    }

    @Test(
        "public addresses are allowed, including neighbours of refused ranges",
        arguments: [
            "93.184.216.34", "8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
            "128.0.0.0", "169.253.255.255", "172.15.255.255", "172.32.0.0", "192.0.1.0", "192.167.255.255", "198.17.255.255",
            "198.20.0.0", "223.255.255.255", "2606:2800:220:1::1", "2001:4860:4860::8888", "::ffff:93.184.216.34", "64:ff9b::808:808",
        ])
    func publicAddresses(_ ip: String) throws {
        #expect(Self.strict.isAllowed(try Self.address(ip)))
    }

    @Test("a Unix domain socket is never allowed")
    func unixSocket() throws {
        #expect(!Self.permissive.isAllowed(try SocketAddress(unixDomainSocketPath: "/tmp/x.sock")))
    }

    @Test(
        "URLs refused at registration",
        arguments: [
            "http://user:pw@example.com/", "http://user@example.com/", "ftp://example.com/", "file:///etc/passwd", "gopher://example.com",
            "http://localhost/", "http://LOCALHOST:8080/", "http://localhost./", "http://api.localhost/", "http://printer.local/",
            "http://metadata.google.internal/", "http://127.0.0.1/", "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "http://10.0.0.5/", "http://0.0.0.0/", "http:///path",
            "http://example.com:0/", "http://example.com:70000/", "http://a%0d%0ab/", "http://127%2E0%2E0%2E1/",
            // Addresses spelled otherwise, which resolvers read as addresses; names that are not names.
            "https://0x7f000001/", "https://2130706433/", "https://0177.0.0.1/", "https://127.1/", "https://0/", "https://0x7f.0.0.1/",
            "https://0251.0376.0251.0376/", "https://-bad-.com/", "https://a..b.com/", "https://\(String(repeating: "a", count: 64)).com/",
            "https://192.0.2.2:18600/", "https://[2001:db8::1]/",
        ])
    func refusedURLs(_ string: String) throws {
        let url = try #require(URL(string: string))
        #expect(throws: OutboundError.self) { try Self.strict.validate(url) }
    }

    @Test(
        "URLs accepted at registration",
        arguments: ["https://example.com/hooks/tiffin?x=1", "http://93.184.216.34:8080/", "https://[2606:2800:220:1::1]/", "HTTPS://Example.COM./a"])
    func acceptedURLs(_ string: String) throws {
        let url = try #require(URL(string: string))
        try Self.strict.validate(url)
    }

    @Test("local names and private literals are accepted when private networks are allowed; bad schemes and credentials are not")
    func permissiveValidation() throws {
        try Self.permissive.validate(try #require(URL(string: "http://localhost:8080/hook")))
        try Self.permissive.validate(try #require(URL(string: "http://10.0.0.5/hook")))
        #expect(throws: OutboundError.self) { try Self.permissive.validate(try #require(URL(string: "http://user:pw@localhost/"))) }
        #expect(throws: OutboundError.self) { try Self.permissive.validate(try #require(URL(string: "ftp://localhost/"))) }
        #expect(throws: OutboundError.self) { try Self.permissive.validate(try #require(URL(string: "http://0.0.0.0/"))) }
    }
}
