import NIOPosix
import NIOSSL
import Synchronization

/// Client TLS contexts, built once per trust-roots file and reused by every outbound connection.
/// Building one loads the trust store (blocking file I/O, done on NIO's thread pool); doing it per
/// webhook or email read the store every time. A changed CA file is read again after a restart.
enum ClientTLS {
    private static let contexts = Mutex<[String: NIOSSLContext]>([:])

    /// The context trusting the system roots, plus `trustRootsFile`'s when given.
    static func context(trustRootsFile: String? = nil) async throws -> NIOSSLContext {
        let key = trustRootsFile ?? ""
        if let made = contexts.withLock({ $0[key] }) { return made }
        let made = try await NIOThreadPool.singleton.runIfActive {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let trustRootsFile { configuration.additionalTrustRoots = [.file(trustRootsFile)] }
            return try NIOSSLContext(configuration: configuration)
        }
        return contexts.withLock { contexts in
            if let earlier = contexts[key] { return earlier }  // built meanwhile by another send
            contexts[key] = made
            return made
        }
    }
}
