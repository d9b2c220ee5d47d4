public import Core
public import Foundation
public import Logging
import Metrics
public import Outbound
public import ServiceLifecycle
public import Storage
import Synchronization

/// Sends queued webhook deliveries, several at once, each signed with the endpoint's secret(s).
///
/// - Up to `concurrency` sends are in flight, at most `perEndpoint` to one endpoint, and a slot
///   is refilled as soon as its send ends: a slow endpoint holds only its own slots and never
///   makes another's deliveries wait for it.
/// - Every attempt is logged (status, latency, the answer's first 1,024 bytes or the error).
/// - A 2xx answer succeeds; anything else is retried with exponential backoff (30 s doubling, at
///   most an hour apart, ±20 % jitter so retries of many deliveries do not arrive together) until
///   the delivery's 24-hour window closes; then it is marked failed (it can be redelivered).
/// - A circuit breaker per endpoint stops attempts to one that keeps failing for a while,
///   without using up the deliveries' retries, so a dead endpoint costs nothing and delays no one.
/// - An endpoint that failed `disableAfterFailures` attempts in a row over at least
///   `disableAfter` seconds is disabled and its owner and the operators are told.
///
/// Claims are leased (on PostgreSQL `SKIP LOCKED`): instances share the queue and one delivery
/// is never sent by two at once. A process that dies mid-send leaves the lease to lapse, and the
/// delivery is sent again with the same event id.
public struct WebhookSender: Service {
    public struct Settings: Sendable {
        public var concurrency = 8
        /// At most this many sends to one endpoint at once.
        public var perEndpoint = 2
        public var timeout: Duration = .seconds(10)
        public var baseBackoff: TimeInterval = 30
        public var maximumBackoff: TimeInterval = 3_600
        public var disableAfterFailures = 25
        public var disableAfter: TimeInterval = 12 * 3600
        public var lease: TimeInterval = 60
        public var idlePoll: Duration = .seconds(1)
        public init() {}
    }

    let store: WebhookStore
    let transport: any WebhookTransport
    let breaker: CircuitBreaker
    let notifications: NotificationService
    let directory: any RecipientDirectory
    let clock: any WallClock
    let settings: Settings
    let wake: Doorbell
    let logger: Logger
    /// Endpoints this instance has metered: their series are dropped once the endpoint is gone.
    private let metered = MeteredEndpoints()

