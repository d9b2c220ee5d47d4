import Core
public import Foundation
import Synchronization

/// A restaurant and its menu as pricing needs them, at one revision.
public struct PriceList: Sendable {
    public let restaurant: Restaurant
    public let items: [MenuItem]
    /// The restaurant's `revision` this list was read at: any change to the restaurant or its
    /// menu increments it.
    public let revision: Int64
    let schedule: WeeklySchedule

    init(restaurant: Restaurant, items: [MenuItem], revision: Int64) {
        self.restaurant = restaurant
        self.items = items
        self.revision = revision
        self.schedule = WeeklySchedule(restaurant.openingHours)
    }

    /// Taking orders at `instant`: not paused and inside its opening hours.
    public func isOpen(at instant: Date) -> Bool {
        !restaurant.isPaused && schedule.isOpen(at: instant, timeZone: restaurant.timeZone)
    }
}

/// Price lists kept in memory, each checked against the restaurant's current revision before
/// use, so a price or availability change on any instance is seen by the next order everywhere.
/// One per process, built by the assembly and injected; it holds nothing that is not in the
/// database.
public final class PriceListCache: Sendable {
    private let lists = Mutex<[UUID: PriceList]>([:])
    private let maximumEntries: Int

    public init(maximumEntries: Int = 20_000) {
        self.maximumEntries = maximumEntries
    }

    func get(_ restaurantID: UUID, revision: Int64) -> PriceList? {
        lists.withLock { $0[restaurantID] }.flatMap { $0.revision == revision ? $0 : nil }
    }

    func put(_ list: PriceList) {
        lists.withLock { lists in
            if lists.count >= maximumEntries { lists.removeAll(keepingCapacity: true) }
            if let held = lists[list.restaurant.id], held.revision > list.revision { return }
            lists[list.restaurant.id] = list
        }
    }
}
