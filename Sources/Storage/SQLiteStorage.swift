import Foundation
public import Logging
import NIOPosix
public import SQLKit
import ServiceLifecycle
import Synchronization

/// The embedded default: one SQLite file in WAL mode.
///
/// Writes are group-committed: transactions that arrive while another is being written queue up,
/// and the next writer runs all of them in one `BEGIN IMMEDIATE … COMMIT`, each inside its own
/// savepoint — so a transaction that fails rolls back alone, and none is reported done before the
/// commit that makes it durable. Under load this turns many small commits, each rewriting the same
/// hot pages into the WAL, into a few larger ones. Statements run synchronously in the writing
/// task (`SQLiteConnection`); reads run on separate read-only connections and never wait for a
/// write. Checkpoints run in the background, off the request path.
///
/// An in-memory database (tests) has a single connection, and its reads queue with the writes.
public final class SQLiteStorage: Database {
    /// One process owns the file: there are no other instances to tell anything.
    public var clusterChannel: (any ClusterChannel)? { nil }

    public let kind = DatabaseKind.sqlite
    public let logger: Logger
    private let writer: SQLiteConnection
    private let readers: [ReaderSlot]
    private let nextReader = Atomic<Int>(0)
    private let queue = WriteQueue()
    private let path: String?
    private let closed = Mutex(false)

    final class ReaderSlot: Sendable {
        let connection: SQLiteConnection
        let lock = NSLock()
        init(_ connection: SQLiteConnection) { self.connection = connection }
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], path: String?, logger: Logger) {
        self.writer = writer
        self.readers = readers.map(ReaderSlot.init)
        self.path = path
        self.logger = logger
    }

    /// Opens (creating if needed) the file at `path`, or a private in-memory database if `path` is nil.
    public static func open(path: String?, logger: Logger) async throws -> SQLiteStorage {
        guard let path else {
            let connection = try SQLiteConnection(path: ":memory:", readOnly: false)
            try configure(connection, isWriter: true, isFile: false)
            return SQLiteStorage(writer: connection, readers: [], path: nil, logger: logger)
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let writer = try SQLiteConnection(path: absolute, readOnly: false)
        try configure(writer, isWriter: true, isFile: true)
        var readers: [SQLiteConnection] = []
        for _ in 0..<max(2, ProcessInfo.processInfo.activeProcessorCount) {
            let reader = try SQLiteConnection(path: absolute, readOnly: true)
            try configure(reader, isWriter: false, isFile: true)
            readers.append(reader)
        }
        return SQLiteStorage(writer: writer, readers: readers, path: absolute, logger: logger)
    }

    private static func configure(_ connection: SQLiteConnection, isWriter: Bool, isFile: Bool) throws {
        if isFile && isWriter {
            // WAL + NORMAL: a committed transaction survives a crash of the process (kill -9).
            try connection.exec("PRAGMA journal_mode = WAL")
            try connection.exec("PRAGMA synchronous = NORMAL")
            // Checkpoints are made by `run()`; this only bounds the log if that falls behind.
            try connection.exec("PRAGMA wal_autocheckpoint = 20000")
        }
        try connection.exec("PRAGMA foreign_keys = ON")
        try connection.exec("PRAGMA busy_timeout = 5000")
        try connection.exec("PRAGMA cache_size = -32000")
        if isFile { try connection.exec("PRAGMA mmap_size = 268435456") }
        if !isWriter { try connection.exec("PRAGMA query_only = ON") }
    }

    public func read<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        guard !readers.isEmpty else { return try await transaction(body) }
        let slot = readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
        try checkOpen()
        return try await outageAnswered {
            try await body(SQLiteSQLDatabase(connection: slot.connection, logger: self.logger, guardLock: slot.lock))
        }
    }

    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try checkOpen()
        let database = SQLiteSQLDatabase(connection: writer, logger: logger, guardLock: nil)
        return try await outageAnswered { try await self.queue.submit(body, on: database, writer: self.writer) }
    }

    /// A file that cannot be written or read (a read-only, full or failing disk) is an outage of
    /// the database, answered 503 like a PostgreSQL server that is down; a statement's own
    /// failures (a constraint) pass unchanged.
    private func outageAnswered<R>(_ work: () async throws -> R) async throws -> R {
        do {
            return try await work()
        } catch where !(error is DatabaseUnavailable) && DatabaseUnavailable.isOutage(error) {
            logger.warning("database unavailable", metadata: ["error": "\(error)"])
            throw DatabaseUnavailable(reason: "\(error)")
        }
    }

    public func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await transaction(body)
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) { throw WriteQueue.closedFailure }
    }

    /// Checkpoints the WAL into the database file every quarter second until shutdown, on a
    /// thread of the blocking pool (a checkpoint syncs the disk), then closes.
    public func run() async throws {
        if let path {
            let checkpointer = try SQLiteConnection(path: path, readOnly: false)
            try Self.configure(checkpointer, isWriter: false, isFile: true)
            try? checkpointer.exec("PRAGMA query_only = OFF")
            await repeatUntilShutdown(every: .milliseconds(250), name: "sqlite.checkpoint", logger: logger) {
                try await NIOThreadPool.singleton.runIfActive { try checkpointer.exec("PRAGMA wal_checkpoint(PASSIVE)") }
            }
            checkpointer.close()
        } else {
            try? await gracefulShutdown()
        }
        try await close()
    }

    /// Closes every connection once, after the writes in flight; writes submitted later fail.
    /// Safe to call again.
    public func close() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        // The last job: queued behind everything in flight, and nothing is queued after it.
        try await queue.submit({ _ in }, on: SQLiteSQLDatabase(connection: writer, logger: logger, guardLock: nil), writer: writer, last: true)
        for slot in readers {
            slot.lock.withLock { slot.connection.close() }
        }
        writer.close()
    }
}

