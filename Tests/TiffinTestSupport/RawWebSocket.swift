import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A WebSocket client written on a bare TCP socket, for what a well-behaved client library will
/// not do: read the status and body of a refused upgrade, send an unmasked frame or text that is
/// not UTF-8, and see the close code the server sends. Blocking calls run off the cooperative pool.
public final class RawWebSocket: @unchecked Sendable {
    /// A frame from the server.
    public struct Frame: Sendable, Equatable {
        public let opcode: UInt8
        public let payload: [UInt8]
        public var text: String? { opcode == 0x1 ? String(decoding: payload, as: UTF8.self) : nil }
        /// The status code of a close frame.
        public var closeCode: Int? { opcode == 0x8 && payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : nil }
    }

    private let fd: Int32
    private var received: [UInt8] = []
    /// The server's answer to the upgrade: status line, headers and (for a refusal) the body.
    public private(set) var response = ""
    public private(set) var status = 0

    /// Connects to 127.0.0.1:`port` and asks for an upgrade of `path` with `headers`; reads the
    /// answer. Check `status` (101 when upgraded).
    public init(port: Int, path: String = "/v1/realtime", headers: [String: String]) async throws {
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestFailure(description: "socket() failed") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw TestFailure(description: "connect() failed") }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try write(Array((request + "\r\n").utf8))
        // The head, then any body its Content-Length announces.
        let head = try await readUntil(seconds: 5) { bytes in Self.headEnd(bytes) != nil }
        let end = try Self.headEnd(head) ?? { throw TestFailure(description: "no answer to the upgrade: \(String(decoding: head, as: UTF8.self))") }()
        let headText = String(decoding: head[..<end], as: UTF8.self)
        status = Int(headText.split(separator: " ").dropFirst().first ?? "") ?? 0
        let length =
            headText.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        let whole = status == 101 ? head : try await readUntil(seconds: 5) { $0.count >= end + length }
        response = String(decoding: whole.prefix(end + (status == 101 ? 0 : length)), as: UTF8.self)
        received = Array(whole.dropFirst(end + (status == 101 ? 0 : length)))
    }

    deinit { close(fd) }

    /// The body of a refused upgrade.
    public var body: String {
        response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i + 4 }
        return nil
    }

    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure(description: "send() failed") }
            sent += n
        }
    }

    /// A client frame: masked (as RFC 6455 requires of clients) unless `masked` is false.
    public func sendFrame(opcode: UInt8 = 0x1, _ payload: [UInt8], masked: Bool = true) throws {
        var frame: [UInt8] = [0x80 | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else {
            frame += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        if masked {
            let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
            frame += key
            frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            frame += payload
        }
        try write(frame)
    }

    public func sendText(_ text: String) throws { try sendFrame(Array(text.utf8)) }

    /// The next frame from the server, waiting up to `seconds`; nil when the connection closed
    /// without one or nothing came in time.
    public func nextFrame(seconds: Double = 5) async throws -> Frame? {
        let bytes = try await readUntil(seconds: seconds) { Self.frameLength($0) != nil }
        guard let length = Self.frameLength(bytes) else { return nil }
        let frame = Self.frame(bytes)
        received = Array(bytes.dropFirst(length))
        return frame
    }

    /// Frames until a close frame (returned), skipping the others; nil if the connection ended
    /// without one or none came within `seconds`.
    public func closeFrame(seconds: Double = 5) async throws -> Frame? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let frame = try await nextFrame(seconds: deadline.timeIntervalSinceNow) else { return nil }
            if frame.opcode == 0x8 { return frame }
        }
        return nil
    }

    private static func frameLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        var length = Int(bytes[1] & 0x7F)
        var header = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            header = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
            header = 10
        }
        return bytes.count >= header + length ? header + length : nil
    }

    private static func frame(_ bytes: [UInt8]) -> Frame {
        let short = Int(bytes[1] & 0x7F)
        let header = short == 126 ? 4 : short == 127 ? 10 : 2
        return Frame(opcode: bytes[0] & 0x0F, payload: Array(bytes[header..<frameLength(bytes)!]))
    }

    /// Whether the server closed the TCP connection within `seconds`.
    public func peerClosed(seconds: Double = 5) async throws -> Bool {
        let fd = self.fd
        return try await offload {
            let deadline = Date().addingTimeInterval(seconds)
            var chunk = [UInt8](repeating: 0, count: 4_096)
            while Date() < deadline {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { return true }
                if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
            }
            return false
        }
    }

    /// Reads until `done` holds for everything received so far, or the peer closes, or `seconds` pass.
    private func readUntil(seconds: Double, _ done: @escaping @Sendable ([UInt8]) -> Bool) async throws -> [UInt8] {
        let fd = self.fd
        let start = received
        let all = try await offload { () -> [UInt8] in
            var bytes = start
            let deadline = Date().addingTimeInterval(seconds)
            var chunk = [UInt8](repeating: 0, count: 16_384)
            while !done(bytes) && Date() < deadline {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { break }
                if n < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                    break
                }
                bytes += chunk[0..<n]
            }
            return bytes
        }
        received = all
        return all
    }
}
