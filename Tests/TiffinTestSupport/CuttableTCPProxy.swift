import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP proxy on loopback in front of a server (PostgreSQL in the outage tests) that a test can
/// cut — every connection through it closed at once and new ones refused, as when the server
/// stops — and restore. Blocking sockets on threads of their own; test use only.
public final class CuttableTCPProxy: @unchecked Sendable {
    public let port: Int
    private let target: Int
    private let listener: Int32
    /// One client and its upstream; the second pump to end closes both.
    private final class Pair: Sendable {
        let client: Int32
        let upstream: Int32
        let ended = Atomic<Int>(0)
        init(_ client: Int32, _ upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
        func shut() {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(upstream, Int32(SHUT_RDWR))
        }
    }

    private let state = Mutex<(cut: Bool, open: [ObjectIdentifier: Pair], stopped: Bool)>((false, [:], false))

    public init(targetPort: Int) throws {
        target = targetPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 128) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// The server "stops": every connection is closed and new ones are closed as they come.
    public func cut() {
        let open = state.withLock { state -> [Pair] in
            state.cut = true
            return Array(state.open.values)
        }
        for pair in open { pair.shut() }
    }

    /// The server is back.
    public func restore() {
        state.withLock { $0.cut = false }
    }

    /// Stops accepting and closes everything.
    public func stop() {
        state.withLock { $0.stopped = true }
        cut()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            if state.withLock({ $0.cut || $0.stopped }) {
                close(client)
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: target)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            let pair = Pair(client, upstream)
            state.withLock { $0.open[ObjectIdentifier(pair)] = pair }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream, pair) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client, pair) }
        }
    }

    private func pump(from source: Int32, to destination: Int32, _ pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(source, &buffer, buffer.count, 0)
            if n <= 0 { break }
            var sent = 0
            while sent < n {
                let m = buffer[sent..<n].withUnsafeBytes { Glibc.send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if m <= 0 { break }
                sent += m
            }
            if sent < n { break }
        }
        pair.shut()
        if pair.ended.add(1, ordering: .relaxed).newValue == 2 {
            _ = state.withLock { $0.open.removeValue(forKey: ObjectIdentifier(pair)) }
            close(pair.client)
            close(pair.upstream)
        }
    }
}
