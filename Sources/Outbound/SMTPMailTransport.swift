import Core
import Foundation
public import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers ``MailMessage``s to one SMTP submission server (RFC 5321), over SwiftNIO.
///
/// What it does, per ``send(_:)``: validates the message before connecting (no CR/LF in header fields, plain
/// `local@domain` addresses), opens one connection, reads the greeting, EHLO (HELO when EHLO is refused), STARTTLS or
/// implicit TLS as ``SMTPSettings/security`` says (certificate and host name verified), AUTH PLAIN or LOGIN when a
/// username is set (never in clear unless `allowPlaintextAuth`), MAIL FROM, RCPT TO, DATA with a dot-stuffed,
/// quoted-printable `text/plain; charset=utf-8` message, then QUIT. The whole delivery is bounded by
/// ``SMTPSettings/timeout`` and the connection is always closed.
///
/// What the caller may rely on: `send` returns only after the server accepted the message (250 after the final `.`);
/// failures after that (e.g. the QUIT reply) are ignored, QUIT's reply is not awaited. A timeout or connection loss
/// while the final `.` is outstanding is reported as transient even though the server may have accepted the mail,
/// so a retry can deliver it twice: reuse ``MailMessage/messageID`` so receivers can recognise the duplicate.
///
/// What it does not do: queue or retry, pool connections, pipeline commands, send to several recipients, attachments or
/// HTML, SMTPUTF8 (non-ASCII addresses are refused), DSN, or look up MX records (`host` is the server to talk to).
public struct SMTPMailTransport: MailTransport {
    public let settings: SMTPSettings
    private let logger: Logger

