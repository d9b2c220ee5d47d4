import Logging
import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown, then `onShutdown` once. A failing pass
/// is logged and the next one runs on schedule: a loop never dies of one bad round.
struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void
    var onShutdown: (@Sendable () async throws -> Void)? = nil

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
                } catch {
                    logger.error("periodic task failed", metadata: ["task": "\(name)", "error": "\(error)"])
                }
                do { try await Task.sleep(for: interval) } catch { break }
            }
        }
        if let onShutdown {
            do { try await onShutdown() } catch { logger.error("shutdown step failed", metadata: ["task": "\(name)", "error": "\(error)"]) }
        }
    }
}
