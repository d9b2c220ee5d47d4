public import Core

/// The payments module's settings.
public struct PaymentSettings: Sendable {
    /// The authorisation deadline at checkout.
    public var authorizationTimeout: Duration = .seconds(5)
    /// How long the sandbox's slow test card takes to answer.
    public var sandboxSlowCard: Duration = .seconds(30)
    /// Period of reconciliation with the provider (payments left in doubt are settled).
    public var reconcileInterval: Duration = .seconds(15)

    public init() {}

    /// Reads the payments' keys over the defaults:
    /// - `TIFFIN_PAYMENT_TIMEOUT_MS`: the authorisation deadline (100…60000, default 5000).
    /// - `TIFFIN_SANDBOX_SLOW_CARD_MS`: the sandbox's slow card delay (0…600000, default 30000).
    /// - `TIFFIN_RECONCILE_INTERVAL_MS`: period of reconciliation (100…3600000, default 15000).
    public init(reader: SettingsReader) {
        if let v = reader.milliseconds("TIFFIN_PAYMENT_TIMEOUT_MS", 100...60_000) { authorizationTimeout = v }
        if let v = reader.milliseconds("TIFFIN_SANDBOX_SLOW_CARD_MS", 0...600_000) { sandboxSlowCard = v }
        if let v = reader.milliseconds("TIFFIN_RECONCILE_INTERVAL_MS", 100...3_600_000) { reconcileInterval = v }
    }
}
