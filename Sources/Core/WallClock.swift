public import Foundation
import Synchronization

/// Where services read "now" from. Always UTC (`Date` is an absolute instant).
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's real time, to the millisecond: what is returned to a client is exactly what
/// both databases store (SQLite keeps a double, PostgreSQL microseconds).
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1_000).rounded() / 1_000)
    }
}

/// A clock that tests move by hand.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
