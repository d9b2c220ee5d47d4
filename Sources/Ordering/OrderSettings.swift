public import Core

extension OrderService.Settings {
    /// Reads ordering's keys over the defaults (seconds unless named otherwise):
    /// - `TIFFIN_ACCEPT_TIMEOUT_SECONDS`: how long a restaurant has to accept (1…86400, default 600).
    /// - `TIFFIN_ACCEPT_REMINDER_SECONDS`: remind the restaurant this long before an order expires
    ///   (0…86400, default 180).
    /// - `TIFFIN_ATTENTION_COURIER_SECONDS`: flag an accepted order with no courier after this long
    ///   (1…86400, default 600).
    /// - `TIFFIN_ATTENTION_PICKUP_SECONDS`: flag a ready order its courier has not picked up after
    ///   this long (1…86400, default 600).
    /// - `TIFFIN_ATTENTION_DELIVERY_SECONDS`: flag a picked-up order not delivered after this long
    ///   (1…86400, default 2700).
    /// - `TIFFIN_EXPIRY_INTERVAL_MS`: period of the sweep that expires unanswered orders and flags
    ///   late ones (50…600000, default 5000).
    ///
    /// `interruptedPlacementAfter` follows the payment deadline, which is the payments module's
    /// key: the assembly sets it.
    public init(reader: SettingsReader) {
        self.init()
        if let v: Double = reader.number("TIFFIN_ACCEPT_TIMEOUT_SECONDS", 1...86_400) { acceptTimeout = v }
        if let v: Double = reader.number("TIFFIN_ACCEPT_REMINDER_SECONDS", 0...86_400) { acceptReminderLead = v }
        if let v: Double = reader.number("TIFFIN_ATTENTION_COURIER_SECONDS", 1...86_400) { courierWait = v }
        if let v: Double = reader.number("TIFFIN_ATTENTION_PICKUP_SECONDS", 1...86_400) { pickupWait = v }
        if let v: Double = reader.number("TIFFIN_ATTENTION_DELIVERY_SECONDS", 1...86_400) { deliveryWait = v }
        if let v = reader.milliseconds("TIFFIN_EXPIRY_INTERVAL_MS", 50...600_000) { expiryInterval = v }
    }
}
