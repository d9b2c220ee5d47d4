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

/// A background service that starts once start-up is done (the gate opens) and then runs inline,
/// in the child task its service group gave it: it stops when the group shuts it down gracefully,
/// and is cancelled with the group. Shutdown before the gate opens ends it without running.
struct AfterStartup: Service, CustomStringConvertible {
    let gate: StartupGate
    let inner: any Service

    var description: String { "\(type(of: inner))" }

    func run() async throws {
        let gate = self.gate
        await cancelWhenGracefulShutdown { await gate.wait() }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        try await inner.run()
    }
}