    public init(
        database: any Database, transport: any WebhookTransport, breaker: CircuitBreaker, notifications: NotificationService,
        directory: any RecipientDirectory, clock: any WallClock, settings: Settings, wake: Doorbell, logger: Logger
    ) {
        self.store = WebhookStore(database: database)
        self.transport = transport
        self.breaker = breaker
        self.notifications = notifications
        self.directory = directory
        self.clock = clock
        self.settings = settings
        self.wake = wake
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await sendUntilCancelled() }
    }

    /// The sending loop: claims into every free slot, then waits for a send to end, the bell
    /// (new deliveries) or `idlePoll` (retries coming due), whichever is first.
    func sendUntilCancelled() async {
        await withTaskGroup(of: UUID?.self) { group in
            var inFlight: [UUID: Int] = [:]
            var running = 0
            var listening = false
            while !Task.isCancelled {
                if running < settings.concurrency {
                    do {
                        for (delivery, endpoint) in try await claimDue(limit: settings.concurrency - running, inFlight: inFlight) {
                            inFlight[endpoint.id, default: 0] += 1
                            running += 1
                            group.addTask {
                                await attempt(delivery, endpoint)
                                return endpoint.id
                            }
                        }
                    } catch {
                        if Task.isCancelled { break }
                        logger.error("background pass failed", metadata: ["task": "webhooks.send", "error": "\(error)"])
                    }
                }
                if running < settings.concurrency && !listening {
                    listening = true
                    group.addTask {
                        await wake.wait(upTo: settings.idlePoll)
                        return nil
                    }
                }
                guard let ended = await group.next() else { break }
                if let endpointID = ended {
                    running -= 1
                    inFlight[endpointID] = inFlight[endpointID].map { $0 > 1 ? $0 - 1 : nil } ?? nil
                } else {
                    listening = false
                }
            }
            group.cancelAll()
        }
    }

    static func destination(_ endpointID: UUID) -> String { "webhook:\(endpointID.uuidString.lowercased())" }

    /// Sends what is due now (as many as `concurrency` slots take in one claim), and waits for
    /// the sends: for tests. Returns how many it sent.
    @discardableResult
    public func sendDue() async throws -> Int {
        let due = try await claimDue(limit: settings.concurrency, inFlight: [:])
        await withTaskGroup(of: Void.self) { group in
            for (delivery, endpoint) in due { group.addTask { await attempt(delivery, endpoint) } }
        }
        return due.count
    }

    /// Leases up to `limit` due deliveries, keeping each endpoint within `perEndpoint` sends
    /// counting those `inFlight`; what a claim took beyond that is released at once.
    private func claimDue(limit: Int, inFlight: [UUID: Int]) async throws -> [(WebhookStore.DeliveryRow, WebhookStore.EndpointRow)] {
        let now = clock.now()
        let full = inFlight.filter { $0.value >= settings.perEndpoint }.map(\.key)
        let batch = try await store.claim(now: now, leaseUntil: now.addingTimeInterval(settings.lease), limit: limit, excluding: full)
        guard !batch.isEmpty else { return [] }
        let endpoints = try await store.endpoints(ids: Array(Set(batch.map(\.endpointID))))
        var counts = inFlight
        var taken: [(WebhookStore.DeliveryRow, WebhookStore.EndpointRow)] = []
        var over: [UUID] = []
        for delivery in batch {
            guard let endpoint = endpoints[delivery.endpointID] else { continue }  // deleted meanwhile, with its deliveries
            if counts[endpoint.id, default: 0] < settings.perEndpoint {
                counts[endpoint.id, default: 0] += 1
                taken.append((delivery, endpoint))
            } else {
                over.append(delivery.id)
            }
        }
        if !over.isEmpty { try await store.release(deliveryIDs: over) }
        return taken
    }

    private func attempt(_ delivery: WebhookStore.DeliveryRow, _ endpoint: WebhookStore.EndpointRow) async {
        let destination = Self.destination(endpoint.id)
        let now = clock.now()
        do {
            // Read before asking the breaker: a half-open trial it grants must end in a recorded
            // success or failure, or the endpoint would stay refused.
            guard let url = URL(string: endpoint.url) else { throw OutboundError.refusedDestination("unreadable URL") }
            if case .refuse(let until) = breaker.allow(destination, now: now) {
                try await store.postpone(deliveryID: delivery.id, until: until)
                return
            }
            let body = Array(delivery.body.utf8)
            let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
            let request = OutboundRequest(
                url: url,
                headers: [
                    ("Content-Type", "application/json"), ("Tiffin-Event-Id", delivery.eventID.uuidString.lowercased()),
                    ("Tiffin-Event-Type", delivery.eventType), ("Tiffin-Delivery-Id", delivery.id.uuidString.lowercased()),
                    (
                        WebhookSignature.header,
                        WebhookSignature.headerValue(secrets: endpoint.signingSecrets(now: now), timestamp: timestamp, body: body)
                    ),
                ], body: body, timeout: settings.timeout)
            let started = ContinuousClock.now
            var status: Int?
            var excerpt: String?
            var failure: String?
            do {
                let response = try await transport.post(request)
                status = response.status
                excerpt = response.excerpt
                if !(200..<300).contains(response.status) { failure = "HTTP \(response.status)" }
            } catch {
                // Shutting down is not the endpoint's failure: the delivery is left to its lease.
                if Task.isCancelled { return }
                failure = String(String(describing: error).prefix(500))
            }
            let elapsed = ContinuousClock.now - started
            let latency = Int(elapsed / .milliseconds(1))
            metered.ids.withLock { _ = $0.insert(endpoint.id) }
            Self.latency(endpoint.id).recordNanoseconds(Int64(elapsed / .nanoseconds(1)))
            let at = clock.now()
            let succeeded = failure == nil
            var next: Date?
            if !succeeded {
                breaker.recordFailure(destination, now: at)
                let attempts = delivery.attempts + 1
                let jitter = Double.random(in: 0.8...1.2)
                let wait = Backoff.delay(afterAttempts: attempts, base: settings.baseBackoff, cap: settings.maximumBackoff) * jitter
                let candidate = at.addingTimeInterval(wait)
                next = candidate <= delivery.giveUpAt ? candidate : nil
            } else {
                breaker.recordSuccess(destination)
            }
            try await store.recordAttempt(
                deliveryID: delivery.id, at: at, statusCode: status, latencyMilliseconds: latency, excerpt: excerpt, error: failure,
                succeeded: succeeded, next: next)
            let outcome = succeeded ? "delivered" : (next == nil ? "failed" : "retried")
            Self.outcome(endpoint.id, outcome).increment()
            let streak = try await store.recordOutcome(endpointID: endpoint.id, succeeded: succeeded, at: at)
            if !succeeded, streak.streak >= settings.disableAfterFailures, let since = streak.since,
                at.timeIntervalSince(since) >= settings.disableAfter
            {
                try await disable(endpoint, failures: streak.streak, at: at)
            }
        } catch {
            logger.error("webhook attempt bookkeeping failed", metadata: ["delivery.id": "\(delivery.id)", "error": "\(error)"])
        }
    }

    // MARK: Metrics and retention

    static func latency(_ endpointID: UUID) -> Timer {
        Timer(label: "tiffin_webhook_latency_seconds", dimensions: [("endpoint", endpointID.uuidString.lowercased())])
    }

    static func outcome(_ endpointID: UUID, _ outcome: String) -> Counter {
        Counter(label: "tiffin_webhook_deliveries_total", dimensions: [("endpoint", endpointID.uuidString.lowercased()), ("outcome", outcome)])
    }

    /// Fails the deliveries whose window closed unsent (a disabled endpoint's), deletes settled
    /// deliveries (and their attempts) queued more than `logRetention` ago, and drops the
    /// metrics and breaker of every endpoint metered here that has been deleted.
    public func prune(logRetention: TimeInterval) async throws {
        let now = clock.now()
        let deleted = try await store.prune(before: now.addingTimeInterval(-logRetention), now: now)
        if deleted > 0 { logger.info("webhook deliveries pruned", metadata: ["deliveries": "\(deleted)"]) }
        let seen = Array(metered.ids.withLock { $0 })
        let existing = try await store.existing(endpointIDs: seen)
        for id in seen where !existing.contains(id) {
            Self.latency(id).destroy()
            for outcome in ["delivered", "retried", "failed"] { Self.outcome(id, outcome).destroy() }
            breaker.remove(Self.destination(id))
            metered.ids.withLock { _ = $0.remove(id) }
        }
    }

    /// Disables a failing endpoint and tells its owner and every operator (in their feeds, and
    /// by their channels).
    private func disable(_ endpoint: WebhookStore.EndpointRow, failures: Int, at: Date) async throws {
        let reason = "\(failures) failed attempts in a row"
        guard try await store.disable(id: endpoint.id, reason: reason, at: at) else { return }
        breaker.forget(Self.destination(endpoint.id))
        logger.warning("webhook endpoint disabled", metadata: ["endpoint.id": "\(endpoint.id)", "failures": "\(failures)"])
        let recipients = Set([endpoint.ownerID] + (try await directory.operators()))
        let facts = ["url": endpoint.url, "failures": "\(failures)"]
        try await notifications.notify(
            recipients.map { NotificationDraft(recipientID: $0, kind: .webhookDisabled, orderID: nil, subjectID: endpoint.id, facts: facts) },
            eventID: UUID.timeOrdered(at: at))
    }
}

/// The endpoints one sender has metered (shared by its copies).
private final class MeteredEndpoints: Sendable {
    let ids = Mutex<Set<UUID>>([])
}