    public init(settings: SMTPSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        try message.validate()
        let content = message.rendered(date: Date())
        let deadline = ContinuousClock.now + settings.timeout
        let server = "\(settings.host):\(settings.port)"
        do {
            try await withDeadline(settings.timeout) { try await self.deliver(message, content: content, deadline: deadline) }
            logger.info("mail accepted", metadata: ["smtp.server": "\(server)", "mail.message_id": "\(message.messageID)"])
        } catch let error as MailError {
            throw error
        } catch is DeadlineExceeded, ChannelError.connectTimeout {
            throw MailError.transient("timed out after \(settings.timeout) delivering to \(server)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw MailError.transient("\(server): \(error)")
        }
    }

    private func deliver(_ message: MailMessage, content: String, deadline: ContinuousClock.Instant) async throws {
        let tls = settings.security == .none ? nil : try await makeTLSContext()
        let serverName = (try? SocketAddress(ipAddress: settings.host, port: 0)) == nil ? settings.host : nil
        let implicitTLS = settings.security == .implicitTLS
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(timeLeft(until: deadline))
        let channel = try await bootstrap.connect(host: settings.host, port: settings.port) { channel in
            channel.eventLoop.makeCompletedFuture {
                if implicitTLS, let tls {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                }
                try channel.pipeline.syncOperations.addHandler(SMTPReplyDecoder())
                return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(
                replies: inbound.makeAsyncIterator(), writer: outbound, channel: channel.channel, logger: logger, heloName: settings.heloName)
            try await session.run(message, content: content, settings: settings, tls: tls, serverName: serverName)
        }
    }

    /// The client TLS context (built once, see `ClientTLS`), trusting the configured CA file too.
    private func makeTLSContext() async throws -> NIOSSLContext {
        let trustRootsFile = settings.trustRootsFile
        do {
            return try await ClientTLS.context(trustRootsFile: trustRootsFile)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw MailError.transient("cannot set up TLS (trust roots \(trustRootsFile ?? "system")): \(error)")
        }
    }
}

/// One lock-step SMTP conversation over a connected channel.
private struct SMTPSession {
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    let logger: Logger
    let heloName: String
    /// Bumped when TLS starts; a reply from an older epoch was sent in clear after the STARTTLS reply (injection).
    var epoch = 0

    mutating func run(_ message: MailMessage, content: String, settings: SMTPSettings, tls: NIOSSLContext?, serverName: String?) async throws {
        try check(try await read(), expected: 220, step: "greeting")
        var extensions = try await hello()
        var encrypted = settings.security == .implicitTLS
        if !encrypted, let tls, settings.security == .startTLSWhenOffered || settings.security == .startTLSRequired {
            if extensions.startTLS {
                try check(try await exchange("STARTTLS"), expected: 220, step: "STARTTLS")
                try await startTLS(tls, serverName: serverName)
                encrypted = true
                extensions = try await hello()
            } else if settings.security == .startTLSRequired {
                throw MailError.transient("server does not offer STARTTLS, which the settings require")
            }
        }
        if let username = settings.username {
            guard encrypted || settings.allowPlaintextAuth else {
                throw MailError.transient("refusing to send credentials without TLS (the connection is not encrypted)")
            }
            try await authenticate(username: username, password: settings.password ?? "", offered: extensions.authMechanisms)
        }
        try check(try await exchange("MAIL FROM:<\(message.from)>"), expected: 250, step: "MAIL FROM")
        try check(try await exchange("RCPT TO:<\(message.to)>"), expected: 250...251, step: "RCPT TO")
        try check(try await exchange("DATA"), expected: 354, step: "DATA")
        let stuffed = content.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast()
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        try await writer.write(ByteBuffer(string: stuffed.joined(separator: "\r\n") + "\r\n.\r\n"))
        try check(try await read(), expected: 250, step: "end of data")
        // Accepted: say goodbye, but nothing after this point may turn the delivery into a failure.
        try? await writer.write(ByteBuffer(string: "QUIT\r\n"))
    }

    /// What EHLO advertised (nothing after a HELO fallback).
    struct Extensions {
        var startTLS = false
        var authMechanisms: Set<String> = []
    }

    mutating func hello() async throws -> Extensions {
        let reply = try await exchange("EHLO \(heloName)")
        guard reply.code != 250 else {
            var extensions = Extensions()
            for line in reply.lines.dropFirst() {
                let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
                if words.first == "STARTTLS" { extensions.startTLS = true }
                if words.first == "AUTH" { extensions.authMechanisms.formUnion(words.dropFirst()) }
            }
            return extensions
        }
        guard (500..<600).contains(reply.code) else {
            try check(reply, expected: 250, step: "EHLO")
            return Extensions()
        }
        try check(try await exchange("HELO \(heloName)"), expected: 250, step: "HELO")
        return Extensions()
    }

    mutating func authenticate(username: String, password: String, offered: Set<String>) async throws {
        let base64 = { (text: String) in Data(text.utf8).base64EncodedString() }
        if offered.contains("PLAIN") {
            let reply = try await exchange("AUTH PLAIN \(base64("\0\(username)\0\(password)"))", loggedAs: "AUTH PLAIN <redacted>")
            try check(reply, expected: 235, step: "AUTH PLAIN")
        } else if offered.contains("LOGIN") {
            try check(try await exchange("AUTH LOGIN"), expected: 334, step: "AUTH LOGIN")
            try check(try await exchange(base64(username), loggedAs: "<username>"), expected: 334, step: "AUTH LOGIN username")
            try check(try await exchange(base64(password), loggedAs: "<password>"), expected: 235, step: "AUTH LOGIN password")
        } else {
            throw MailError.transient("server offers neither AUTH PLAIN nor AUTH LOGIN (offered: \(offered.sorted()))")
        }
    }

    /// Puts TLS in front of the pipeline right after the server's 220 to STARTTLS. Any byte the server sent after that
    /// reply arrived in clear and is treated as an attack (RFC 3207 §5 / STARTTLS command injection).
    mutating func startTLS(_ context: NIOSSLContext, serverName: String?) async throws {
        let channel = self.channel
        try await channel.eventLoop.submit {
            let decoder = try channel.pipeline.syncOperations.handler(type: SMTPReplyDecoder.self)
            guard !decoder.hasBufferedInput else { throw MailError.transient("server sent data in clear after its STARTTLS reply") }
            decoder.epoch += 1
            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
        }.get()
        epoch += 1
    }

    mutating func exchange(_ command: String, loggedAs: String? = nil) async throws -> SMTPReply {
        logger.debug("SMTP >>> \(loggedAs ?? command)")
        do {
            try await writer.write(ByteBuffer(string: command + "\r\n"))
        } catch let writeError {
            // The connection is gone; a reply the server sent before that (e.g. 421, or a forged one) explains why.
            do { return try await read() } catch let error as MailError { throw error } catch { throw writeError }
        }
        return try await read()
    }

    mutating func read() async throws -> SMTPReply {
        guard let reply = try await replies.next() else { throw MailError.transient("server closed the connection") }
        guard reply.epoch == epoch else { throw MailError.transient("server sent data in clear after its STARTTLS reply") }
        logger.debug("SMTP <<< \(reply.code) \(reply.text)")
        return reply
    }

    func check(_ reply: SMTPReply, expected: Int, step: String) throws(MailError) {
        try check(reply, expected: expected...expected, step: step)
    }

    /// A 5xx to this message's recipient or content is permanent: retrying it cannot help. Any
    /// other refusal (greeting, EHLO, AUTH, MAIL FROM, a missing extension) says the server or
    /// Tiffin's settings are wrong — transient, so it is retried once they are fixed, and the
    /// circuit breaker sees the server failing instead of every queued email failing for good.
    func check(_ reply: SMTPReply, expected: ClosedRange<Int>, step: String) throws(MailError) {
        guard !expected.contains(reply.code) else { return }
        let reason = "\(step): server replied \(reply.code) \(reply.text)"
        let aboutThisMessage = step == "RCPT TO" || step == "end of data"
        throw (500..<600).contains(reply.code) && aboutThisMessage ? .permanent(reason) : .transient(reason)
    }
}

/// A complete SMTP reply: its code and the text of each line.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
    /// The decoder's epoch when the reply was complete (see ``SMTPReplyDecoder/epoch``).
    var epoch: Int
    var text: String { lines.joined(separator: " | ") }
}

/// Turns the inbound byte stream into ``SMTPReply``s (RFC 5321 §4.2: `ddd-text` lines continue a reply, `ddd text` or
/// `ddd` ends it). Lines longer than 4,096 bytes or replies longer than 200 lines close the connection.
final class SMTPReplyDecoder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply

