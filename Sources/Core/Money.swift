/// An amount of money in integer minor units (cents) of one ISO 4217 currency.
///
/// Arithmetic is only defined between amounts of the same currency; mixing currencies is a
/// programming error, not a runtime condition, because every order and quote is priced in the
/// currency of its restaurant.
public struct Money: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Minor units (e.g. cents). Never a floating-point value.
    public var amount: Int64
    /// ISO 4217 code, upper case (e.g. "EUR").
    public var currency: String

    public init(_ amount: Int64, _ currency: String) {
        self.amount = amount
        self.currency = currency
    }

    public static func zero(_ currency: String) -> Money { Money(0, currency) }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "currency mismatch: \(lhs.currency) + \(rhs.currency)")
        return Money(lhs.amount + rhs.amount, lhs.currency)
    }

    public static func * (lhs: Money, rhs: Int) -> Money {
        Money(lhs.amount * Int64(rhs), lhs.currency)
    }

    public var description: String {
        let sign = amount < 0 ? "-" : ""
        let absolute = amount.magnitude
        let cents = absolute % 100
        return "\(sign)\(absolute / 100).\(cents < 10 ? "0" : "")\(cents) \(currency)"
    }
}
