import NIOCore

// The whole exchange is bounded by Core's `withDeadline`, which cancels the work at the deadline;
// the work reacts to cancellation (NIOAsyncChannel reads do; futures through `awaitCancellable`).

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
