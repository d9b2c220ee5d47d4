import Core
import Foundation
import Synchronization

/// Sign-ins recently read, so a request's bearer token costs a database read at most every
/// `freshFor` rather than on every request — and so signed-in people keep working while the
/// database is down.
///
/// A logout removes its entry here at once (`forget`), and, through the live bus, on every other
/// instance; `freshFor` bounds how long a logout whose message was lost could still be honoured
/// elsewhere. While the database is unavailable an entry is used past `freshFor` (never past the
/// token's own expiry): a slightly old sign-in beats turning every courier away at the peak.
final class SessionCache: Sendable {
    private struct Entry {
        let session: Session
        let readAt: Date
    }

    let freshFor: TimeInterval
    let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(freshFor: TimeInterval = 30, capacity: Int = 100_000) {
        self.freshFor = freshFor
        self.capacity = capacity
    }

    /// The session read for `id` less than `freshFor` ago, unexpired.
    func fresh(_ id: String, now: Date) -> Session? {
        entries.withLock { entries in
            guard let entry = entries[id], now.timeIntervalSince(entry.readAt) < freshFor, entry.session.expiresAt > now else { return nil }
            return entry.session
        }
    }

    /// The session last read for `id`, however long ago, unexpired: for when the database cannot say.
    func last(_ id: String, now: Date) -> Session? {
        entries.withLock { entries in
            guard let entry = entries[id], entry.session.expiresAt > now else { return nil }
            return entry.session
        }
    }

    func remember(_ session: Session, now: Date) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { now.timeIntervalSince($0.value.readAt) < freshFor }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[session.id] = Entry(session: session, readAt: now)
        }
    }

    func forget(_ id: String) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}
