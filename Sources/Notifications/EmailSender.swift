public import Core
public import Foundation
public import Logging
import Metrics
public import Outbound
public import ServiceLifecycle
public import Storage

/// Sends queued notification emails through a `MailTransport`, one at a time, with its own
/// retries and a circuit breaker on the SMTP server: a dead mail server delays only email.
///
/// A transient failure (connection, timeout, 4xx) is retried with exponential backoff; a
/// permanent one (5xx: no such mailbox) or the last retry marks the email failed, and its
/// notification unread again with the reason, so the activity feed shows it. Claims are leased
/// (on PostgreSQL `SKIP LOCKED`), so instances share the queue; a process that dies mid-send
/// leaves the lease to lapse and the email is sent again with the same Message-ID.
public struct EmailSender: Service {
    public struct Settings: Sendable {
        public var from: String
        public var fromName: String = "Tiffin"
        public var maximumAttempts: Int64 = 8
        public var baseBackoff: TimeInterval = 30
        public var maximumBackoff: TimeInterval = 1_800
        /// Twice the worst a batch can take (4 emails × the 15 s SMTP timeout): another instance
        /// never re-claims an email still being sent here, even at the limit.
        public var lease: TimeInterval = 120
        public var idlePoll: Duration = .seconds(1)
        public init(from: String) { self.from = from }
    }

    static let destination = "smtp"
    static let batchSize = 4

    let store: NotificationStore
    let transport: any MailTransport
    let breaker: CircuitBreaker
    let clock: any WallClock
    let settings: Settings
    let wake: Doorbell
    let logger: Logger

    public init(
        database: any Database, transport: any MailTransport, breaker: CircuitBreaker, clock: any WallClock, settings: Settings,
        wake: Doorbell, logger: Logger
    ) {
        self.store = NotificationStore(database: database)
        self.transport = transport
        self.breaker = breaker
        self.clock = clock
        self.settings = settings
        self.wake = wake
        self.logger = logger
    }

    public func run() async throws {
        await drainUntilShutdown(wokenBy: wake, idle: settings.idlePoll, name: "notifications.email", logger: logger) {
            try await sendDue() >= EmailSender.batchSize
        }
    }

    /// Sends what is due now. Returns how many emails it claimed.
    @discardableResult
    public func sendDue() async throws -> Int {
        let now = clock.now()
        // No more than can be sent within the lease at the transport's worst (15 s each), so
        // another instance never re-claims an email still being sent here.
        let batch = try await store.claimEmails(now: now, leaseUntil: now.addingTimeInterval(settings.lease), limit: Self.batchSize)
        for email in batch where !Task.isCancelled {
            if case .refuse(let until) = breaker.allow(Self.destination, now: clock.now()) {
                try await store.emailPostponed(email.notificationID, until: until)
                continue
            }
            await send(email)
        }
        return batch.count
    }

    private func send(_ email: NotificationStore.QueuedEmail) async {
        let message = MailMessage(
            from: settings.from, fromName: settings.fromName, to: email.address, subject: email.subject, body: email.body,
            messageID: "<\(email.notificationID.uuidString.lowercased())@tiffin>")
        let attempts = email.attempts + 1
        do {
            try await transport.send(message)
        } catch  where Task.isCancelled {
            return  // shutting down is not the server's failure: the email is left to its lease
        } catch {
            await failed(email, attempts: attempts, error: error)
            return
        }
        breaker.recordSuccess(Self.destination)
        do {
            // Sent: a failure to record it must not count as a failed send (and send it again).
            try await store.emailSent(email.notificationID, at: clock.now())
            Counter(label: "tiffin_notifications_total", dimensions: [("kind", email.kind), ("channel", "email"), ("outcome", "delivered")])
                .increment()
        } catch {
            logger.error("email sent but not recorded", metadata: ["notification.id": "\(email.notificationID)", "error": "\(error)"])
        }
    }

    private func failed(_ email: NotificationStore.QueuedEmail, attempts: Int64, error: any Error) async {
        let now = clock.now()
        let permanent: Bool
        if case MailError.permanent = error { permanent = true } else { permanent = false }
        // A refused recipient means the server answered: healthy, whatever the mailbox.
        if permanent { breaker.recordSuccess(Self.destination) } else { breaker.recordFailure(Self.destination, now: now) }
        let exhausted = permanent || attempts >= settings.maximumAttempts
        let backoff = Backoff.delay(afterAttempts: attempts, base: settings.baseBackoff, cap: settings.maximumBackoff)
        let reason = String(String(describing: error).prefix(500))
        logger.warning(
            "email not sent",
            metadata: ["notification.id": "\(email.notificationID)", "attempts": "\(attempts)", "final": "\(exhausted)", "error": "\(reason)"])
        Counter(
            label: "tiffin_notifications_total",
            dimensions: [("kind", email.kind), ("channel", "email"), ("outcome", exhausted ? "failed" : "retried")]
        ).increment()
        do {
            try await store.emailFailed(
                email.notificationID, attempts: attempts, error: reason, next: exhausted ? nil : now.addingTimeInterval(backoff), at: now)
        } catch {
            logger.error("email bookkeeping failed", metadata: ["notification.id": "\(email.notificationID)", "error": "\(error)"])
        }
    }
}
