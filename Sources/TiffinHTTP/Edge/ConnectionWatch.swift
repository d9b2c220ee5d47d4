import Foundation
import HTTPTypes
import Metrics
import NIOCore
import NIOHTTP1

/// Watches one HTTP/1 connection for what swift-nio and Hummingbird leave unanswered
/// (hand-written: neither offers it for a connection that may still upgrade to a WebSocket):
///
/// - **A request the parser refuses** — a byte HTTP forbids in a header name or value (NUL, a
///   bare CR or LF, another control), a malformed request line, a head over the size or count
///   limit. NIO's decoder reports it as an error that nobody answers before the first request
///   (the upgrade handler waits for a head that never comes), so the connection used to hang,
///   silent. Here it gets a 400 (431 for a head too large) problem+json and is closed at once.
/// - **Time.** A request's head must arrive within `headerTimeout` of its first byte and its
///   body within `bodyTimeout` of its head (408, then closed); a connection that owes nothing
///   and is owed nothing is closed after `idleTimeout`, quietly.
///
/// Two handlers share it: `bytes` before the HTTP codec (it sees when a request's first byte
/// arrives, and writes the refusals as whole responses) and `parts` after the decoder (it sees
/// heads, ends and the decoder's errors, and the responses going out). When a `101` goes out the
/// connection is no longer HTTP: both step out, and the live layer's heartbeat governs it.
/// All of it runs on the connection's event loop.
final class ConnectionWatch {
    private let settings: EdgeSettings
    private var bytesContext: ChannelHandlerContext?
    private var partsContext: ChannelHandlerContext?
    private weak var bytesHandler: Bytes?
    private weak var partsHandler: Parts?

    private enum Receiving: Equatable {
        /// Waiting for a request; `started`: some of it has arrived.
        case head(started: Bool)
        case body
    }
    private var receiving = Receiving.head(started: false)
    /// Request heads received less responses finished: a response is owed while above zero.
    private var owed = 0
    /// Answered, closing, or no longer HTTP: nothing more to watch.
    private var finished = false
    /// When the current wait ends (nil: nothing is being waited for), and which wait it is: a
    /// wait's deadline is set when it begins, never pushed back by the bytes that trickle in.
    private var deadline: NIODeadline?
    private var waiting: Wait?
    private enum Wait { case head, body, idle }
    /// The one timer, and when it fires: it is moved only when a wait must end sooner, and it
    /// looks at `deadline` when it fires, so a busy connection costs no timer per request.
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?

    private static let malformed = Counter(label: "tiffin_http_connections_ended_total", dimensions: [("reason", "malformed")])
    private static let slow = Counter(label: "tiffin_http_connections_ended_total", dimensions: [("reason", "slow")])
    private static let idle = Counter(label: "tiffin_http_connections_ended_total", dimensions: [("reason", "idle")])

    /// The two handlers of a new connection's watch: `bytes` goes before the HTTP codec, `parts`
    /// right after the decoder.
    static func handlers(_ settings: EdgeSettings) -> (bytes: Bytes, parts: Parts) {
        let watch = ConnectionWatch(settings: settings)
        let handlers = (Bytes(watch), Parts(watch))
        watch.bytesHandler = handlers.0
        watch.partsHandler = handlers.1
        return handlers
    }

    private init(settings: EdgeSettings) {
        self.settings = settings
    }

    // MARK: What the handlers report

    fileprivate func added(bytes context: ChannelHandlerContext) {
        bytesContext = context
        arm()
    }

    fileprivate func added(parts context: ChannelHandlerContext) {
        partsContext = context
    }

    fileprivate func removed() {
        stopTimer()
        bytesContext = nil
        partsContext = nil
    }

    /// Some bytes arrived. What they hold (heads, ends) is read by `received`; what the wait is now
    /// is settled once the whole read is through (`readComplete`).
    fileprivate func bytesArrived() {
        if receiving == .head(started: false) { receiving = .head(started: true) }
    }

    fileprivate func readComplete() {
        arm()
    }

    fileprivate func received(_ part: HTTPServerRequestPart) {
        switch part {
        case .head:
            receiving = .body
            owed += 1
        case .body:
            return
        case .end:
            receiving = .head(started: false)
        }
        waiting = nil  // Whatever was awaited has come: the next wait starts afresh.
    }

    fileprivate func sending(_ part: HTTPServerResponsePart) {
        switch part {
        case .head(let head) where head.status == .switchingProtocols:
            stepOut()
        case .end:
            owed = max(0, owed - 1)
            waiting = nil
            arm()
        case .head, .body:
            break
        }
    }

