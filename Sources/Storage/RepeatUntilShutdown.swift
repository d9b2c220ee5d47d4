public import Logging
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

/// The loop of a queue worker (the outbox relay, the email sender). After a pass that left work
/// behind (it returned true: a full batch) the next runs at once; otherwise the loop waits until
/// `bell` rings (new work here) or `idle` has passed (retries come due, other instances' work). A
/// failing pass is logged and the loop goes on. It stops at graceful shutdown *between* passes:
/// the pass in flight finishes (a batch is delivered and recorded, not cut short and sent again),
/// no new one starts, and an idle wait ends at once. Cancellation (after the group's grace
/// period) still cuts a pass short.
public func drainUntilShutdown(
    wokenBy bell: Doorbell, idle: Duration, name: String, logger: Logger, _ pass: @escaping @Sendable () async throws -> Bool
) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        var more = false
        do { more = try await pass() } catch {
            if Task.isCancelled { return }
            logger.error("background pass failed", metadata: ["task": "\(name)", "error": "\(error)"])
        }
        if !more && !Task.isShuttingDownGracefully {
            await withGracefulShutdownHandler {
                await bell.wait(upTo: idle)
            } onGracefulShutdown: {
                bell.ring()
            }
        }
    }
}
