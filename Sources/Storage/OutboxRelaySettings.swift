public import Core

extension OutboxRelay.Settings {
    /// Reads the outbox relay's keys over the defaults:
    /// - `TIFFIN_OUTBOX_POLL_MS`: how soon an event is fanned out to its consumers (10…60000,
    ///   default 50) — the larger part of the delay from a state change to its notification. An
    ///   idle look is one indexed query that finds nothing.
    /// - `TIFFIN_OUTBOX_RETENTION_HOURS`: keep relayed events this long (1…87600, default 168).
    public init(reader: SettingsReader) {
        self.init()
        if let v = reader.milliseconds("TIFFIN_OUTBOX_POLL_MS", 10...60_000) { pollInterval = v }
        if let v: Double = reader.number("TIFFIN_OUTBOX_RETENTION_HOURS", 1...87_600) { retention = v * 3_600 }
    }
}
