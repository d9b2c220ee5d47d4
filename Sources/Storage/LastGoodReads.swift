import Foundation
import Synchronization

/// Reads that go to the database every time, and keep their last answer per key for when the
/// database is unavailable: then the last answer is served instead of a 503. Browse keeps
/// working through an outage for what has been looked at (a menu may be minutes old, which beats
/// no menu at dinner time); nothing changes while the database answers.
public final class LastGoodReads<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    let capacity: Int

    public init(capacity: Int = 5_000) {
        self.capacity = capacity
    }

    /// `read()`'s answer, kept; its last kept answer for `key` when it fails with `DatabaseUnavailable`.
    public func read(_ key: Key, _ read: () async throws -> Value) async throws -> Value {
        do {
            let value = try await read()
            entries.withLock { entries in
                // Bounded: past the capacity one arbitrary entry makes room.
                if entries.count >= capacity, entries[key] == nil, let any = entries.keys.first { entries[any] = nil }
                entries[key] = value
            }
            return value
        } catch let outage as DatabaseUnavailable {
            if let last = entries.withLock({ $0[key] }) { return last }
            throw outage
        }
    }
}
