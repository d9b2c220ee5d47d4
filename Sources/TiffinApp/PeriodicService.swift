import Logging
import ServiceLifecycle
import Storage

/// Runs `work` every `interval` until graceful shutdown, then `onShutdown` once (bounded, like
/// everything else, by the group's grace period). A failing pass is logged and the next one runs
/// on schedule: a loop never dies of one bad round.
struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void
    var onShutdown: (@Sendable () async throws -> Void)? = nil

    func run() async throws {
        await repeatUntilShutdown(every: interval, name: name, logger: logger, work)
        if let onShutdown {
            do { try await onShutdown() } catch { logger.error("shutdown step failed", metadata: ["task": "\(name)", "error": "\(error)"]) }
        }
    }
}
