public import Core
import Foundation
import Synchronization

/// The answer to a nearby search. `json()` writes the same bytes as encoding `response` with the
/// API's JSON encoder, from each restaurant's summary encoded when it entered the index: the
/// search is on the hot path of every customer, and encoding the same summaries again per request
/// was most of its cost.
public struct NearbyResults: Sendable {
    public struct Result: Sendable {
        public let summary: CatalogService.RestaurantSummary
        let summaryJSON: [UInt8]
        public let distanceMetres: Int
        public let deliveryFee: Money
        public let etaMinutes: Int
    }

    public let results: [Result]

    public var restaurants: [CatalogService.NearbyRestaurant] {
        results.map {
            CatalogService.NearbyRestaurant(
                restaurant: $0.summary, distanceMetres: $0.distanceMetres, deliveryFee: $0.deliveryFee, etaMinutes: $0.etaMinutes, isOpen: true)
        }
    }

    /// `{"restaurants":[…]}` with keys sorted, as `TiffinJSON.encoder` writes it.
    public func json() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + results.reduce(0) { $0 + $1.summaryJSON.count + 120 })
        out.append(contentsOf: #"{"restaurants":["#.utf8)
        for (index, result) in results.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"deliveryFee":{"amount":"#.utf8)
            out.append(contentsOf: String(result.deliveryFee.amount).utf8)
            out.append(contentsOf: #","currency":""#.utf8)
            // A validated ISO 4217 code: three capital letters, nothing to escape.
            out.append(contentsOf: result.deliveryFee.currency.utf8)
            out.append(contentsOf: #""},"distanceMetres":"#.utf8)
            out.append(contentsOf: String(result.distanceMetres).utf8)
            out.append(contentsOf: #","etaMinutes":"#.utf8)
            out.append(contentsOf: String(result.etaMinutes).utf8)
            out.append(contentsOf: #","isOpen":true,"restaurant":"#.utf8)
            out.append(contentsOf: result.summaryJSON)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}

/// The `capacity` smallest keys seen, in ascending order; ties broken by `isBefore`.
struct TopK<Element> {
    private(set) var elements: [(Element, Double)] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        elements.reserveCapacity(capacity + 1)
    }

    /// Whether a key could still make the list (equal keys may, by their tie-break).
    func wouldAccept(_ key: Double) -> Bool {
        elements.count < capacity || key <= elements[elements.count - 1].1
    }

    mutating func insert(_ element: Element, key: Double, isBefore: (Element, Element) -> Bool) {
        var low = 0
        var high = elements.count
        while low < high {
            let middle = (low + high) / 2
            let (other, otherKey) = elements[middle]
            if otherKey < key || (otherKey == key && !isBefore(element, other)) { low = middle + 1 } else { high = middle }
        }
        guard low < capacity else { return }
        elements.insert((element, key), at: low)
        if elements.count > capacity { elements.removeLast() }
    }
}

/// Staff account → the restaurant it runs. An account runs at most one restaurant and never
/// another, so an answer once found stays true.
final class OwnerDirectory: Sendable {
    private let known = Mutex<[UUID: UUID]>([:])

    func restaurant(of owner: UUID) -> UUID? { known.withLock { $0[owner] } }

    func remember(owner: UUID, restaurant: UUID) {
        known.withLock { known in
            if known.count > 100_000 { known.removeAll() }
            known[owner] = restaurant
        }
    }
}
