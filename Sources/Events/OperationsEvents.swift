import Foundation

/// Payload of `slo.alert`: a journey's SLO alert moved. Written in the same transaction as the
/// alert's new state, once, by whichever instance moved it; operators hear it in their feed (and
/// by email), and webhook endpoints subscribed to it receive it.
public struct SLOAlertChanged: EventPayload, Equatable {
    /// The journey (`browse`, `checkout`, `money`, …).
    public let journey: String
    public let city: String
    /// `ok`, `ticket` or `page`.
    public let from: String
    public let to: String
    /// What fired, in words: "Checkout: page, burning 18.2× over 1h (41 bad of 4500)".
    public let detail: String
    /// The cause of most of the last hour's bad events (`payment.unavailable`, …), if any.
    public let mainCause: String?
    /// The share of the last hour's bad events it caused (0…1).
    public let mainCauseShare: Double?

    public init(journey: String, city: String, from: String, to: String, detail: String, mainCause: String?, mainCauseShare: Double?) {
        self.journey = journey
        self.city = city
        self.from = from
        self.to = to
        self.detail = detail
        self.mainCause = mainCause
        self.mainCauseShare = mainCauseShare
    }
}
