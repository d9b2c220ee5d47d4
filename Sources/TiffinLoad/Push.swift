import ArgumentParser
import Core
import Foundation
import HTTPTypes
import Synchronization
import WSClient
import NIOWebSocket

// Courier → customer push latency: `watch` holds customers subscribed to their orders and times
// each position from the instant the courier's device recorded it (stamped by `stream` as it
// sends) to the instant it arrives; `stream` is the couriers, one fix every few seconds each.
// Both run on the same machine, so their wall clocks are the same clock.

/// Opens `count` connections with `body` each, a few hundred at a time so the server's accept
/// queue never overflows; returns when every one has opened or failed.
func openConnections(
    url: String, tokens: [String], opened: Count, failed: Count,
    in group: inout ThrowingTaskGroup<Void, any Error>,
    _ body: @escaping @Sendable (Int, WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void
) async throws {
    for (i, token) in tokens.enumerated() {
        if i % 200 == 199 { try await Task.sleep(for: .milliseconds(20)) }
        group.addTask {
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(token)"
            let open = Count()
            do {
                try await WebSocketClient.connect(
                    url: "\(url)/v1/realtime", configuration: .init(additionalHeaders: headers, autoPing: .disabled), logger: quiet
                ) { inbound, outbound, _ in
                    open.add(1)
                    opened.add(1)
                    try await body(i, inbound, outbound)
                }
            } catch {
                if open.current == 0 {
                    failed.add(1)
                    if failed.current == 1 { FileHandle.standardError.write(Data("connection \(i): \(error)\n".utf8)) }
                }
            }
        }
    }
}

/// Creates an empty file at `path`: the signals between the load processes and the script.
func touch(_ path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data()) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
}

/// Latencies in microseconds, each with when it arrived, from many connections.
final class Latencies: Sendable {
    private let values = Mutex<[(arrivedMs: Int64, micros: Int32)]>([])
    /// Epoch milliseconds from which positions count (0: not yet measuring).
    private let since = Atomic<Int64>(0)

    func start() { since.store(Int64(Date().timeIntervalSince1970 * 1_000), ordering: .relaxed) }

    /// A position message arrived now: timed if it is fresh and was recorded since the start.
    func received(_ text: String) {
        let now = Date()
        let from = since.load(ordering: .relaxed)
        guard from > 0, !text.contains(#""isStale":true"#), let range = text.range(of: #""recordedAt":""#) else { return }
        guard let end = text[range.upperBound...].firstIndex(of: "\""),
            let recorded = TiffinJSON.parseDate(String(text[range.upperBound..<end])),
            Int64(recorded.timeIntervalSince1970 * 1_000) >= from
        else { return }
        let micros = Int32(clamping: Int64((now.timeIntervalSince(recorded) * 1_000_000).rounded()))
        values.withLock { $0.append((Int64(now.timeIntervalSince1970 * 1_000), micros)) }
    }

    var all: [(arrivedMs: Int64, micros: Int32)] { values.withLock { $0 } }
}

/// Customers subscribed to their orders, timing every position pushed to them.
struct Watch: AsyncParsableCommand {
    @Option(help: "ws://host:port") var url: String
    @Option(help: "A file of customers: a bearer token and the order id per line (tiffin bench-live-city writes it).") var watchers: String
    @Option(help: "Take every line whose number modulo --shards is this (several processes share the file).") var shard = 0
    @Option(help: "How many processes share the file.") var shards = 1
    @Option(help: "Seconds to time positions at most, once all are subscribed.") var seconds: Double = 30
    @Option(help: "Touch this file once all are subscribed.") var readyFile: String?
    @Option(help: "Start timing when this file appears (once every process is ready); at once without it.") var goFile: String?
    @Option(help: "Stop timing when this file appears (the couriers are done).") var stopFile: String?
    @Option(help: "Write each position's arrival (Unix milliseconds) and latency (microseconds), one per line, here.") var latencies: String

    func validate() throws {
        guard shards >= 1, (0..<shards).contains(shard), (1...600).contains(seconds) else {
            throw ArgumentParser.ValidationError("--shard 0…shards-1, --seconds 1…600")
        }
    }

