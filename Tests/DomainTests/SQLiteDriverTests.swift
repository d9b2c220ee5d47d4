import Foundation
import Logging
import SQLKit
import Storage
import Testing

/// Tiffin's own SQLite driver and its group commit, on a real file (WAL, separate readers).
@Suite("SQLite driver and group commit")
struct SQLiteDriverTests {
    static let logger = Logger(label: "tiffin.test.sqlite")

    /// Opens a fresh file with one table `t (id INTEGER PRIMARY KEY, s TEXT, b BLOB)`, runs
    /// `body`, closes and removes the file.
    func withFile(_ body: (SQLiteStorage, String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiffin-driver-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try await SQLiteStorage.open(path: path, logger: Self.logger)
        do {
            try await database.transaction { sql in try await sql.raw("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, b BLOB)").run() }
            try await body(database, path)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }

    @Test func textIsStoredWholeAndEmptyBlobsStayBlobs() async throws {
        try await withFile { database, _ in
            let text = "before\u{0}after · 餃子 · 🥟"
            try await database.transaction { sql in
                try await sql.raw("INSERT INTO t (id, s, b) VALUES (1, \(bind: text), \(bind: Data()))").run()
            }
            struct Row: Decodable {
                let s: String
                let kind: String
                let length: Int
            }
            let row = try await database.read { sql in
                try await sql.raw("SELECT s, typeof(b) AS kind, length(CAST(s AS BLOB)) AS length FROM t WHERE id = 1").first(decoding: Row.self)
            }
            #expect(row?.s == text, "a NUL does not cut the text")
            #expect(row?.length == text.utf8.count, "SQLite holds every byte")
            #expect(row?.kind == "blob", "an empty blob is not NULL")
        }
    }

    @Test func twoStatementsInOneCallAreRefusedNotHalfRun() async throws {
        try await withFile { database, _ in
            await #expect(throws: (any Error).self) {
                try await database.transaction { sql in
                    try await sql.raw("INSERT INTO t (id) VALUES (1); INSERT INTO t (id) VALUES (2)").run()
                }
            }
            let count = try await database.read { sql in try await sql.raw("SELECT id FROM t").all().count }
            #expect(count == 0)
        }
    }

    /// Many transactions at once share commits; each that throws must roll back alone, and each
    /// that returns must be there — read through a reader connection, after the fact.
    @Test(.timeLimit(.minutes(1)))
    func aFailingTransactionInABatchRollsBackAloneAndTheOthersAreCommitted() async throws {
        struct Refused: Error {}
        try await withFile { database, _ in
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for id in 1...400 {
                    group.addTask {
                        do {
                            try await database.transaction { sql in
                                try await sql.raw("INSERT INTO t (id, s) VALUES (\(bind: id), 'x')").run()
                                if id % 7 == 0 { throw Refused() }
                                try await sql.raw("UPDATE t SET s = 'done' WHERE id = \(bind: id)").run()
                            }
                            return (id, true)
                        } catch is Refused {
                            return (id, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            struct Row: Decodable {
                let id: Int
                let s: String
            }
            let rows = try await database.read { sql in try await sql.raw("SELECT id, s FROM t").all(decoding: Row.self) }
            #expect(Set(rows.map(\.id)) == Set(outcomes.filter(\.value).map(\.key)))
            #expect(rows.allSatisfy { $0.s == "done" }, "each committed transaction is there whole")
            #expect(rows.count == 400 - 400 / 7)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aTransactionOpenedInsideAnotherFailsAtOnceInsteadOfWaitingForItself() async throws {
        try await withFile { database, _ in
            await #expect(throws: (any Error).self) {
                try await database.transaction { sql in
                    try await sql.raw("INSERT INTO t (id) VALUES (1)").run()
                    try await database.transaction { inner in try await inner.raw("INSERT INTO t (id) VALUES (2)").run() }
                }
            }
            // The writer is free again.
            try await database.transaction { sql in try await sql.raw("INSERT INTO t (id) VALUES (3)").run() }
            let ids = try await database.read { sql in try await sql.raw("SELECT id FROM t").all().count }
            #expect(ids == 1)
        }
    }

    /// Closing while writes arrive: each write either committed before the close or failed
    /// cleanly — none uses the closed connection, none is reported done but missing.
    @Test(.timeLimit(.minutes(1)))
    func writesRacingTheCloseEitherCommitOrFailCleanly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiffin-close-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try await SQLiteStorage.open(path: path, logger: Self.logger)
        try await database.transaction { sql in try await sql.raw("CREATE TABLE t (id INTEGER PRIMARY KEY)").run() }
        let committed = await withTaskGroup(of: Int?.self) { group in
            for id in 1...300 {
                group.addTask {
                    do {
                        try await database.transaction { sql in try await sql.raw("INSERT INTO t (id) VALUES (\(bind: id))").run() }
                        return id
                    } catch {
                        return nil
                    }
                }
                if id == 150 {
                    group.addTask {
                        try? await database.close(); return nil
                    }
                }
            }
            return await group.reduce(into: Set<Int>()) { set, id in if let id { set.insert(id) } }
        }
        await #expect(throws: (any Error).self) {
            try await database.transaction { sql in try await sql.raw("INSERT INTO t (id) VALUES (1000)").run() }
        }
        let reopened = try await SQLiteStorage.open(path: path, logger: Self.logger)
        let stored = try await reopened.read { sql in try await sql.raw("SELECT id FROM t").all().map { try $0.decode(column: "id", as: Int.self) } }
        try await reopened.close()
        #expect(Set(stored) == committed)
    }
}
