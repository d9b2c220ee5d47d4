public import Core
public import Foundation
public import Outbound

/// How Tiffin reaches people outside the app, email over SMTP and partner webhooks, and how long
/// it keeps what it sent.
public struct NotificationSettings: Sendable {
    /// The SMTP server; nil: email is off.
    public var smtp: SMTPSettings?
    /// The email queue (sender address, retries).
    public var email = EmailSender.Settings(from: "")
    /// Webhook endpoints (private networks allowed or not).
    public var webhooks = WebhookService.Settings()
    /// Webhook deliveries (retries, when an endpoint is disabled).
    public var webhookDeliveries = WebhookSender.Settings()
    /// Keep notifications in the activity feed this long.
    public var activityRetention: TimeInterval = 90 * 86_400
    /// Keep sent or failed emails and webhook deliveries with their attempt log this long;
    /// undelivered ones are kept whatever their age.
    public var deliveryLogRetention: TimeInterval = 30 * 86_400

    public init() {}

    /// Reads the notifications' keys over the defaults:
    /// - `TIFFIN_SMTP_HOST`, with `TIFFIN_SMTP_PORT` (default 587), `TIFFIN_SMTP_USERNAME`,
    ///   `TIFFIN_SMTP_PASSWORD`, `TIFFIN_SMTP_SECURITY` (`starttls-required`, the default;
    ///   `starttls`, upgraded only when the server offers it; `tls`; `none`) and
    ///   `TIFFIN_SMTP_CA_FILE` (a PEM file of extra roots to trust). Unset: email is off.
    /// - `TIFFIN_SMTP_ALLOW_PLAINTEXT_AUTH`: send `TIFFIN_SMTP_USERNAME` and the password over a
    ///   connection that is not encrypted (default false; with `TIFFIN_SMTP_SECURITY=none` and a
    ///   username, start-up is refused unless this is true).
    /// - `TIFFIN_SMTP_FROM`: the sender address, required with `TIFFIN_SMTP_HOST`.
    /// - `TIFFIN_EMAIL_RETRY_BASE_SECONDS`: the first retry of an email (0.01…86400, default 30; doubles).
    /// - `TIFFIN_WEBHOOKS_ALLOW_PRIVATE`: allow endpoints on loopback and private networks, and
    ///   plain http. Off by default: a webhook must not become a way into the server's network.
    /// - `TIFFIN_WEBHOOK_RETRY_BASE_SECONDS`: the first retry of a delivery (0.01…86400, default 30; doubles).
    /// - `TIFFIN_WEBHOOK_DISABLE_AFTER_FAILURES` and `TIFFIN_WEBHOOK_DISABLE_AFTER_SECONDS`: an
    ///   endpoint that failed this many attempts in a row, over at least this long, is disabled
    ///   (defaults 25 and 43200).
    /// - `TIFFIN_ACTIVITY_RETENTION_DAYS`: keep the activity feed this long (1…3650, default 90).
    /// - `TIFFIN_DELIVERY_LOG_RETENTION_DAYS`: keep the delivery log this long (1…3650, default 30).
    public init(reader: SettingsReader) {
        if let host = reader.string("TIFFIN_SMTP_HOST") {
            let from = reader.string("TIFFIN_SMTP_FROM")
            if let from, from.contains("@"), !from.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) {
                email.from = from
            } else {
                reader.problem("TIFFIN_SMTP_FROM", "an address (name@domain) is required when TIFFIN_SMTP_HOST is set")
            }
            let file = reader.string("TIFFIN_SMTP_CA_FILE")
            if let file, !FileManager.default.isReadableFile(atPath: file) {
                reader.problem("TIFFIN_SMTP_CA_FILE", "\(file) cannot be read")
            }
            // Safe by default: a server whose STARTTLS was stripped on the way gets nothing in clear.
            let security = reader.choice("TIFFIN_SMTP_SECURITY", SMTPSettings.Security.self) ?? .startTLSRequired
            let username = reader.string("TIFFIN_SMTP_USERNAME")
            let plaintextAuth = reader.bool("TIFFIN_SMTP_ALLOW_PLAINTEXT_AUTH") ?? false
            if security == .none, username != nil, !plaintextAuth {
                reader.problem(
                    "TIFFIN_SMTP_USERNAME",
                    "with TIFFIN_SMTP_SECURITY=none the credentials would cross the network in clear; use TLS, "
                        + "or set TIFFIN_SMTP_ALLOW_PLAINTEXT_AUTH=true for a trusted local relay")
            }
            smtp = SMTPSettings(
                host: host, port: reader.number("TIFFIN_SMTP_PORT", 1...65_535) ?? 587, username: username,
                password: reader.string("TIFFIN_SMTP_PASSWORD"), security: security, trustRootsFile: file, allowPlaintextAuth: plaintextAuth)
        }
        if let v: Double = reader.number("TIFFIN_EMAIL_RETRY_BASE_SECONDS", 0.01...86_400) { email.baseBackoff = v }
        if let v = reader.bool("TIFFIN_WEBHOOKS_ALLOW_PRIVATE") { webhooks.allowPrivateNetworks = v }
        if let v: Double = reader.number("TIFFIN_WEBHOOK_RETRY_BASE_SECONDS", 0.01...86_400) { webhookDeliveries.baseBackoff = v }
        if let v: Int = reader.number("TIFFIN_WEBHOOK_DISABLE_AFTER_FAILURES", 1...10_000) { webhookDeliveries.disableAfterFailures = v }
        if let v: Double = reader.number("TIFFIN_WEBHOOK_DISABLE_AFTER_SECONDS", 0...2_592_000) { webhookDeliveries.disableAfter = v }
        if let v: Double = reader.number("TIFFIN_ACTIVITY_RETENTION_DAYS", 1...3_650) { activityRetention = v * 86_400 }
        if let v: Double = reader.number("TIFFIN_DELIVERY_LOG_RETENTION_DAYS", 1...3_650) { deliveryLogRetention = v * 86_400 }
    }
}
