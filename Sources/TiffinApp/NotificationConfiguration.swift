import Foundation
public import Outbound

/// Reads `TIFFIN_*` variables: trimmed, empty meaning unset, numbers within a range.
struct EnvironmentReader {
    let environment: [String: String]

    func value(_ key: String) -> String? {
        guard let raw = environment[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    func number<T: LosslessStringConvertible & Comparable>(_ key: String, _ range: ClosedRange<T>) throws -> T? {
        guard let raw = value(key) else { return nil }
        guard let parsed = T(raw), range.contains(parsed) else {
            throw TiffinConfiguration.Error(key: key, reason: "'\(raw)' is not a number in \(range.lowerBound)…\(range.upperBound)")
        }
        return parsed
    }

    func bool(_ key: String) throws -> Bool? {
        guard let raw = value(key) else { return nil }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw TiffinConfiguration.Error(key: key, reason: "'\(raw)' is not a boolean (true/false)")
        }
    }
}

/// How Tiffin reaches people outside the app: email over SMTP and partner webhooks.
public struct NotificationConfiguration: Sendable {
    /// `TIFFIN_SMTP_HOST` (with `_PORT` default 587, `_USERNAME`, `_PASSWORD`, `_SECURITY`:
    /// `starttls-required` (default), `starttls` (upgraded only when the server offers it), `tls`,
    /// `none`; `_CA_FILE`: a PEM file of extra roots to trust). Unset: email is off.
    public var smtp: SMTPSettings?
    /// `TIFFIN_SMTP_FROM`: the sender address (required with `TIFFIN_SMTP_HOST`).
    public var mailFrom = ""
    /// `TIFFIN_EMAIL_RETRY_BASE_SECONDS`: the first retry of an email (default 30; doubles).
    public var emailRetryBaseSeconds: Double = 30
    /// `TIFFIN_WEBHOOKS_ALLOW_PRIVATE`: allow endpoints on loopback and private networks, and
    /// plain http. Off by default: a webhook must not become a way into the server's network.
    public var webhooksAllowPrivate = false
    /// `TIFFIN_WEBHOOK_RETRY_BASE_SECONDS`: the first retry of a delivery (default 30; doubles).
    public var webhookRetryBaseSeconds: Double = 30
    /// `TIFFIN_WEBHOOK_DISABLE_AFTER_FAILURES` and `_SECONDS`: an endpoint that failed this many
    /// attempts in a row, over at least this long, is disabled (defaults 25 and 43200).
    public var webhookDisableAfterFailures = 25
    public var webhookDisableAfterSeconds: Double = 43_200
    /// `TIFFIN_ACCEPT_REMINDER_SECONDS`: remind a restaurant this long before an order expires (default 180).
    public var acceptReminderSeconds: Double = 180
    /// `TIFFIN_OUTBOX_RETENTION_HOURS`: keep relayed events this long (default 168, a week).
    public var outboxRetentionHours: Double = 168
    /// `TIFFIN_ACTIVITY_RETENTION_DAYS`: keep notifications in the activity feed this long (default 90).
    public var activityRetentionDays: Double = 90
    /// `TIFFIN_DELIVERY_LOG_RETENTION_DAYS`: keep sent or failed emails and webhook deliveries with
    /// their attempt log this long (default 30); undelivered ones are kept whatever their age.
    public var deliveryLogRetentionDays: Double = 30

    public init() {}

    init(_ env: EnvironmentReader) throws {
        if let host = env.value("TIFFIN_SMTP_HOST") {
            guard let from = env.value("TIFFIN_SMTP_FROM"), from.contains("@"), !from.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
            else {
                throw TiffinConfiguration.Error(key: "TIFFIN_SMTP_FROM", reason: "an address (name@domain) is required when TIFFIN_SMTP_HOST is set")
            }
            mailFrom = from
            // Safe by default: a server whose STARTTLS was stripped on the way gets nothing in clear.
            var security = SMTPSettings.Security.startTLSRequired
            if let raw = env.value("TIFFIN_SMTP_SECURITY") {
                guard let parsed = SMTPSettings.Security(rawValue: raw.lowercased()) else {
                    throw TiffinConfiguration.Error(key: "TIFFIN_SMTP_SECURITY", reason: "'\(raw)' is not starttls, starttls-required, tls or none")
                }
                security = parsed
            }
            if let file = env.value("TIFFIN_SMTP_CA_FILE"), !FileManager.default.isReadableFile(atPath: file) {
                throw TiffinConfiguration.Error(key: "TIFFIN_SMTP_CA_FILE", reason: "\(file) cannot be read")
            }
            smtp = SMTPSettings(
                host: host, port: try env.number("TIFFIN_SMTP_PORT", 1...65_535) ?? 587, username: env.value("TIFFIN_SMTP_USERNAME"),
                password: env.value("TIFFIN_SMTP_PASSWORD"), security: security, trustRootsFile: env.value("TIFFIN_SMTP_CA_FILE"))
        }
        if let v: Double = try env.number("TIFFIN_EMAIL_RETRY_BASE_SECONDS", 0.01...86_400) { emailRetryBaseSeconds = v }
        if let v = try env.bool("TIFFIN_WEBHOOKS_ALLOW_PRIVATE") { webhooksAllowPrivate = v }
        if let v: Double = try env.number("TIFFIN_WEBHOOK_RETRY_BASE_SECONDS", 0.01...86_400) { webhookRetryBaseSeconds = v }
        if let v: Int = try env.number("TIFFIN_WEBHOOK_DISABLE_AFTER_FAILURES", 1...10_000) { webhookDisableAfterFailures = v }
        if let v: Double = try env.number("TIFFIN_WEBHOOK_DISABLE_AFTER_SECONDS", 0...2_592_000) { webhookDisableAfterSeconds = v }
        if let v: Double = try env.number("TIFFIN_ACCEPT_REMINDER_SECONDS", 0...86_400) { acceptReminderSeconds = v }
        if let v: Double = try env.number("TIFFIN_OUTBOX_RETENTION_HOURS", 1...87_600) { outboxRetentionHours = v }
        if let v: Double = try env.number("TIFFIN_ACTIVITY_RETENTION_DAYS", 1...3_650) { activityRetentionDays = v }
        if let v: Double = try env.number("TIFFIN_DELIVERY_LOG_RETENTION_DAYS", 1...3_650) { deliveryLogRetentionDays = v }
    }
}
