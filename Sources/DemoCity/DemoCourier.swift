public import Core

/// A courier account of the demo city and where it starts its shift. Seeding creates the
/// account; putting the courier online at `start` is the caller's job.
public struct DemoCourier: Sendable, Equatable {
    public let email: String
    public let name: String
    public let start: GeoPoint

    public init(email: String, name: String, start: GeoPoint) {
        self.email = email
        self.name = name
        self.start = start
    }
}
