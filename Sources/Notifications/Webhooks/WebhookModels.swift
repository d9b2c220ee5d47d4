public import Core
import Crypto
public import Foundation

/// A partner's registered receiver of events. The signing secret is never part of it: it is
/// shown once, when created or rotated (`WebhookSecret`).
public struct WebhookEndpoint: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case enabled
        /// Kept failing (or its owner switched it off): nothing is sent until enabled again.
        case disabled
    }

    public let id: UUID
    public let url: String
    public let description: String?
    /// Event types it receives (`order.confirmed` …).
    public let eventTypes: [String]
    /// The restaurant whose orders it hears; absent for an operator's endpoint, which hears all.
    public let restaurantID: UUID?
    public let status: Status
    public let disabledReason: String?
    /// Failed attempts in a row (reset by any success).
    public let consecutiveFailures: Int
    public let createdAt: Date
    /// Until when the previous secret still signs too (after a rotation).
    public let previousSecretExpiresAt: Date?
}

public struct WebhookEndpointList: Codable, Sendable {
    public let endpoints: [WebhookEndpoint]
}

/// An endpoint with its signing secret: the only time the secret is shown.
public struct WebhookSecret: Codable, Sendable {
    public let endpoint: WebhookEndpoint
    /// `whsec_` and 64 hex digits. Keep it: it cannot be shown again, only rotated.
    public let secret: String
}

/// One event on its way to one endpoint.
public struct WebhookDelivery: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case pending
        case succeeded
        /// Every retry in 24 hours failed. Can be redelivered by hand.
        case failed
    }

    public let id: UUID
    public let endpointID: UUID
    public let eventID: UUID
    public let eventType: String
    public let status: Status
    public let attempts: Int
    public let createdAt: Date
    public let nextAttemptAt: Date?
    public let deliveredAt: Date?
    public let lastStatusCode: Int?
    public let lastError: String?
}

public struct WebhookDeliveryPage: Codable, Sendable {
    public let deliveries: [WebhookDelivery]
    public let nextCursor: String?
}

/// One try at sending a delivery: what the receiver answered, and how fast.
public struct WebhookAttempt: Codable, Sendable, Equatable {
    public let attemptedAt: Date
    public let statusCode: Int?
    public let latencyMilliseconds: Int
    /// The first 1,024 bytes of the receiver's answer.
    public let responseExcerpt: String?
    public let error: String?
}

/// A delivery with its exact body and every attempt.
public struct WebhookDeliveryDetail: Codable, Sendable {
    public let delivery: WebhookDelivery
    /// The raw JSON body as sent (and signed).
    public let body: String
    public let attempts: [WebhookAttempt]
}

/// How a delivery is signed, so a receiver can check it came from Tiffin and was not replayed:
/// `Tiffin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, the key
/// being the secret's UTF-8 bytes (`whsec_` included). While a rotated secret overlaps, one
/// `v1=` per valid secret, the newest first.
public enum WebhookSignature {
    public static let header = "Tiffin-Signature"

    public static func sign(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return hexString(mac)
    }

    public static func headerValue(secrets: [String], timestamp: Int64, body: [UInt8]) -> String {
        (["t=\(timestamp)"] + secrets.map { "v1=" + sign(secret: $0, timestamp: timestamp, body: body) }).joined(separator: ",")
    }

    static func makeSecret() -> String {
        "whsec_" + SymmetricKey(size: .bits256).withUnsafeBytes { hexString($0) }
    }
}

public enum WebhookError: DomainError, Equatable {
    case endpointDisabled
    case tooManyEndpoints(limit: Int)

    public var problem: ProblemDescription {
        switch self {
        case .endpointDisabled:
            ProblemDescription(
                kind: .conflict, type: "endpoint-disabled", title: "Conflict", detail: "the endpoint is disabled: enable it first",
                state: "disabled")
        case .tooManyEndpoints(let limit):
            ProblemDescription(
                kind: .conflict, type: "too-many-endpoints", title: "Conflict", detail: "an account may register at most \(limit) endpoints")
        }
    }
}
