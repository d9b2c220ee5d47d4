import Core
import Logging
import ServiceLifecycle
import Storage

/// Runs `work` every `interval` until graceful shutdown, then `onShutdown` once, for at most
/// `shutdownStepLimit` (a courtesy such as giving up a lease must not hold the shutdown when the
/// database is gone: PostgresNIO may not answer a cancelled lease then). A failing pass is logged
/// and the next one runs on schedule: a loop never dies of one bad round.
struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void
    var onShutdown: (@Sendable () async throws -> Void)? = nil
    static let shutdownStepLimit = Duration.seconds(2)

    func run() async throws {
        await repeatUntilShutdown(every: interval, name: name, logger: logger, work)
        if let onShutdown {
            do { try await withDeadline(Self.shutdownStepLimit) { try await onShutdown() } } catch { logger.error("shutdown step failed", metadata: ["task": "\(name)", "error": "\(error)"]) }
        }
    }
}
