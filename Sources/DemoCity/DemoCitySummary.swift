public import Accounts
public import Core

/// What `DemoCity.seed` did and what the caller needs next (couriers to put online).
public struct DemoCitySummary: Sendable {
    /// Restaurants created by this call (0 on a later start).
    public let restaurantsCreated: Int
    /// Restaurants the demo city defines.
    public let restaurantsTotal: Int
    /// Every demo courier account with its starting position, demo courier first.
    public let couriers: [(account: Account, start: GeoPoint)]

    public init(restaurantsCreated: Int, restaurantsTotal: Int, couriers: [(account: Account, start: GeoPoint)]) {
        self.restaurantsCreated = restaurantsCreated
        self.restaurantsTotal = restaurantsTotal
        self.couriers = couriers
    }
}
