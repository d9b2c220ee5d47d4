public import Foundation

/// What a domain event means for its journey: pure functions of the facts the assembly reads
/// off the event and its order (Operations knows no domain).
public enum EventOutcomes {
    /// How long a ready order may wait for a courier.
    public static let dispatchWithin: TimeInterval = 300
    /// How late after the promised time a delivery is still good.
    public static let deliveryGrace: TimeInterval = 600
    /// How long after its event a notification may reach the feed.
    public static let notificationWithin: TimeInterval = 60

    /// The restaurant answered (accepted or rejected), or the order expired unanswered.
    public static func restaurantAnswer(answered: Bool) -> JourneyOutcome {
        answered ? .good : .bad(cause: BadCause.restaurantTimeout)
    }

    /// A courier was assigned at `assignedAt`; the food was ready at `readyAt` (nil: not yet,
    /// which is good — the courier is on the way before the food is).
    public static func dispatch(readyAt: Date?, assignedAt: Date) -> JourneyOutcome {
        guard let readyAt else { return .good }
        return assignedAt.timeIntervalSince(readyAt) <= dispatchWithin ? .good : .bad(cause: BadCause.noCourier)
    }

    /// Delivered at `deliveredAt`, promised `promisedMinutes` after `placedAt`.
    public static func deliveryPromise(placedAt: Date, promisedMinutes: Int, deliveredAt: Date) -> JourneyOutcome {
        let promised = placedAt.addingTimeInterval(TimeInterval(promisedMinutes) * 60)
        return deliveredAt.timeIntervalSince(promised) <= deliveryGrace ? .good : .bad(cause: BadCause.lateDelivery)
    }

    /// How old a fix may be when it is pushed to the customer.
    public static let trackingWithin: TimeInterval = 2
    /// A fix older than this when it arrives came from a courier's buffer (uploaded after a gap
    /// in coverage): the phone's network, not the platform — left out.
    public static let bufferedFixAge: TimeInterval = 60

    /// A new fix pushed to the watching customer `age` seconds after the courier's device took it.
    public static func trackingFreshness(age: TimeInterval) -> JourneyOutcome {
        if age > bufferedFixAge { return .excluded }
        return age <= trackingWithin ? .good : .bad(cause: BadCause.liveLagged)
    }

    /// The notifications of an event that happened at `eventAt` were in the feed at `writtenAt`.
    public static func notification(eventAt: Date, writtenAt: Date) -> JourneyOutcome {
        writtenAt.timeIntervalSince(eventAt) <= notificationWithin ? .good : .bad(cause: BadCause.notificationLate)
    }
}
