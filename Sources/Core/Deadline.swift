/// `withDeadline` gave up waiting.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `body`, failing with `DeadlineExceeded` if it takes longer than `limit`; `body` is then
/// cancelled. For calls where a clear, fast failure beats a hang (a payment provider at
/// checkout, a readiness probe). An error thrown by `body` in time is rethrown unchanged.
public func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(limit: limit) }
        return value
    }
}