/// The queue of write transactions, drained in batches by whichever waiting task is its writer.
///
/// A task that finds the queue idle becomes the writer and runs its own transaction with everything
/// queued behind it; a task that finds it busy waits, and is either told its transaction is done
/// or handed the writer's role for the next batch. No extra task or thread is involved.
final class WriteQueue: Sendable {
    static let maximumBatch = 64

    final class Job: @unchecked Sendable {
        /// Runs the transaction body; false when it threw (its savepoint is then rolled back).
        let run: (any SQLDatabase) async -> Bool
        /// Records that the job's changes were not committed after all.
        let fail: (any Error) -> Void
        var continuation: CheckedContinuation<Bool, Never>?
        /// Set when the job's fate was decided before it started waiting: true = lead, false = done.
        var early: Bool?
        init(run: @escaping (any SQLDatabase) async -> Bool, fail: @escaping (any Error) -> Void) {
            self.run = run
            self.fail = fail
        }
    }

    private struct State {
        var pending: [Job] = []
        var writing = false
        /// Set by the last job (`close`): later submissions fail instead of using a closed connection.
        var closed = false
    }

    /// Set while a job's body runs: a body that opened another write transaction would queue
    /// behind itself forever, so that fails at once instead.
    @TaskLocal static var isInsideWrite = false

    static let closedFailure = SQLiteFailure(code: 21, message: "the database is closed")

    private let state = Mutex(State())
    private let jobLock = NSLock()

    func submit<R: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R, on database: SQLiteSQLDatabase, writer: SQLiteConnection,
        last: Bool = false
    ) async throws -> R {
        guard !Self.isInsideWrite else {
            throw SQLiteFailure(code: 21, message: "a write transaction was opened inside another; it would wait for itself")
        }
        let outcome = Box<Result<R, any Error>>()
        let job = Job(
            run: { db in
                do {
                    outcome.value = .success(try await body(db))
                    return true
                } catch {
                    outcome.value = .failure(error)
                    return false
                }
            },
            fail: { outcome.value = .failure($0) })
        let leads = state.withLock { state -> Bool? in
            if state.closed { return nil }
            if last { state.closed = true }
            if state.writing {
                state.pending.append(job)
                return false
            }
            state.writing = true
            return true
        }
        guard let leads else { throw Self.closedFailure }
        let writes = leads ? true : await wait(job)
        if writes {
            await drain(first: job, database: database, writer: writer)
        }
        guard let result = outcome.value else { throw SQLiteFailure(code: 1, message: "write transaction lost") }
        return try result.get()
    }

    /// Waits until the job is done (false) or this task must write the next batch (true).
    private func wait(_ job: Job) async -> Bool {
        await withCheckedContinuation { continuation in
            let early = jobLock.withLock { () -> Bool? in
                if let early = job.early { return early }
                job.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }
    }

    private func wake(_ job: Job, lead: Bool) {
        let continuation = jobLock.withLock { () -> CheckedContinuation<Bool, Never>? in
            guard let continuation = job.continuation else {
                job.early = lead
                return nil
            }
            job.continuation = nil
            return continuation
        }
        continuation?.resume(returning: lead)
    }

    private func drain(first: Job, database: SQLiteSQLDatabase, writer: SQLiteConnection) async {
        let batch =
            [first]
            + state.withLock { state -> [Job] in
                let taken = Array(state.pending.prefix(Self.maximumBatch - 1))
                state.pending.removeFirst(taken.count)
                return taken
            }
        await write(batch, database: database, writer: writer)
        for job in batch.dropFirst() { wake(job, lead: false) }
        let next = state.withLock { state -> Job? in
            guard !state.pending.isEmpty else {
                state.writing = false
                return nil
            }
            return state.pending.removeFirst()
        }
        if let next { wake(next, lead: true) }
    }

    /// One transaction for the whole batch, a savepoint per job.
    private func write(_ batch: [Job], database: SQLiteSQLDatabase, writer: SQLiteConnection) async {
        do {
            // A transaction left open by a failed COMMIT and a failed ROLLBACK would make every
            // later BEGIN fail: end it first.
            if writer.isInTransaction { try writer.exec("ROLLBACK") }
            try writer.exec("BEGIN IMMEDIATE")
        } catch {
            for job in batch { job.fail(error) }
            return
        }
        for job in batch {
            do {
                try writer.exec("SAVEPOINT job")
                if await Self.$isInsideWrite.withValue(true, operation: { await job.run(database) }) {
                    try writer.exec("RELEASE job")
                } else {
                    try writer.exec("ROLLBACK TO job")
                    try writer.exec("RELEASE job")
                }
            } catch {
                // The savepoint itself failed: the transaction is unusable; fail the batch.
                try? writer.exec("ROLLBACK")
                for job in batch { job.fail(error) }
                return
            }
        }
        do {
            try writer.exec("COMMIT")
        } catch {
            try? writer.exec("ROLLBACK")
            for job in batch { job.fail(error) }
        }
    }
}

/// A value set once by the writer and read by the waiting task after it is woken.
final class Box<T>: @unchecked Sendable {
    var value: T?
}
