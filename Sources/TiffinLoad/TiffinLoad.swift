import ArgumentParser
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import Synchronization
import WSClient
import NIOWebSocket

/// A load client for Tiffin's live connection, in Swift because a Python client saturates near
/// 30,000 messages/s on this machine (`scripts/bench-live.sh` drives it).
@main
struct TiffinLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiffin-load", abstract: "Load for /v1/realtime: courier fix ingest, idle connections, push latency.",
        subcommands: [Ingest.self, Idle.self, Watch.self, Stream.self])
}

/// Bearer tokens, one per line.
func readTokens(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
}

/// A counter shared by many tasks.
final class Count: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ n: Int) { value.add(n, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// When idle connections may close.
final class Release: Sendable {
    private let at = Mutex<ContinuousClock.Instant>(.now + .seconds(3_600))
    var instant: ContinuousClock.Instant { at.withLock { $0 } }
    func now() { at.withLock { $0 = .now } }
}

let quiet: Logger = {
    var logger = Logger(label: "tiffin-load")
    logger.logLevel = .critical
    return logger
}()

/// Couriers streaming fixes as fast as the server takes them, one connection each.
struct Ingest: AsyncParsableCommand {
    @Option(help: "ws://host:port") var url: String
    @Option(help: "A file of courier bearer tokens, one per line; one connection per token.") var tokens: String
    @Option(help: "Seconds to stream.") var seconds: Double = 10

    func validate() throws {
        guard (1...600).contains(seconds) else { throw ValidationError("--seconds must be 1…600") }
    }

    func run() async throws {
        let tokens = try readTokens(tokens)
        let sent = Count()
        let failures = Count()
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, token) in tokens.enumerated() {
                group.addTask {
                    var headers = HTTPFields()
                    headers[.authorization] = "Bearer \(token)"
                    do {
                        try await WebSocketClient.connect(
                            url: "\(url)/v1/realtime", configuration: .init(additionalHeaders: headers), logger: quiet
                        ) { inbound, outbound, _ in
                            // Drain what the server sends (welcome, offers) so its queue never fills.
                            let reader = Task { for try await _ in inbound {} }
                            var i = 0
                            var batch = 0
                            while ContinuousClock.now < deadline {
                                i += 1
                                let lat = 52.45 + Double((n * 7919 + i) % 1000) * 0.0002
                                let lon = 13.30 + Double((n * 104_729 + i * 31) % 1000) * 0.0003
                                try await outbound.write(.text(#"{"type":"fix","lat":\#(lat),"lon":\#(lon),"speed":4.2,"heading":90}"#))
                                batch += 1
                                if batch == 256 {
                                    sent.add(batch)
                                    batch = 0
                                }
                            }
                            sent.add(batch)
                            reader.cancel()
                            try? await outbound.close(.normalClosure, reason: nil)
                        }
                    } catch {
                        failures.add(1)
                        if failures.current == 1 { FileHandle.standardError.write(Data("connection \(n): \(error)\n".utf8)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        let secondsTaken = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let total = sent.current
        print(
            String(
                format: "ingest connections %d fixes_sent %d seconds %.2f fixes_per_s %.0f", tokens.count, total, secondsTaken,
                Double(total) / secondsTaken))
    }
}

/// Connections that open, say nothing, and stay: for the server's memory per idle connection.
struct Idle: AsyncParsableCommand {
    @Option(help: "ws://host:port") var url: String
    @Option(help: "A bearer token (any role); every connection uses it.") var token: String
    @Option(help: "How many connections.") var connections: Int = 10_000
    @Option(help: "Seconds to hold them once all are open.") var hold: Double = 10
    @Option(help: "Touch this file once all are open (the script measures then).") var readyFile: String?

    func validate() throws {
        guard (1...60_000).contains(connections), (1...600).contains(hold) else { throw ValidationError("--connections 1…60000, --hold 1…600") }
    }

    func run() async throws {
        let open = Count()
        let failed = Count()
        let holdUntil = Release()
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await openConnections(
                url: url, tokens: Array(repeating: token, count: connections), opened: open, failed: failed, in: &group
            ) { _, inbound, outbound in
                let reader = Task { for try await _ in inbound {} }
                while ContinuousClock.now < holdUntil.instant { try await Task.sleep(for: .milliseconds(200)) }
                reader.cancel()
                try await outbound.close(.normalClosure, reason: nil)
            }
            while open.current + failed.current < connections { try await Task.sleep(for: .milliseconds(100)) }
            print("idle open \(open.current) failed \(failed.current)")
            if let readyFile { try touch(readyFile) }
            try await Task.sleep(for: .seconds(hold))
            holdUntil.now()
            try await group.waitForAll()
        }
    }
}
