import Core
import Foundation

/// The hot, in-memory state of every courier: updated per ping, read by matching and tracking.
/// Persisted in batches by `DispatchService.flush()`, never a synchronous write per ping.
actor CourierRegistry {
    private var couriers: [UUID: CourierState] = [:]
    private var dirty: Set<UUID> = []

    func load(_ states: [CourierState]) {
        for state in states { couriers[state.courierID] = state }
    }

    func state(_ id: UUID) -> CourierState? { couriers[id] }

    func update(_ id: UUID, now: Date, _ change: (inout CourierState) -> Void) -> CourierState {
        var state = couriers[id] ?? CourierState(courierID: id, isOnline: false, location: nil, positionAt: nil, updatedAt: now)
        change(&state)
        state.updatedAt = now
        couriers[id] = state
        dirty.insert(id)
        return state
    }

    func online() -> [CourierState] {
        couriers.values.filter(\.isOnline)
    }

    /// The states changed since the last call.
    func takeDirty() -> [CourierState] {
        defer { dirty.removeAll(keepingCapacity: true) }
        return dirty.compactMap { couriers[$0] }
    }

    func markDirty(_ ids: [UUID]) {
        dirty.formUnion(ids)
    }
}
