import Synchronization

/// Wakes one waiting loop early: `ring()` ends the current (or the next) `wait(upTo:)`. Rings
/// while nobody waits are remembered as one, so a ring is never lost between two waits; several
/// rings do not queue up.
///
/// For exactly one waiter at a time (a service's own loop); it is not a broadcast.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when the bell rings (or had rung since the last wait), after `limit`, or when the
    /// task is cancelled — whichever comes first.
    public func wait(upTo limit: Duration) async {
        if state.withLock({ state in
            defer { state.rung = false }; return state.rung
        }) {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: limit) }
            group.addTask { await self.rung() }
            await group.next()
            group.cancelAll()
        }
    }

    private func rung() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    // Cancelled before registering: the handler below has already run and found nothing.
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }; return state.waiter
            }
            waiter?.resume()
        }
    }
}
