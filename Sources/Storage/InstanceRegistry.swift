public import Core
public import Foundation
import Logging
import SQLKit
import Synchronization

/// The instances sharing one database, each known by a heartbeat row in `instances`.
///
/// Every instance writes its row every `beatInterval` and counts the rows seen within
/// `aliveWindow`: what it may take of a limit shared by the city (the rate limits divide by it),
/// and, later, what an operator sees. A row not renewed for a day is deleted by whoever beats
/// next. While the database cannot be reached the last count stands: the limits neither loosen
/// nor tighten during an outage.
public final class InstanceRegistry: Sendable {
    public static let migrations = [
        Migration(id: "storage-007-instances") { t in
            [
                """
                CREATE TABLE instances (
                    id \(t.uuid) PRIMARY KEY,
                    host TEXT NOT NULL,
                    started_at \(t.timestamp) NOT NULL,
                    seen_at \(t.timestamp) NOT NULL
                )
                """
            ]
        }
    ]

    public let id = UUID()
    public let beatInterval: Duration = .seconds(5)
    public let aliveWindow: TimeInterval = 15
    let startedAt: Date
    let host: String
    let database: any Database
    let clock: any WallClock
    private let alive = Atomic<Int>(1)

    public init(database: any Database, clock: any WallClock, host: String = ProcessInfo.processInfo.hostName) {
        self.database = database
        self.clock = clock
        self.host = host
        self.startedAt = clock.now()
    }

    /// Instances alive at the last beat, this one included (at least 1).
    public var aliveCount: Int { max(1, alive.load(ordering: .relaxed)) }

    /// Renews this instance's row and counts the living.
    public func beat() async throws {
        let now = clock.now()
        let (id, host, startedAt, window) = (id, host, startedAt, aliveWindow)
        let count = try await database.write { db in
            try await db.raw(
                """
                INSERT INTO instances (id, host, started_at, seen_at) VALUES (\(bind: id), \(bind: host), \(bind: startedAt), \(bind: now))
                ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
                """
            ).run()
            try await db.raw("DELETE FROM instances WHERE seen_at < \(bind: now.addingTimeInterval(-86_400))").run()
            return try await db.raw("SELECT count(*) AS alive FROM instances WHERE seen_at >= \(bind: now.addingTimeInterval(-window))")
                .first(decodingColumn: "alive", as: Int.self) ?? 1
        }
        alive.store(max(1, count), ordering: .relaxed)
    }

    /// Removes this instance's row at shutdown, so the others count without it at once.
    public func leave() async throws {
        let id = id
        try await database.write { db in try await db.raw("DELETE FROM instances WHERE id = \(bind: id)").run() }
    }
}
