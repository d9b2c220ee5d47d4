public import Core

extension DispatchService.Settings {
    /// Reads dispatch's keys over the defaults:
    /// - `TIFFIN_DISPATCH_INTERVAL_MS`: period of the courier-matching round (50…60000, default
    ///   2000). The dispatch lease lasts three rounds, at least 5 s.
    /// - `TIFFIN_OFFER_TIMEOUT_SECONDS`: how long a courier has to answer an offer (5…600, default 30).
    /// - `TIFFIN_DISPATCH_HORIZON_SECONDS`: orders are dispatched once their food is expected ready
    ///   within this long (0…86400, default 600).
    /// - `TIFFIN_STALE_AFTER_SECONDS`: a courier with no fix for this long is stale (1…3600,
    ///   default 15); the live layer reads the same key to show the fix's age.
    public init(reader: SettingsReader) {
        self.init()
        if let v = reader.milliseconds("TIFFIN_DISPATCH_INTERVAL_MS", 50...60_000) { roundInterval = v }
        if let v: Double = reader.number("TIFFIN_OFFER_TIMEOUT_SECONDS", 5...600) { offerTimeout = v }
        if let v: Double = reader.number("TIFFIN_DISPATCH_HORIZON_SECONDS", 0...86_400) { readyHorizon = v }
        if let v: Double = reader.number("TIFFIN_STALE_AFTER_SECONDS", 1...3_600) { staleAfter = v }
    }
}
