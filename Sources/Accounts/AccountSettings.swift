public import Core

extension AccountService.Settings {
    /// Reads the accounts' keys over the defaults:
    /// - `TIFFIN_BCRYPT_COST`: the work of a password hash (4…16, default 11).
    /// - `TIFFIN_TOKEN_LIFETIME_SECONDS`: how long a sign-in lasts (60…31536000, default 86400).
    public init(reader: SettingsReader) {
        self.init()
        if let v: UInt8 = reader.number("TIFFIN_BCRYPT_COST", 4...16) { bcryptCost = v }
        if let v: Double = reader.number("TIFFIN_TOKEN_LIFETIME_SECONDS", 60...31_536_000) { tokenLifetime = v }
    }
}
