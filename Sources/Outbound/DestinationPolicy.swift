public import Foundation
public import NIOCore

/// Decides which webhook destinations may be contacted (SSRF protection).
///
/// Two checks: ``validate(_:)`` on the URL (at registration and again before each delivery) and ``isAllowed(_:)`` on
/// every address a host name resolves to (done by ``HTTPWebhookTransport`` right before connecting). It does not resolve
/// names itself, and it does not know about addresses your own network routes specially (add a firewall for that).
public struct DestinationPolicy: Sendable {
    /// Allows loopback, private, link-local (including cloud metadata), shared and benchmarking ranges, and local names.
    /// Unspecified, multicast, reserved and broadcast addresses stay refused.
    public var allowPrivateNetworks: Bool

    public init(allowPrivateNetworks: Bool = false) {
        self.allowPrivateNetworks = allowPrivateNetworks
    }

    /// Checks a URL at registration: scheme http or https, a host, no user:password, port 1...65535, host not
    /// "localhost"/"localhost.localdomain"/".localhost"/".local"/".internal" unless private allowed; an IP-literal host is
    /// checked with ``isAllowed(_:)``; the host must be ASCII letters, digits, `-._:`. Does not resolve names.
    public func validate(_ url: URL) throws(OutboundError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .refusedDestination("scheme must be http or https: \(url.absoluteString)")
        }
        guard url.user == nil, url.password == nil else { throw .refusedDestination("credentials in the URL are not allowed") }
        guard let host = Self.host(of: url) else { throw .refusedDestination("no host in \(url.absoluteString)") }
        guard host.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || ("g"..."z").contains($0) || "-._:".unicodeScalars.contains($0) })
        else { throw .refusedDestination("host '\(host)' must be an ASCII name (punycode) or an IP address") }
        if let port = url.port, !(1...65535).contains(port) { throw .refusedDestination("port \(port) is out of range") }
        let isLocalName =
            ["localhost", "localhost.localdomain"].contains(host) || host.hasSuffix(".localhost") || host.hasSuffix(".local")
            || host.hasSuffix(".internal")
        if isLocalName && !allowPrivateNetworks { throw .refusedDestination("\(host) is a local name") }
        if let address = try? SocketAddress(ipAddress: host, port: 0) {
            if !isAllowed(address) { throw .refusedDestination("\(host) is not a public address") }
            return
        }
        try Self.checkName(host)
    }

    /// A host that is not an IP literal must be a DNS name: labels of 1 to 63 letters, digits and
    /// hyphens (not at either end), 253 characters at most, and a last label that is not a
    /// number — `0x7f000001`, `2130706433` and `127.1` are other spellings of addresses, which
    /// resolvers would take as such.
    static func checkName(_ host: String) throws(OutboundError) {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard host.count <= 253,
            labels.allSatisfy({ label in
                (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else { throw .refusedDestination("'\(host)' is not a valid host name") }
        let last = labels.last ?? ""
        if last.allSatisfy(\.isNumber) || last.hasPrefix("0x") {
            throw .refusedDestination("'\(host)' spells an address in a non-standard form; write IPv4 as a.b.c.d")
        }
    }

    /// Whether an address may be connected to: refuses (unless allowPrivateNetworks) IPv4 0.0.0.0/8, 10/8, 100.64/10,
    /// 127/8, 169.254/16 (cloud metadata), 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, the documentation ranges
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24 and 2001:db8::/32, 224/4 and above
    /// (multicast/reserved), 255.255.255.255; IPv6 ::, ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, and the
    /// IPv4-mapped/compatible/NAT64/6to4 forms (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96, 2002::/16) of refused IPv4.
    /// Unspecified (0.0.0.0/8, ::), multicast, reserved and broadcast are refused even when private networks are
    /// allowed; so are Unix domain sockets.
    public func isAllowed(_ address: SocketAddress) -> Bool {
        switch Self.classify(address) {
        case .global: true
        case .privateUse: allowPrivateNetworks
        case .never: false
        }
    }

    enum AddressClass { case global, privateUse, never }

    static func classify(_ address: SocketAddress) -> AddressClass {
        switch address {
        case .v4(let v4):
            return classifyIPv4(withUnsafeBytes(of: v4.address.sin_addr) { Array($0) })
        case .v6(let v6):
            return classifyIPv6(withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) })
        case .unixDomainSocket:
            return .never
        }
    }

    /// `b` is the address in network byte order.
    static func classifyIPv4(_ b: [UInt8]) -> AddressClass {
        guard b.count == 4 else { return .never }
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (224...255, _, _): return .never
        case (10, _, _), (127, _, _), (169, 254, _), (192, 168, _), (192, 0, 0): return .privateUse
        case (100, 64...127, _), (172, 16...31, _), (198, 18...19, _): return .privateUse
        // Documentation ranges (RFC 5737): not on the Internet, but some networks use them inside.
        case (192, 0, 2), (198, 51, 100), (203, 0, 113): return .privateUse
        default: return .global
        }
    }

    static func classifyIPv6(_ b: [UInt8]) -> AddressClass {
        guard b.count == 16 else { return .never }
        let firstTen = b[0..<10].allSatisfy { $0 == 0 }
        if firstTen && b[10] == 0 && b[11] == 0 {
            if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] <= 1 { return b[15] == 0 ? .never : .privateUse }  // :: and ::1
            return classifyIPv4(Array(b[12..<16]))  // IPv4-compatible ::a.b.c.d
        }
        if firstTen && b[10] == 0xFF && b[11] == 0xFF { return classifyIPv4(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return classifyIPv4(Array(b[12..<16])) }  // 64:ff9b::/96
        if b[0] == 0x20 && b[1] == 0x02 { return classifyIPv4(Array(b[2..<6])) }  // 6to4 2002:a.b.c.d::/48
        if b[0] == 0xFF { return .never }  // multicast ff00::/8
        if b[0] & 0xFE == 0xFC { return .privateUse }  // unique local fc00::/7
        if b[0] == 0xFE && b[1] & 0x80 == 0x80 { return .privateUse }  // link-local fe80::/10 and site-local fec0::/10
        if b[0..<4] == [0x20, 0x01, 0x0D, 0xB8] { return .privateUse }  // documentation 2001:db8::/32
        return .global
    }

    /// The URL's host, lowercased, without IPv6 brackets or a trailing dot; nil when empty.
    static func host(of url: URL) -> String? {
        guard var host = url.host(percentEncoded: false)?.lowercased() else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        return host.isEmpty ? nil : host
    }
}