    /// The decoder's error: answered here when no response is owed; otherwise Hummingbird's
    /// request handling holds the request and answers it. False: not handled here.
    fileprivate func failed(_ error: any Error) -> Bool {
        if finished { return true }  // The decoder repeats its error for every later read.
        guard let parserError = error as? HTTPParserError, owed == 0 else { return false }
        Self.malformed.increment()
        if parserError == .headerOverflow {
            refuse(
                Problem(
                    status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), type: "headers-too-large",
                    title: "Request header fields too large",
                    detail: "the request line and headers may take at most \(settings.maximumHeaderBytes) bytes in \(settings.maximumHeaderCount) fields"))
        } else {
            refuse(
                Problem(
                    status: .badRequest, type: "malformed-request", title: "Malformed request",
                    detail: "the request is not valid HTTP/1.1: \(Self.explain(parserError))"))
        }
        return true
    }

    /// The server is shutting down: a connection that owes nothing and is sending nothing closes
    /// now (before its first request no Hummingbird handler is there to do it).
    fileprivate func quiescing() -> Bool {
        guard !finished, owed == 0, receiving == .head(started: false) else { return false }
        close()
        return true
    }

    // MARK: Time

    /// Sets the deadline of what the connection is waiting for now, if that wait just began.
    private func arm() {
        guard !finished, let context = bytesContext else { return }
        let wait: Wait
        let delay: TimeAmount
        switch receiving {
        case .body: (wait, delay) = (.body, settings.bodyTimeout)
        case .head(started: true): (wait, delay) = (.head, settings.headerTimeout)
        case .head(started: false):
            guard owed == 0 else {  // A response is being made: not the client's time.
                (deadline, waiting) = (nil, nil)
                return
            }
            (wait, delay) = (.idle, settings.idleTimeout)
        }
        if wait == waiting, deadline != nil { return }
        waiting = wait
        let deadline = NIODeadline.now() + delay
        self.deadline = deadline
        if let timerFiresAt, timerFiresAt <= deadline { return }
        schedule(at: deadline, on: context.eventLoop)
    }

    private func schedule(at time: NIODeadline, on eventLoop: any EventLoop) {
        timer?.cancel()
        timerFiresAt = time
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: time) { [self] in
            timer = nil
            timerFiresAt = nil
            guard !finished, let deadline else { return }
            if deadline <= .now() {
                timedOut()
            } else {
                schedule(at: deadline, on: eventLoop)
            }
        }
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
        deadline = nil
        waiting = nil
    }

    private func timedOut() {
        switch receiving {
        case .head(started: false):
            Self.idle.increment()
            close()
        case .head(started: true) where owed == 0:
            Self.slow.increment()
            refuse(Self.timeout("its request line and headers", settings.headerTimeout))
        case .body where owed == 1:
            Self.slow.increment()
            refuse(Self.timeout("its body", settings.bodyTimeout))
        case .head, .body:
            // Pipelined behind a response still being made: no clean place for an answer.
            Self.slow.increment()
            close()
        }
    }

    private static func timeout(_ what: String, _ limit: TimeAmount) -> Problem {
        Problem(
            status: .requestTimeout, type: "request-timeout", title: "Request timeout",
            detail: "the connection took over \(limit.nanoseconds / 1_000_000_000) s to send \(what)")
    }

    // MARK: Ending

    /// Writes `problem` as a whole response, past the HTTP encoder (which may be mid-message),
    /// then closes.
    private func refuse(_ problem: Problem) {
        guard !finished, let context = bytesContext else { return }
        finished = true
        stopTimer()
        context.writeAndFlush(NIOAny(IOData.byteBuffer(problem.encodedResponse(instance: "/")))).assumeIsolated().whenComplete { [self] _ in
            shut()
        }
    }

    private func close() {
        guard !finished else { return }
        finished = true
        stopTimer()
        shut()
    }

    /// Ends the connection: first as if the client had closed its side, so a WebSocket upgrade
    /// still waiting for a request ends quietly instead of reporting a failure, then for real.
    private func shut() {
        partsContext?.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        (partsContext ?? bytesContext)?.close(promise: nil)
    }

    /// A `101` is going out: the connection is no longer HTTP.
    private func stepOut() {
        finished = true
        stopTimer()
        guard let pipeline = (partsContext ?? bytesContext)?.pipeline else { return }
        if let bytesHandler { pipeline.syncOperations.removeHandler(bytesHandler, promise: nil) }
        if let partsHandler { pipeline.syncOperations.removeHandler(partsHandler, promise: nil) }
    }

    private static func explain(_ error: HTTPParserError) -> String {
        switch error {
        case .invalidHeaderToken: return "a header name or value holds a byte HTTP forbids (NUL, a control character)"
        case .lfExpected: return "a line ends in a bare CR or LF"
        case .invalidURL: return "the request target is malformed"
        case .invalidMethod: return "the method is malformed"
        case .invalidVersion: return "the HTTP version is malformed"
        case .invalidContentLength, .unexpectedContentLength: return "Content-Length is malformed"
        case .invalidChunkSize: return "a chunk size is malformed"
        default: return "\(error)"
        }
    }

    // MARK: The two handlers

    /// Raw bytes, before the HTTP codec.
    final class Bytes: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        private let watch: ConnectionWatch
        fileprivate init(_ watch: ConnectionWatch) { self.watch = watch }

        func handlerAdded(context: ChannelHandlerContext) { watch.added(bytes: context) }
        func handlerRemoved(context: ChannelHandlerContext) { watch.removed() }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            watch.bytesArrived()
            context.fireChannelRead(data)
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            watch.readComplete()
            context.fireChannelReadComplete()
        }
    }

    /// Request and response parts, after the decoder.
    final class Parts: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart
        private let watch: ConnectionWatch
        fileprivate init(_ watch: ConnectionWatch) { self.watch = watch }

        func handlerAdded(context: ChannelHandlerContext) { watch.added(parts: context) }
        func handlerRemoved(context: ChannelHandlerContext) { watch.removed() }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            watch.received(unwrapInboundIn(data))
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let part = unwrapOutboundIn(data)
            guard case .head(let head) = part, head.status == .switchingProtocols else {
                context.write(data, promise: promise)
                watch.sending(part)
                return
            }
            // The `101`: once it is written (and before the upgrade goes on, which waits for the
            // same write), the connection is no longer HTTP and the watch steps out.
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenComplete { [watch] result in
                watch.sending(part)
                promise?.completeWith(result)
            }
            context.write(data, promise: written)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if !watch.failed(error) { context.fireErrorCaught(error) }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent, watch.quiescing() { return }
            context.fireUserInboundEventTriggered(event)
        }
    }
}
