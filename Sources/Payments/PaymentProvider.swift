import Core
import Foundation

/// What a provider said to an authorisation request.
public enum ProviderAuthorization: Sendable, Equatable {
    case approved(reference: String)
    case declined(code: String)
}

public enum PaymentProviderError: Error, Equatable {
    /// The provider could not be reached or failed; the request may be retried.
    case unavailable(String)
}

/// A card payment provider. Every call carries an idempotency key so a retry never charges
/// twice. Implementations talk to the outside world; `SandboxPaymentProvider` does not.
public protocol PaymentProvider: Sendable {
    var name: String { get }
    func authorize(amount: Money, card: String, idempotencyKey: UUID) async throws -> ProviderAuthorization
    func capture(reference: String, amount: Money, idempotencyKey: UUID) async throws
    func void(reference: String, idempotencyKey: UUID) async throws
}

/// The built-in offline provider. Test cards (any expiry, any CVC):
///
/// | card | result |
/// |---|---|
/// | 4242 4242 4242 4242 | approved |
/// | 4000 0000 0000 0002 | declined: `card_declined` |
/// | 4000 0000 0000 9995 | declined: `insufficient_funds` |
/// | 4000 0000 0000 0119 | declined: `processing_error` |
/// | 4000 0000 0000 0077 | slow: answers after `slowDelay` (the checkout timeout turns this into 503) |
/// | 4000 0000 0000 0036 | network error: the provider is unreachable (503) |
///
/// Any other Luhn-valid number is approved.
public struct SandboxPaymentProvider: PaymentProvider {
    public let name = "sandbox"
    public var slowDelay: Duration

    public init(slowDelay: Duration = .seconds(30)) {
        self.slowDelay = slowDelay
    }

    public static let testCards: [(number: String, outcome: String)] = [
        ("4242424242424242", "approved"),
        ("4000000000000002", "declined: card_declined"),
        ("4000000000009995", "declined: insufficient_funds"),
        ("4000000000000119", "declined: processing_error"),
        ("4000000000000077", "slow: answers after 30 s, so checkout fails fast with 503"),
        ("4000000000000036", "network error: provider unreachable, 503"),
    ]

    public func authorize(amount: Money, card: String, idempotencyKey: UUID) async throws -> ProviderAuthorization {
        switch PaymentCard.normalize(card) {
        case "4000000000000002": return .declined(code: "card_declined")
        case "4000000000009995": return .declined(code: "insufficient_funds")
        case "4000000000000119": return .declined(code: "processing_error")
        case "4000000000000036": throw PaymentProviderError.unavailable("sandbox: simulated network error")
        case "4000000000000077":
            try await Task.sleep(for: slowDelay)
            return .approved(reference: "sbx_auth_\(idempotencyKey.uuidString.lowercased())")
        case let number where !PaymentCard.isValid(number):
            return .declined(code: "invalid_number")
        default:
            return .approved(reference: "sbx_auth_\(idempotencyKey.uuidString.lowercased())")
        }
    }

    public func capture(reference: String, amount: Money, idempotencyKey: UUID) async throws {
        guard reference.hasPrefix("sbx_auth_") else { throw PaymentProviderError.unavailable("sandbox: unknown reference \(reference)") }
    }

    public func void(reference: String, idempotencyKey: UUID) async throws {
        guard reference.hasPrefix("sbx_auth_") else { throw PaymentProviderError.unavailable("sandbox: unknown reference \(reference)") }
    }
}
