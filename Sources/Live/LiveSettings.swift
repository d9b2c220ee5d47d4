public import Core

extension LiveLayer.Settings {
    /// Reads the live layer's key over the default:
    /// - `TIFFIN_STALE_AFTER_SECONDS`: a courier's position with no newer fix is shown stale, with
    ///   its age, after this long (1…3600, default 15); dispatch reads the same key.
    public init(reader: SettingsReader) {
        self.init()
        if let v: Double = reader.number("TIFFIN_STALE_AFTER_SECONDS", 1...3_600) { staleAfter = v }
    }
}
