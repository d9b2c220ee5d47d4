import Synchronization

/// `withDeadline` gave up waiting.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `body`, failing with `DeadlineExceeded` if it takes longer than `limit`. For calls where a
/// clear, fast failure beats a hang (a payment provider at checkout, a readiness probe). An error
/// thrown by `body` in time is rethrown unchanged; cancelling the caller fails at once with
/// `CancellationError`.
///
/// At the deadline `body` is cancelled but not waited for: work that ignores cancellation (a
/// connection attempt to a dead server) finishes on its own later, and its result is dropped.
/// Waiting for it — as a task group would — is exactly the hang a deadline exists to prevent.
public func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task { race.finish(await Result(catching: body)) }
            let timer = Task {
                try? await Task.sleep(for: limit)
                race.finish(.failure(DeadlineExceeded(limit: limit)))
            }
            race.whenFinished {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// Runs `body` in a task of its own and returns its result; cancelling the caller cancels `body`
/// and fails at once with `CancellationError`, without waiting for `body` to end. For calls into a
/// library that may never answer once cancelled (PostgresNIO, a statement on a session the server
/// is ending): the caller — a request, a service being shut down — ends, and whatever `body`
/// still holds is released when it finishes on its own, or with the pool it came from.
public func untilCancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task { race.finish(await Result(catching: body)) }
            race.whenFinished { work.cancel() }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// `untilCancelled`, and fails with `DeadlineExceeded` when `body` has not called `started`
/// within `limit`: for work that first waits for a resource (a pooled connection) and then runs
/// for as long as it needs. Only the wait is bounded.
public func untilCancelled<T: Sendable>(
    startingWithin limit: Duration, _ body: @escaping @Sendable (_ started: @escaping @Sendable () -> Void) async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled { race.finish(.failure(DeadlineExceeded(limit: limit))) }
            }
            let work = Task { race.finish(await Result(catching: { try await body { timer.cancel() } })) }
            race.whenFinished {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// Runs each operation in a task of its own and returns the first result; the others are
/// cancelled and not waited for (as with `withDeadline`, an operation that ignores cancellation
/// must not hold up the caller). Task-local values, such as a service's graceful-shutdown
/// signal, are inherited by every operation. Cancelling the caller throws `CancellationError`.
public func firstOf<T: Sendable>(_ operations: [@Sendable () async -> T]) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let tasks = operations.map { operation in Task { race.finish(.success(await operation())) } }
            race.whenFinished { for task in tasks { task.cancel() } }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first outcome wins; later ones are dropped.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
        var cleanup: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func whenFinished(_ cleanup: @escaping @Sendable () -> Void) {
        let finished = state.withLock { state -> Bool in
            if state.outcome != nil { return true }
            state.cleanup = cleanup
            return false
        }
        if finished { cleanup() }
    }

    func finish(_ outcome: Result<T, any Error>) {
        let (continuation, cleanup) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard state.outcome == nil else { return (nil, nil) }
            state.outcome = outcome
            defer {
                state.continuation = nil
                state.cleanup = nil
            }
            return (state.continuation, state.cleanup)
        }
        continuation?.resume(with: outcome)
        cleanup?()
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
