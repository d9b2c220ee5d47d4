public import Foundation

/// Exponential backoff, the one rule every retry in Tiffin follows: `base` after the first failed
/// attempt, doubled after each further one, never more than `cap`.
public enum Backoff {
    public static func delay(afterAttempts attempts: Int64, base: TimeInterval, cap: TimeInterval) -> TimeInterval {
        min(cap, base * pow(2, Double(min(max(attempts, 1), 40) - 1)))
    }
}
