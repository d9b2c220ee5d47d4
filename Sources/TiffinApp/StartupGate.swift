import Core
import Logging
import ServiceLifecycle
import Synchronization

/// Opened once start-up (migrations, seeding) is done; background loops wait for it so they
/// never run against a schema that does not exist yet. Waiting ends when the gate opens or when
/// the waiting task is cancelled — a start-up that fails must shut everything down, not leave
/// loops waiting for a gate that will never open.
final class StartupGate: Sendable {
    private struct State {
        var isOpen = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they registered their continuation.
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns when the gate is open or the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.isOpen || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
    }
}

/// Runs `inner` only after the gate opens; shutdown (or cancellation) before then ends it
/// without running. After shutdown begins, `inner` has `shutdownGrace` to finish: a service stuck
/// on a dependency that is gone (a database call that ignores cancellation) is then left behind,
/// logged, so it cannot hold up the shutdown of the services started before it.
struct GatedService: Service {
    let gate: StartupGate
    let inner: any Service
    var shutdownGrace: Duration = .seconds(10)
    var logger: Logger

    func run() async throws {
        let gate = self.gate
        await cancelWhenGracefulShutdown { await gate.wait() }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        let inner = self.inner
        // Inherits the graceful-shutdown signal (a task-local); cancelled with this task.
        let running = Task { try await inner.run() }
        try await withTaskCancellationHandler {
            let finished: @Sendable () async -> Bool = {
                _ = await running.result
                return true
            }
            let shuttingDown: @Sendable () async -> Bool = {
                try? await gracefulShutdown()
                return false
            }
            let ended = try await firstOf([finished, shuttingDown])
            if ended { return try await running.value }
            do {
                try await withDeadline(shutdownGrace) { try await running.value }
            } catch is DeadlineExceeded {
                running.cancel()
                logger.warning(
                    "a service did not stop in time; leaving it", metadata: ["service": "\(type(of: inner))", "grace": "\(shutdownGrace)"])
            }
        } onCancel: {
            running.cancel()
        }
    }
}
