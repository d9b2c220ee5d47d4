import ServiceLifecycle

/// Opened once start-up (migrations, seeding) is done; background loops wait for it so they
/// never run against a schema that does not exist yet.
actor StartupGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

/// Runs `inner` only after the gate opens. Shutdown before then ends it without running.
struct GatedService: Service {
    let gate: StartupGate
    let inner: any Service

    func run() async throws {
        let opened: Bool =
            await cancelWhenGracefulShutdown {
                await gate.wait()
                return !Task.isCancelled
            } ?? false
        guard opened, !Task.isShuttingDownGracefully else { return }
        try await inner.run()
    }
}
