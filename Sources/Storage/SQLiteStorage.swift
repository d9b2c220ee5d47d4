import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The embedded default: one SQLite file in WAL mode.
///
/// One writer connection serialized by an async lock (a second `BEGIN` on one connection fails,
/// and statements from other tasks would run inside an open transaction); a separate read-only
/// connection for `read` when the database is a file, so browsing never waits behind a write.
/// An in-memory database has a single connection and reads take the lock too.
public final class SQLiteStorage: Database {
    public let kind = DatabaseKind.sqlite
    public let logger: Logger
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection?
    private let writeLock = AsyncLock()

    private init(writer: SQLiteConnection, reader: SQLiteConnection?, logger: Logger) {
        self.writer = writer
        self.reader = reader
        self.logger = logger
    }

    /// Opens (creating if needed) the file at `path`, or a private in-memory database if `path` is nil.
    public static func open(path: String?, logger: Logger) async throws -> SQLiteStorage {
        guard let path else {
            let connection = try await SQLiteConnection.open(storage: .memory, logger: logger)
            let storage = SQLiteStorage(writer: connection, reader: nil, logger: logger)
            try await storage.configure(connection, isWriter: true, isFile: false)
            return storage
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let directory = (absolute as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let writer = try await SQLiteConnection.open(storage: .file(path: absolute), logger: logger)
        let storageWithoutReader = SQLiteStorage(writer: writer, reader: nil, logger: logger)
        try await storageWithoutReader.configure(writer, isWriter: true, isFile: true)
        let reader = try await SQLiteConnection.open(storage: .file(path: absolute), logger: logger)
        let storage = SQLiteStorage(writer: writer, reader: reader, logger: logger)
        try await storage.configure(reader, isWriter: false, isFile: true)
        return storage
    }

    private func configure(_ connection: SQLiteConnection, isWriter: Bool, isFile: Bool) async throws {
        let sql = connection.sql(queryLogLevel: nil)
        if isFile && isWriter {
            // WAL + NORMAL: a committed transaction survives a crash of the process (kill -9).
            try await sql.raw("PRAGMA journal_mode = WAL").run()
            try await sql.raw("PRAGMA synchronous = NORMAL").run()
        }
        try await sql.raw("PRAGMA foreign_keys = ON").run()
        try await sql.raw("PRAGMA busy_timeout = 5000").run()
        if !isWriter {
            try await sql.raw("PRAGMA query_only = ON").run()
        }
    }

    public func read<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if let reader {
            return try await body(reader.sql(queryLogLevel: nil))
        }
        await writeLock.lock()
        do {
            let result = try await body(writer.sql(queryLogLevel: nil))
            await writeLock.unlock()
            return result
        } catch {
            await writeLock.unlock()
            throw error
        }
    }

    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let sql = writer.sql(queryLogLevel: nil)
        await writeLock.lock()
        do {
            try await sql.raw("BEGIN IMMEDIATE").run()
        } catch {
            await writeLock.unlock()
            throw error
        }
        do {
            let result = try await body(sql)
            try await sql.raw("COMMIT").run()
            await writeLock.unlock()
            return result
        } catch {
            do { try await sql.raw("ROLLBACK").run() } catch { logger.error("rollback failed", metadata: ["error": "\(error)"]) }
            await writeLock.unlock()
            throw error
        }
    }

    public func run() async throws {
        // Nothing to drive; stay alive until shutdown, then close.
        try? await gracefulShutdown()
        try await close()
    }

    private let closed = ClosedFlag()

    /// Closes both connections once. Uses the future-based close, which runs even when the
    /// calling task is already cancelled (shutdown by cancellation must still close, or the
    /// connection asserts when it is deinitialised).
    public func close() async throws {
        await writeLock.lock()
        do {
            if await !closed.isClosed {
                if let reader { try await reader.close().get() }
                try await writer.close().get()
                await closed.markClosed()
            }
        } catch {
            await writeLock.unlock()
            throw error
        }
        await writeLock.unlock()
    }
}

actor ClosedFlag {
    private(set) var isClosed = false
    func markClosed() { isClosed = true }
}
