import HummingbirdCore
import Logging
import NIOCore
import TiffinHTTP

/// A server child channel: the edge admits the connection (or answers 503 and closes it), then
/// `WebSocketWireCheck` goes first in its pipeline, `inner` sets up HTTP/1.1 with the live
/// endpoint's upgrade, and the edge's watch goes around the HTTP codec.
struct WireCheckedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let edge: HTTPEdge

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admitted = edge.admit(channel)
        do {
            try channel.pipeline.syncOperations.addHandler(WebSocketWireCheck(), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger).assumeIsolated().flatMapThrowing { [edge] value in
            if admitted { try edge.watch(channel) }
            return value
        }.nonisolated()
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
