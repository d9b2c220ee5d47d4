/// One at a time, for async work: the flush that commits counts and clears them from memory, and
/// a report that reads the database and then memory, must not interleave, or the report counts
/// the flush's events twice or not at all. (Hand-written: no package in the mirror has an
/// async mutex this small.)
actor FlushLock {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func unlock() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}

extension FlushLock {
    /// Runs `body` holding the lock.
    func holding<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await lock()
        do {
            let result = try await body()
            unlock()
            return result
        } catch {
            unlock()
            throw error
        }
    }
}