    func run() async throws {
        let lines = try readTokens(watchers).enumerated().filter { $0.offset % shards == shard }.map(\.element)
        let parties: [(token: String, orderID: String)] = try lines.map { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { throw ArgumentParser.ValidationError("\(watchers): each line is a token and an order id") }
            return (String(parts[0]), String(parts[1]))
        }
        let opened = Count()
        let failed = Count()
        let subscribed = Count()
        let refused = Count()
        let timed = Latencies()
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await openConnections(url: url, tokens: parties.map(\.token), opened: opened, failed: failed, in: &group) { i, inbound, outbound in
                // Settled once: subscribed, refused, or lost before either (so `watch` never waits for it).
                var settled = false
                defer { if !settled { failed.add(1) } }
                try await outbound.write(.text(#"{"type":"subscribe","topic":"order","id":"\#(parties[i].orderID)"}"#))
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    guard case .text(let text) = message else { continue }
                    if text.contains(#""type":"position""#) {
                        timed.received(text)
                    } else if !settled, text.contains(#""type":"subscribed""#) {
                        settled = true
                        subscribed.add(1)
                    } else if !settled, text.contains(#""type":"error""#) {
                        settled = true
                        refused.add(1)
                        if refused.current == 1 { FileHandle.standardError.write(Data("subscription \(i) refused: \(text)\n".utf8)) }
                    }
                }
            }
            while subscribed.current + refused.current + failed.current < parties.count { try await Task.sleep(for: .milliseconds(100)) }
            print("watch shard \(shard) subscribed \(subscribed.current) refused \(refused.current) failed \(failed.current)")
            if let readyFile { try touch(readyFile) }
            if let goFile {
                while !FileManager.default.fileExists(atPath: goFile) { try await Task.sleep(for: .milliseconds(50)) }
            }
            timed.start()
            let end = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < end, !(stopFile.map(FileManager.default.fileExists) ?? false) {
                try await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
            while (try? await group.next()) != nil {}
        }
        let values = timed.all
        try values.map { "\($0.arrivedMs) \($0.micros)\n" }.joined().write(toFile: latencies, atomically: true, encoding: .utf8)
        print("watch shard \(shard) positions timed \(values.count)")
    }
}

/// Couriers streaming a fix every `interval` seconds each, phases spread evenly.
struct Stream: AsyncParsableCommand {
    @Option(help: "ws://host:port") var url: String
    @Option(help: "A file of courier bearer tokens, one per line; one connection per token.") var tokens: String
    @Option(help: "Seconds between one courier's fixes.") var interval: Double = 4
    @Option(help: "Seconds to stream once every courier is connected.") var seconds: Double = 30
    @Option(help: "Touch this file when every courier is connected and the fixes begin.") var startedFile: String?
    @Option(help: "Touch this file when the last fix is sent.") var doneFile: String?
    @Option(
        help:
            "Keep the connections open, after the last fix, until this file appears (so thousands of couriers do not log off in the same second as the last positions are timed)."
    )
    var closeFile: String?

    func validate() throws {
        guard (0.1...60).contains(interval), (1...600).contains(seconds) else {
            throw ArgumentParser.ValidationError("--interval 0.1…60, --seconds 1…600")
        }
    }

    func run() async throws {
        let tokens = try readTokens(tokens)
        let opened = Count()
        let failed = Count()
        let sent = Count()
        let finished = Count()
        let go = Release()
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await openConnections(url: url, tokens: tokens, opened: opened, failed: failed, in: &group) { i, inbound, outbound in
                let reader = Task { for try await _ in inbound {} }  // offers: drained
                defer { reader.cancel() }
                while ContinuousClock.now < go.instant { try await Task.sleep(for: .milliseconds(250)) }
                // Spread evenly over one interval, then every interval.
                var next = go.instant + .seconds(interval * Double(i) / Double(tokens.count))
                let end = go.instant + .seconds(seconds)
                var step = 0
                var counted = false
                defer { if !counted { finished.add(1) } }  // a connection that failed while sending
                while next < end {
                    try await Task.sleep(until: next)
                    step += 1
                    let lat = 52.52 + Double((i * 7_919 + step) % 1_000) * 0.0001
                    let lon = 13.405 + Double((i * 104_729 + step * 31) % 1_000) * 0.0001
                    try await outbound.write(
                        .text(
                            #"{"type":"fix","lat":\#(lat),"lon":\#(lon),"accuracy":5,"speed":4.2,"heading":90,"recordedAt":"\#(TiffinJSON.format(Date()))"}"#
                        ))
                    sent.add(1)
                    next += .seconds(interval)
                }
                finished.add(1)
                counted = true
                if let closeFile {
                    while !FileManager.default.fileExists(atPath: closeFile) { try await Task.sleep(for: .milliseconds(500)) }
                }
                try? await outbound.close(.normalClosure, reason: nil)
            }
            while opened.current + failed.current < tokens.count { try await Task.sleep(for: .milliseconds(100)) }
            go.now()
            if let startedFile { try touch(startedFile) }
            print("stream couriers \(opened.current) failed \(failed.current), one fix each every \(interval) s for \(seconds) s")
            while finished.current + failed.current < tokens.count { try await Task.sleep(for: .milliseconds(100)) }
            print("stream fixes sent \(sent.current)")
            if let doneFile { try touch(doneFile) }
            try await group.waitForAll()
        }
    }
}
