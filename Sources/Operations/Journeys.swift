import Foundation

/// The user journeys whose reliability Tiffin measures itself, from its own request outcomes and
/// domain events (`JourneyRecorder`), per city, in minute buckets.
public enum JourneyID: String, CaseIterable, Codable, Sendable, Comparable {
    case browse, checkout
    case restaurantAnswers = "restaurant-answers"
    case dispatch
    case trackingFreshness = "tracking-freshness"
    case deliveryPromise = "delivery-promise"
    case notifications
    case money

    public static func < (a: JourneyID, b: JourneyID) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Why an event was bad: what burned the budget. Stable names: alerts, the API and the
/// failure-mode catalogue use them.
public enum BadCause {
    /// Answered 5xx for a reason not named below.
    public static let serverError = "http.5xx"
    /// Answered, but slower than the journey allows.
    public static let slow = "slow"
    /// Shed by admission control (503 `overloaded`).
    public static let overloaded = "overloaded"
    /// The database could not be reached (503 `database-unavailable`).
    public static let databaseUnavailable = "db.unavailable"
    /// The payment provider timed out or could not be reached, or its breaker is open.
    public static let paymentUnavailable = "payment.unavailable"
    /// A confirmed order expired: its restaurant never answered.
    public static let restaurantTimeout = "restaurant.timeout"
    /// A ready order waited more than five minutes for a courier.
    public static let noCourier = "no_courier"
    /// Delivered more than ten minutes after the time promised at checkout.
    public static let lateDelivery = "delivery.late"
    /// A notification reached the feed more than 60 s after its event.
    public static let notificationLate = "notifications.late"
    /// A courier's fix reached the watching customer more than 2 s after it was taken.
    public static let liveLagged = "live.lagged"
    /// An order's money was still in doubt 15 minutes after it ended.
    public static let moneyInDoubt = "payment.in_doubt"
}

/// One journey: what counts, the objective and why, who owns it, and what can burn it.
public struct Journey: Sendable, Codable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Good events over valid events against an objective, alerted on by burn rate.
        case ratio
        /// Must never happen: any bad event pages at once, with no burn-rate maths.
        case invariant
    }

    public let id: JourneyID
    public let title: String
    public let goodWhen: String
    /// What is counted at all (what is left out is neither good nor bad).
    public let validWhen: String
    /// Where the events come from, in the code.
    public let measuredFrom: String
    /// The objective as a fraction (0.999 is 99.9 %).
    public let objective: Double
    public let windowDays: Int
    public let owner: String
    /// Why this objective, and not a tighter or a looser one.
    public let reason: String
    public let kind: Kind
    /// The causes that can burn it.
    public let causes: [String]
    /// The guard against a quiet city: an alert needs at least this many valid events in its long
    /// window, and at least `minimumBadEvents` bad ones.
    public let minimumEvents: Int
    public let minimumBadEvents: Int

    /// The share of valid events that may be bad over the window.
    public var errorBudget: Double { 1 - objective }
}

