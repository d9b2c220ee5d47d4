#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is a /32 or
/// /128). Hand-written: no mirrored package parses CIDR ranges.
public struct NetworkRange: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 bytes, host bits cleared.
    let network: [UInt8]
    let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = NetworkRange.bytes(of: String(parts[0])) else { return nil }
        let bits = address.count * 8
        var length = bits
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given) else { return nil }
            length = given
        }
        prefixLength = length
        network = NetworkRange.masked(address, length)
    }

    /// Whether `address` (textual, IPv4-mapped IPv6 read as IPv4) lies in this range.
    public func contains(_ address: String) -> Bool {
        guard let bytes = NetworkRange.bytes(of: address), bytes.count == network.count else { return false }
        return NetworkRange.masked(bytes, prefixLength) == network
    }

    public var description: String { "\(NetworkRange.text(of: network))/\(prefixLength)" }

    /// One spelling per address (`::ffff:1.2.3.4` is `1.2.3.4`, `2001:DB8:0::1` is `2001:db8::1`),
    /// so one client is one key however a header wrote it; nil when `text` is no address.
    public static func canonical(_ text: String) -> String? {
        bytes(of: text).map(self.text(of:))
    }

    private static func text(of bytes: [UInt8]) -> String {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The address's bytes; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) gives the 4 IPv4 bytes.
    /// Nil when `text` is no address.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = min(8, max(0, length - index * 8))
            return keep == 8 ? byte : byte & ~(UInt8(0xFF) >> keep)
        }
    }
}

/// Which peers are reverse proxies Tiffin trusts, and how the client's address is read through
/// them.
///
/// A request whose TCP peer is not trusted comes from that peer, whatever its headers say. From a
/// trusted peer, the addresses the proxies appended (`X-Forwarded-For`, or the `for=` of
/// `Forwarded`, whichever `header` names) are read from the right: each trusted hop is skipped,
/// and the first untrusted address is the client. Only the header the proxy writes is read —
/// reading the other one would take whatever the client put there. An entry that is no address
/// (`unknown`, a hidden `_name`, garbage) stops the walk at the last hop that was trusted.
public struct TrustedProxies: Sendable {
    public enum Header: String, Sendable, CaseIterable {
        case xForwardedFor = "x-forwarded-for"
        case forwarded
    }

    public var ranges: [NetworkRange]
    public var header: Header

    public init(ranges: [NetworkRange] = [], header: Header = .xForwardedFor) {
        self.ranges = ranges
        self.header = header
    }

    public func isTrusted(_ address: String) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    /// The client's address for a request from `peer` carrying `values` of the forwarding header
    /// (each field line as sent, in order).
    public func clientAddress(peer: String, headerValues values: [String]) -> String {
        guard !ranges.isEmpty, isTrusted(peer), !values.isEmpty else { return peer }
        let hops: [Substring] = values.flatMap { $0.split(separator: ",") }
        var client = peer
        for hop in hops.reversed() {
            guard let address = address(inHop: hop.trimmingCharacters(in: .whitespaces)) else { return client }
            client = address
            if !isTrusted(address) { return address }
        }
        return client
    }

    /// The address one hop names: `1.2.3.4` or `2001:db8::1` for X-Forwarded-For; for Forwarded,
    /// the `for=` parameter (`for=1.2.3.4`, `for="1.2.3.4:80"`, `for="[2001:db8::1]:443"`).
    private func address(inHop hop: String) -> String? {
        var text = hop
        if header == .forwarded {
            let pairs = hop.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = pairs.first(where: { $0.lowercased().hasPrefix("for=") }) else { return nil }
            text = String(pair.dropFirst(4)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if text.hasPrefix("[") {
                guard let end = text.firstIndex(of: "]") else { return nil }
                text = String(text[text.index(after: text.startIndex)..<end])
            } else if let colon = text.firstIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
                text = String(text[..<colon])
            }
        }
        return NetworkRange.canonical(text)
    }
}
