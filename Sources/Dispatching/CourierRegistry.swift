import Core
import Events
import Foundation
import Logging
public import ServiceLifecycle
import Storage
import Synchronization

/// The hot, in-memory state of every courier: updated per position fix, read by matching and
/// tracking. A `Service` built once per process and injected into `DispatchService`: `run()`
/// restores the last snapshot, persists changed couriers in batches every `flushInterval` (never
/// a synchronous write per fix) and once more at shutdown.
///
/// Other instances' couriers arrive through `applyRemote` (the live connection's cluster bus), so
/// on PostgreSQL every instance knows every courier.
public final class CourierRegistry: Service, Sendable {
    private struct State {
        var couriers: [UUID: CourierState] = [:]
        var dirty: Set<UUID> = []
    }

    private let state = Mutex(State())
    /// Every change as it happens, to whoever follows (newest kept per follower: a slow one never
    /// slows a fix down).
    let changes = Feed<DispatchChange>(buffer: 65_536)
    let store: DispatchStore
    let flushInterval: Duration
    let logger: Logger

    init(store: DispatchStore, flushInterval: Duration, logger: Logger) {
        self.store = store
        self.flushInterval = flushInterval
        self.logger = logger
    }

    public func run() async throws {
        do { try await restore() } catch { logger.error("could not restore courier states", metadata: ["error": "\(error)"]) }
        await repeatUntilShutdown(every: flushInterval, name: "dispatch.courier-flush", logger: logger) { try await self.flush() }
        do { try await flush() } catch { logger.error("final courier flush failed", metadata: ["error": "\(error)"]) }
    }

    /// Loads the persisted snapshot; a courier already updated since start keeps the newer state.
    func restore() async throws {
        let saved = try await store.all()
        state.withLock { state in
            for courier in saved where (state.couriers[courier.courierID]?.updatedAt ?? .distantPast) < courier.updatedAt {
                state.couriers[courier.courierID] = courier
            }
        }
    }

    /// Writes every courier changed since the last flush, in one transaction.
    public func flush() async throws {
        let changed = state.withLock { state -> [CourierState] in
            defer { state.dirty.removeAll(keepingCapacity: true) }
            return state.dirty.compactMap { state.couriers[$0] }
        }
        do {
            try await store.save(changed)
        } catch {
            state.withLock { $0.dirty.formUnion(changed.map(\.courierID)) }
            throw error
        }
    }

    func state(_ id: UUID) -> CourierState? { state.withLock { $0.couriers[id] } }

    /// Applies `change`; when it returns false (nothing changed) the courier is left as held and
    /// not written again.
    @discardableResult
    func update(_ id: UUID, now: Date, _ change: (inout CourierState) -> Bool) -> (state: CourierState, changed: Bool) {
        state.withLock { state in
            var courier = state.couriers[id] ?? CourierState(courierID: id, isOnline: false, location: nil, positionAt: nil, updatedAt: now)
            guard change(&courier) else { return (courier, false) }
            courier.updatedAt = now
            state.couriers[id] = courier
            state.dirty.insert(id)
            return (courier, true)
        }
    }

    /// A courier's state as another instance saw it: taken when newer than the one held, and not
    /// written back (the instance that received it persists it). True when taken.
    func applyRemote(_ remote: CourierState) -> Bool {
        state.withLock { state in
            if let held = state.couriers[remote.courierID], held.updatedAt >= remote.updatedAt { return false }
            state.couriers[remote.courierID] = remote
            return true
        }
    }

    func online() -> [CourierState] {
        state.withLock { $0.couriers.values.filter(\.isOnline) }
    }
}
