/// The platform's delivery and service fees. Pure and deterministic: the same inputs always give
/// the same price, so a quote and the order placed from it agree.
public struct DeliveryPricing: Sendable, Equatable {
    /// Fee for the first `includedMetres` of distance.
    public var baseFee: Int64 = 199
    public var includedMetres: Double = 1_000
    /// Added per started kilometre beyond `includedMetres`.
    public var feePerKilometre: Int64 = 60
    /// Service fee: `serviceFeeBasisPoints` of the subtotal, clamped to [min, max].
    public var serviceFeeBasisPoints: Int64 = 500
    public var minimumServiceFee: Int64 = 49
    public var maximumServiceFee: Int64 = 299
    /// Courier speed used for ETA estimates, metres per minute (≈ 15 km/h by bike in a city).
    public var courierMetresPerMinute: Double = 250
    /// Handover minutes at either end, added to every ETA.
    public var handoverMinutes: Int = 4

    public init() {}

    public func deliveryFee(distanceMetres: Double, currency: String) -> Money {
        let extra = max(0, distanceMetres - includedMetres)
        let startedKilometres = Int64((extra / 1_000).rounded(.up))
        return Money(baseFee + startedKilometres * feePerKilometre, currency)
    }

    public func serviceFee(subtotal: Money) -> Money {
        let raw = subtotal.amount * serviceFeeBasisPoints / 10_000
        return Money(min(maximumServiceFee, max(minimumServiceFee, raw)), subtotal.currency)
    }

    /// Estimated minutes from order to door: preparation, then the ride, plus handovers.
    public func estimatedMinutes(prepMinutes: Int, distanceMetres: Double) -> Int {
        prepMinutes + Int((distanceMetres / courierMetresPerMinute).rounded(.up)) + handoverMinutes
    }
}
