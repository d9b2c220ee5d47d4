public import Core
public import Foundation

/// A restaurant as customers and staff see it. Opening hours are part of the aggregate.
public struct Restaurant: Codable, Sendable, Equatable {
    public let id: UUID
    public let ownerID: UUID
    public var name: String
    public var cuisine: String
    public var description: String
    public var address: String
    public var location: GeoPoint
    /// IANA time zone (e.g. "Europe/Berlin"); opening hours are local to it.
    public var timeZone: String
    public var openingHours: [OpeningHoursRule]
    public var deliveryRadiusMetres: Int
    public var minimumOrder: Money
    public var prepMinutes: Int
    public var isPaused: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public var currency: String { minimumOrder.currency }

    public init(
        id: UUID, ownerID: UUID, name: String, cuisine: String, description: String, address: String, location: GeoPoint,
        timeZone: String, openingHours: [OpeningHoursRule], deliveryRadiusMetres: Int, minimumOrder: Money, prepMinutes: Int,
        isPaused: Bool, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.ownerID = ownerID
        self.name = name
        self.cuisine = cuisine
        self.description = description
        self.address = address
        self.location = location
        self.timeZone = timeZone
        self.openingHours = openingHours
        self.deliveryRadiusMetres = deliveryRadiusMetres
        self.minimumOrder = minimumOrder
        self.prepMinutes = prepMinutes
        self.isPaused = isPaused
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Open now: not paused and inside one of its opening-hours rules.
    public func isOpen(at instant: Date) -> Bool {
        !isPaused && WeeklySchedule(openingHours).isOpen(at: instant, timeZone: timeZone)
    }

    /// Whether `point` lies within the delivery radius.
    public func delivers(to point: GeoPoint) -> Bool {
        location.distance(to: point) <= Double(deliveryRadiusMetres)
    }
}

/// A restaurant as anyone may read it: everything but the account that runs it.
public struct RestaurantProfile: Codable, Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let cuisine: String
    public let description: String
    public let address: String
    public let location: GeoPoint
    public let timeZone: String
    public let openingHours: [OpeningHoursRule]
    public let deliveryRadiusMetres: Int
    public let minimumOrder: Money
    public let prepMinutes: Int
    public let isPaused: Bool
    public let createdAt: Date
    public let updatedAt: Date

    public init(_ r: Restaurant) {
        id = r.id
        name = r.name
        cuisine = r.cuisine
        description = r.description
        address = r.address
        location = r.location
        timeZone = r.timeZone
        openingHours = r.openingHours
        deliveryRadiusMetres = r.deliveryRadiusMetres
        minimumOrder = r.minimumOrder
        prepMinutes = r.prepMinutes
        isPaused = r.isPaused
        createdAt = r.createdAt
        updatedAt = r.updatedAt
    }
}

/// One weekly opening window in the restaurant's local time. `closes` earlier than `opens` runs
/// past midnight into the next day; "24:00" closes at midnight.
public struct OpeningHoursRule: Codable, Sendable, Equatable, Hashable {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int
    /// "HH:MM", 24-hour.
    public var opens: String
    public var closes: String

    public init(weekday: Int, opens: String, closes: String) {
        self.weekday = weekday
        self.opens = opens
        self.closes = closes
    }

    /// Minutes after local midnight, or nil when malformed.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440
        else { return nil }
        return h * 60 + m
    }

    public func validate(field: String) throws {
        guard (1...7).contains(weekday) else { throw ValidationError(field: "\(field).weekday", reason: "must be 1 (Monday) to 7 (Sunday)") }
        guard let open = Self.minutes(opens), open < 1440 else {
            throw ValidationError(field: "\(field).opens", reason: "must be HH:MM between 00:00 and 23:59")
        }
        guard let close = Self.minutes(closes) else {
            throw ValidationError(field: "\(field).closes", reason: "must be HH:MM between 00:00 and 24:00")
        }
        guard open != close else { throw ValidationError(field: "\(field).closes", reason: "must differ from opens") }
    }

    /// Pure: is `instant` inside any rule, in `timeZone`? Uses the same compiled schedule as the
    /// search index, so a restaurant is open by one definition everywhere.
    public static func isOpen(_ rules: [OpeningHoursRule], at instant: Date, timeZone: TimeZone) -> Bool {
        let local = LocalTimes.compute(instant, in: timeZone)
        return WeeklySchedule(rules).isOpen(weekday: local.weekday, minute: local.minute)
    }

    /// Every day, all day.
    public static let allDay: [OpeningHoursRule] = (1...7).map { OpeningHoursRule(weekday: $0, opens: "00:00", closes: "24:00") }
}

public enum CatalogError: DomainError, Equatable {
    case alreadyOwnsRestaurant
    case notYourRestaurant
    case unknownSection(UUID)

    public var problem: ProblemDescription {
        switch self {
        case .alreadyOwnsRestaurant:
            ProblemDescription(
                kind: .conflict, type: "restaurant-exists", title: "Restaurant exists", detail: "this staff account already runs a restaurant")
        case .notYourRestaurant:
            ProblemDescription(kind: .forbidden, type: "forbidden", title: "Forbidden", detail: "this restaurant is run by another account")
        case .unknownSection(let id):
            ProblemDescription(
                kind: .unprocessable, type: "invalid-field", title: "Invalid field", detail: "sectionID: no section \(id) in this menu",
                field: "sectionID")
        }
    }
}
