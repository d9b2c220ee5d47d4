import Synchronization

/// A producer's stream of what happens, offered to any number of consumers: each `subscribe()`
/// is an `AsyncStream` of its own, holding at most `buffer` elements — the newest — so a slow
/// consumer loses its oldest backlog and never slows the producer (`publish` takes a lock and
/// yields; it never waits). A consumer iterates its stream in its own service's `run()`; the
/// stream ends when that task is cancelled (graceful shutdown) or the feed is finished.
///
/// What a feed does not do: replay. A subscriber hears what is published after it subscribed;
/// consumers that must not miss anything read the state first (as the live layer restores who
/// carries what from the database) and use the feed for what changes after.
public final class Feed<Element: Sendable>: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<Element>.Continuation] = [:]
        var nextID = 0
        var finished = false
    }

    private let state = Mutex(State())
    /// Elements each subscriber may have waiting.
    public let buffer: Int

    public init(buffer: Int = 10_000) {
        self.buffer = buffer
    }

    /// Whether anyone listens (a producer may skip building an element nobody hears).
    public var hasSubscribers: Bool { state.withLock { !$0.subscribers.isEmpty } }

    /// Gives `element` to every subscriber.
    public func publish(_ element: Element) {
        // Yielding under the lock keeps each subscriber's elements in publishing order.
        state.withLock { state in
            for continuation in state.subscribers.values { continuation.yield(element) }
        }
    }

    /// A stream of what is published from now on.
    public func subscribe() -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(buffer))
        let id = state.withLock { state -> Int? in
            guard !state.finished else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscriber's stream; later subscribers get an empty one.
    public func finish() {
        let continuations = state.withLock { state in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
