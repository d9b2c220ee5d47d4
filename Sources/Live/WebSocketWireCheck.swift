import NIOCore

/// First in every connection's pipeline, on raw bytes, for two things the WebSocket libraries
/// leave undone (hand-written: neither swift-nio's `NIOWebSocket` nor hummingbird-websocket offers
/// either):
///
/// - **A refused upgrade.** hummingbird-websocket answers any refused upgrade with a bare `400`
///   and no body. When the endpoint refused for a reason (`refuse(with:)`: no credentials, a spent
///   ticket, a logged-out token), that answer is replaced by the endpoint's own problem response
///   (401 … with problem+json); the connection then closes as the library closes it.
/// - **Unmasked client frames** (RFC 6455 §5.1: "a server MUST close the connection upon
///   receiving a frame that is not masked"). After the `101` has gone out, frame headers are read
///   as they pass (payloads are skipped by their length, never copied), and a frame without a
///   mask gets a close frame with 1002 and the connection is closed before the frame reaches
///   the decoder.
///
/// It does not parse HTTP, validate UTF-8 (the library does, closing with 1007) or look into
/// payloads.
final class WebSocketWireCheck: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum Mode {
        /// Before any answer: HTTP.
        case http
        /// The endpoint accepted an upgrade: the next answer is its `101`.
        case upgrading
        /// The endpoint refused the upgrade: its answer replaces the library's.
        case refusing(ByteBuffer)
        /// The replacement was written: whatever the library writes after it is dropped.
        case refused
        /// Upgraded: inbound bytes are WebSocket frames.
        case frames
        /// A protocol error was answered; the connection is closing.
        case closed
        /// The server's close frame went out: nothing more is written.
        case closeSent
    }

    private var mode = Mode.http
    /// The server is shutting down: its close frame says 1001 with this reason.
    private var goingAwayReason: [UInt8]?
    /// The client sent a close frame: the server's close is its answer, and is left as it is.
    private var clientSentClose = false
    /// Payload bytes (and the masking key) of the current frame still to pass.
    private var skip = 0
    /// The current frame's header so far (2 to 10 bytes; it may be split across reads).
    private var header: [UInt8] = []
    private static let switchingProtocols = Array("HTTP/1.1 101".utf8)
    /// A close frame with status 1002 (protocol error), unmasked as a server's frames are.
    private static let protocolErrorClose: [UInt8] = [0x88, 0x02, 0x03, 0xEA]

    /// Answer with `response` (a whole HTTP response, already encoded) instead of the library's.
    func refuse(with response: ByteBuffer) {
        if case .http = mode { mode = .refusing(response) }
    }

    /// The server is shutting down: the close frame it sends says so (1001, "going away"). The
    /// WebSocket library closes every connection at a graceful shutdown with 1000 ("normal"),
    /// which tells a client nothing; its close frame is replaced by this one, and whatever it
    /// writes after is dropped while the close handshake finishes.
    func goingAway(reason: String) {
        goingAwayReason = Array(reason.utf8.prefix(120))
    }

    /// The endpoint accepted the upgrade: once its `101` is written, inbound bytes are frames.
    func upgrading() {
        if case .http = mode { mode = .upgrading }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .refusing(let response):
            mode = .refused
            context.write(wrapOutboundOut(.byteBuffer(response)), promise: promise)
        case .refused:
            promise?.succeed()
        case .upgrading:
            if case .byteBuffer(let bytes) = unwrapOutboundIn(data), bytes.readableBytesView.starts(with: Self.switchingProtocols) {
                mode = .frames
            }
            context.write(data, promise: promise)
        case .frames:
            if case .byteBuffer(let bytes) = unwrapOutboundIn(data), bytes.readableBytesView.first == 0x88,
                let reason = goingAwayReason ?? (!clientSentClose && Self.saysNormal(bytes) ? Self.restarting : nil)
            {
                mode = .closeSent
                var close = context.channel.allocator.buffer(capacity: 4 + reason.count)
                close.writeBytes([0x88, UInt8(2 + reason.count), 0x03, 0xE9] + reason)
                context.write(wrapOutboundOut(.byteBuffer(close)), promise: promise)
                return
            }
            context.write(data, promise: promise)
        case .closeSent:
            promise?.succeed()
        case .http, .closed:
            context.write(data, promise: promise)
        }
    }

    /// Only the library closes a connection the client did not close with 1000, and it does so at
    /// the server's shutdown: it may do so before `goingAway(reason:)` reached this handler.
    private static let restarting = Array(LiveConnection.Ending.goingAway.reason.utf8)

    /// A server close frame (unmasked, short) with status 1000.
    private static func saysNormal(_ frame: ByteBuffer) -> Bool {
        let bytes = Array(frame.readableBytesView.prefix(4))
        return bytes.count == 4 && bytes[2] == 0x03 && bytes[3] == 0xE8
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch mode {
        case .frames:
            guard allMasked(unwrapInboundIn(data)) else {
                mode = .closed
                var close = context.channel.allocator.buffer(capacity: 4)
                close.writeBytes(Self.protocolErrorClose)
                // Four bytes on a connection that had room for the client's frame: written at once,
                // before the close that follows.
                context.writeAndFlush(wrapOutboundOut(.byteBuffer(close)), promise: nil)
                context.close(promise: nil)
                return
            }
            context.fireChannelRead(data)
        case .closed:
            return
        case .http, .upgrading, .refusing, .refused, .closeSent:
            context.fireChannelRead(data)
        }
    }

    /// Reads the frame headers in `buffer`; false at the first frame without a mask.
    private func allMasked(_ buffer: ByteBuffer) -> Bool {
        let bytes = buffer.readableBytesView
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if skip > 0 {
                let passed = min(skip, bytes.endIndex - i)
                skip -= passed
                i += passed
                continue
            }
            header.append(bytes[i])
            i += 1
            guard header.count >= 2 else { continue }
            guard header[1] & 0x80 != 0 else { return false }
            let short = Int(header[1] & 0x7F)
            let extended = short == 126 ? 2 : short == 127 ? 8 : 0
            guard header.count == 2 + extended else { continue }
            if header[0] & 0x0F == 0x8 { clientSentClose = true }
            var length = extended == 0 ? UInt64(short) : 0
            for byte in header[2...] { length = length << 8 | UInt64(byte) }
            // The masking key, then the payload. A length past Int is the decoder's to refuse.
            skip = 4 + Int(clamping: min(length, UInt64(Int.max - 4)))
            header.removeAll(keepingCapacity: true)
        }
        return true
    }
}
