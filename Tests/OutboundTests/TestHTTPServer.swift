import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TiffinTestSupport

/// A small NIO HTTP/1.1 server on 127.0.0.1 (port chosen by the kernel) that records each request and answers with a
/// fixed status and body, or never answers (`status == nil`).
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var head: HTTPRequestHead
        var body: [UInt8]
    }

    let port: Int
    private let channel: any Channel
    private let state: Recorder

    /// Connections accepted so far.
    var connections: Int { state.value.withLock { $0.connections } }
    /// Complete requests received so far.
    var requests: [Request] { state.value.withLock { $0.requests } }

    private init(port: Int, channel: any Channel, state: Recorder) {
        self.port = port
        self.channel = channel
        self.state = state
    }

    /// Starts a server, runs `body`, and closes the server whatever happened.
    @discardableResult
    static func with<T>(status: HTTPResponseStatus?, body: [UInt8] = [], _ run: (TestHTTPServer) async throws -> T) async throws -> T {
        let state = Recorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    state.value.withLock { $0.connections += 1 }
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(RecordingHandler(state: state, status: status, body: body))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw TestFailure(description: "server has no port") }
        let server = TestHTTPServer(port: port, channel: channel, state: state)
        do {
            let result = try await run(server)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// What the server saw, shared between its connections.
final class Recorder: Sendable {
    let value = Mutex((connections: 0, requests: [TestHTTPServer.Request]()))
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: Recorder
    let status: HTTPResponseStatus?
    let body: [UInt8]
    private var head: HTTPRequestHead?
    private var received: [UInt8] = []

    init(state: Recorder, status: HTTPResponseStatus?, body: [UInt8]) {
        self.state = state
        self.status = status
        self.body = body
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let buffer):
            received += buffer.readableBytesView
        case .end:
            guard let head else { return }
            state.value.withLock { $0.requests.append(.init(head: head, body: received)) }
            guard let status else { return }  // never answer
            let headers: HTTPHeaders = ["Content-Length": String(body.count), "Connection": "close"]
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