extension Journey {
    /// Every journey, in the order the API lists them. Adjusting an objective: change it here,
    /// with the reason beside it.
    public static let all: [Journey] = [
        Journey(
            id: .browse, title: "Browse", goodWhen: "a nearby search or a menu answers without a 5xx within 200 ms",
            validWhen: "every nearby search and menu read; client errors (4xx) are left out",
            measuredFrom: "request outcomes of GET /v1/restaurants/nearby and GET /v1/restaurants/{id}/menu (JourneyOutcomeMiddleware)",
            objective: 0.999, windowDays: 28, owner: "catalog",
            reason:
                "Served from memory (the restaurant index and the last good menus), so only an overloaded or broken instance fails it; 99.9 % leaves 40 minutes a month, and a customer who cannot see restaurants at 7 pm orders elsewhere.",
            kind: .ratio, causes: [BadCause.slow, BadCause.overloaded, BadCause.databaseUnavailable, BadCause.serverError],
            minimumEvents: 100, minimumBadEvents: 5),
        Journey(
            id: .checkout, title: "Checkout",
            goodWhen:
                "a placement ends confirmed, or with a clean business refusal (declined, sold out, closed), within 1 s — never a 5xx, a timeout or money in doubt",
            validWhen: "every POST /v1/orders; client errors other than business refusals (invalid fields, rate limits, bad tokens) are left out",
            measuredFrom: "request outcomes of POST /v1/orders (JourneyOutcomeMiddleware)",
            objective: 0.9995, windowDays: 28, owner: "ordering",
            reason:
                "The money path: a failed checkout is a lost order and a hold to release. Tighter than browse (22 minutes a month) because the payment breaker and admission control already answer fast when a dependency fails; what remains is ours to fix.",
            kind: .ratio, causes: [BadCause.paymentUnavailable, BadCause.databaseUnavailable, BadCause.overloaded, BadCause.slow, BadCause.serverError],
            minimumEvents: 20, minimumBadEvents: 3),
        Journey(
            id: .restaurantAnswers, title: "Restaurant answers", goodWhen: "a new order is accepted or rejected before its accept deadline",
            validWhen: "every confirmed order that was accepted, rejected or expired",
            measuredFrom: "order.accepted, order.rejected and order.expired events (the operations.slis outbox consumer)",
            objective: 0.99, windowDays: 28, owner: "restaurant success",
            reason:
                "People in a kitchen at the dinner peak, not a service: one order in a hundred expiring is already a customer refunded and a restaurant to call. Tighter needs tablets that ring louder, not code.",
            kind: .ratio, causes: [BadCause.restaurantTimeout], minimumEvents: 20, minimumBadEvents: 3),
        Journey(
            id: .dispatch, title: "Dispatch", goodWhen: "a ready order has a courier assigned within 5 min",
            validWhen: "every courier assignment",
            measuredFrom: "order.courier_assigned events, against the order's ready time (the operations.slis outbox consumer)",
            objective: 0.99, windowDays: 28, owner: "dispatch",
            reason:
                "Five minutes on the shelf is when food starts to go cold; the fleet, not the solver, decides most of it, so 99 % leaves room for a short evening without couriers before a ticket.",
            kind: .ratio, causes: [BadCause.noCourier], minimumEvents: 20, minimumBadEvents: 3),
        Journey(
            id: .trackingFreshness, title: "Tracking freshness", goodWhen: "a courier's fix reaches the watching customer within 2 s",
            validWhen:
                "every new fix pushed to a customer watching their order (stale re-sends, and fixes uploaded from a courier's buffer more than 60 s after they were taken, are left out)",
            measuredFrom: "the live layer, as it hands each new fix to the customers' connections (LiveTracking.fixed), against the fix's own time",
            objective: 0.995, windowDays: 28, owner: "live",
            reason:
                "Tracking prefers a slightly old position to an error, so a lagging push is the failure that matters; the push p99 is 2–25 ms, so 2 s late means a stalled instance or bus.",
            kind: .ratio, causes: [BadCause.liveLagged], minimumEvents: 500, minimumBadEvents: 10),
        Journey(
            id: .deliveryPromise, title: "Delivery promise", goodWhen: "delivered no later than the promised time + 10 min",
            validWhen: "every delivered order",
            measuredFrom: "order.delivered events, against the order's placement time and its promised minutes (the operations.slis outbox consumer)",
            objective: 0.95, windowDays: 28, owner: "operations",
            reason:
                "Weather, traffic and kitchens decide much of it; 95 % within ten minutes of the promise is what customers forgive. A tighter objective would page for rain.",
            kind: .ratio, causes: [BadCause.lateDelivery], minimumEvents: 20, minimumBadEvents: 3),
        Journey(
            id: .notifications, title: "Notifications", goodWhen: "in the feed within 60 s of the event",
            validWhen: "every event the notifications consumer handles",
            measuredFrom: "the notifications outbox consumer: its handler's completion against the event's time",
            objective: 0.999, windowDays: 28, owner: "notifications",
            reason:
                "The relay delivers within a poll (p99 ≈ 100 ms); 60 s late means the relay or the database is stuck, and the customer is refreshing. Webhook receivers are not counted yet.",
            kind: .ratio, causes: [BadCause.notificationLate], minimumEvents: 100, minimumBadEvents: 5),
        Journey(
            id: .money, title: "Money", goodWhen: "no payment left in doubt 15 min after its order ended",
            validWhen: "every order that ended (delivered, rejected, cancelled, expired or failed at payment)",
            measuredFrom:
                "a check 15 minutes after each order ended (MoneyChecks): a hold neither captured nor released, a failed authorisation not checked at the provider, or a refund without its answer is in doubt",
            objective: 1, windowDays: 28, owner: "payments",
            reason: "An invariant, not an objective: money in doubt is a customer charged for nothing or a restaurant unpaid. Any bad event pages at once.",
            kind: .invariant, causes: [BadCause.moneyInDoubt], minimumEvents: 1, minimumBadEvents: 1),
    ]

    public static func named(_ id: JourneyID) -> Journey { all.first { $0.id == id }! }
}
