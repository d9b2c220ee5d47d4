import Foundation
import Logging
import Storage
import Testing
import TiffinTestSupport
import SQLKit

/// What a PostgreSQL client must do when the server ends its sessions under it (a dropped
/// database here; a terminated backend or a server going down behave alike): work that is
/// cancelled ends, whatever it was waiting for. PostgresNIO does not cancel a statement in
/// flight, and one sent on a session the server is ending may never be answered, even after its
/// connection is closed; unless `PostgresStorage` stops waiting for it when its caller is
/// cancelled, some of these workers wait forever, and so does the shutdown of the instance that
/// runs them.
@Suite("PostgreSQL going away under running work")
struct PostgresOutageTests {
    @Test(.timeLimit(.minutes(1)))
    func cancelledWorkEndsWhenTheServerEndedItsSessions() async throws {
        try await withTestDatabaseURL(.postgres) { url in
            let storage = PostgresStorage(location: try PostgresLocation(url: url), logger: Logger(label: "tiffin.test.outage"))
            let workers = 12
            // Each worker answers true once it ended; the others (the pool, the listener) false.
            let ended = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try? await storage.run()
                    return false
                }
                for worker in 0..<workers {
                    group.addTask {
                        // Transactions and single statements, back to back, as the relay and
                        // the request handlers run them.
                        while !Task.isCancelled {
                            do {
                                if worker.isMultiple(of: 2) {
                                    try await storage.transaction { sql in try await sql.raw("SELECT pg_sleep(0.005)").run() }
                                } else {
                                    try await storage.read { sql in try await sql.raw("SELECT 1").run() }
                                }
                            } catch {
                                try? await Task.sleep(for: .milliseconds(20))
                            }
                        }
                        return true
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await storage.listen("outage-test") { _ in true }
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                    return false
                }
                try? await Task.sleep(for: .milliseconds(300))
                try? await dropPostgresDatabase(url: url)
                try? await Task.sleep(for: .seconds(1))
                group.cancelAll()
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(ended == workers)
        }
    }
}
