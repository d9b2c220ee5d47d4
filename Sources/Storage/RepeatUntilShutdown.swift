import Logging
import ServiceLifecycle

/// The loop of every background service: runs `work` now and then every `interval` until graceful
/// shutdown (or cancellation), which also cuts short the pass in flight. A failing pass is logged
/// and the next one runs on schedule: a loop never dies of one bad round.
public func repeatUntilShutdown(
    every interval: Duration, name: String, logger: Logger, _ work: @escaping @Sendable () async throws -> Void
) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await work()
            } catch {
                if Task.isCancelled { break }
                logger.error("background pass failed", metadata: ["task": "\(name)", "error": "\(error)"])
            }
            do { try await Task.sleep(for: interval) } catch { break }
        }
    }
}
