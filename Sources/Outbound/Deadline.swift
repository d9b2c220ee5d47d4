import NIOCore

/// Thrown by ``withDeadline(_:_:)`` when the deadline passes first; callers map it to their own timeout error.
struct DeadlineExceeded: Error {}

/// Runs `body`, cancelling it and throwing ``DeadlineExceeded`` once `deadline` passes.
///
/// `body` must react to cancellation (NIOAsyncChannel reads do; use ``awaitCancellable(_:)`` for futures). When it returns
/// or throws first, the timer task is cancelled; nothing is left running either way.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}

/// Awaits `future`, but throws `CancellationError` as soon as the task is cancelled. The work behind the future is not
/// stopped: it runs to completion and its result is dropped.
func awaitCancellable<T: Sendable>(_ future: EventLoopFuture<T>) async throws -> T {
    let promise = future.eventLoop.makePromise(of: T.self)
    future.cascade(to: promise)
    return try await withTaskCancellationHandler {
        try await promise.futureResult.get()
    } onCancel: {
        promise.fail(CancellationError())
    }
}

/// The time left until `deadline` as a NIO `TimeAmount` (at least one millisecond, for connect timeouts).
func timeLeft(until deadline: ContinuousClock.Instant) -> TimeAmount {
    let left = ContinuousClock.now.duration(to: deadline)
    let nanoseconds = min(left.components.seconds, 1_000_000_000) * 1_000_000_000 + left.components.attoseconds / 1_000_000_000
    return .nanoseconds(max(nanoseconds, 1_000_000))
}