    /// Incremented when TLS is put in front of this decoder; stamped on every reply.
    var epoch = 0
    private var buffer = ByteBuffer()
    private var pendingLines: [String] = []

    /// Whether bytes of an incomplete reply are waiting.
    var hasBufferedInput: Bool { buffer.readableBytes > 0 || !pendingLines.isEmpty }

    struct MalformedReply: Error, CustomStringConvertible {
        var description: String
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - buffer.readerIndex
                guard var line = buffer.readString(length: length) else { break }
                buffer.moveReaderIndex(forwardBy: 1)
                if line.hasSuffix("\r") { line.removeLast() }
                if let reply = try accept(line) { context.fireChannelRead(wrapInboundOut(reply)) }
            }
            guard buffer.readableBytes <= 4096 else { throw MalformedReply(description: "reply line longer than 4096 bytes") }
            buffer.discardReadBytes()
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    private func accept(_ line: String) throws -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else { throw MalformedReply(description: "malformed SMTP reply line: \(line.prefix(100))") }
        pendingLines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard pendingLines.count <= 200 else { throw MalformedReply(description: "SMTP reply longer than 200 lines") }
        guard bytes.count == 3 || bytes[3] == UInt8(ascii: " ") else { return nil }
        defer { pendingLines = [] }
        return SMTPReply(code: code, lines: pendingLines, epoch: epoch)
    }
}
