import Events
import Foundation
import Testing

@testable import Core

@Suite("Event contracts")
struct EventContractTests {
    @Test func everyEventTypeIsNamedOnceAndDotted() {
        let names = EventType.all.map(\.type.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.split(separator: ".").count == 2 })
        #expect(names.contains("order.delivered") && names.contains("payment.refund_issued") && names.contains("order.needs_attention"))
    }

    @Test func aPayloadRoundTripsInTheAPIsJSONStyle() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000_123 / 1_000)  // a millisecond, as the clock makes them
        let payload = OrderNeedsAttention(
            orderID: UUID(), restaurantID: UUID(), courierID: nil, status: .ready, reason: .waitingForPickup, waitingSince: at)
        let event = try DomainEvent(type: .orderNeedsAttention, aggregateID: payload.orderID, occurredAt: at, payload: payload)
        #expect(try event.decode(OrderNeedsAttention.self) == payload)
        let text = String(decoding: event.payload, as: UTF8.self)
        #expect(text.contains(#""waitingSince":"2027-01-15T08:00:00.123Z""#), "dates as the API writes them: \(text)")
        #expect(text.contains(#""reason":"waiting_for_pickup""#))
        #expect(!text.contains("courierID"), "absent optionals are left out, as in the API")
    }
}

@Suite("The API's JSON style")
struct JSONStyleTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"), (1_800_000_000.123, "2027-01-15T08:00:00.123Z"), (951_782_400.9995, "2000-02-29T00:00:01.000Z"),
        (-1.5, "1969-12-31T23:59:58.500Z"), (4_102_444_799.999, "2099-12-31T23:59:59.999Z"), (1_709_164_800, "2024-02-29T00:00:00.000Z"),
    ])
    func datesAreWrittenInUTCToTheNearestMillisecond(seconds: Double, text: String) {
        #expect(TiffinJSON.format(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test(arguments: [
        ("2026-11-21T18:30:00Z", 1_795_285_800_000 as Int64?), ("2026-11-21T18:30:00.5Z", 1_795_285_800_500),
        ("2026-11-21T18:30:00.1234Z", 1_795_285_800_123),
        ("2024-02-29T00:00:00.000Z", 1_709_164_800_000), ("2023-02-29T00:00:00Z", nil), ("2026-13-01T00:00:00Z", nil), ("2026-11-21 18:30:00Z", nil),
        ("2026-11-21T18:30:00+01:00", nil), ("yesterday", nil),
        // Nine fraction digits at most: nineteen used to overflow while being read, and crash.
        ("2026-01-01T00:00:00.123456789Z", 1_767_225_600_123), ("2026-01-01T00:00:00.9999999999999999999Z", nil),
        ("2026-01-01T00:00:00.Z", nil),
    ])
    func theAPIsOwnFormIsReadExactlyAndNothingElseByTheFastPath(text: String, milliseconds: Int64?) {
        #expect(TiffinJSON.utcMilliseconds(text) == milliseconds)
    }

    @Test func otherISO8601FormsStillRead() {
        #expect(TiffinJSON.parseDate("2026-11-21T19:30:00+01:00") == Date(timeIntervalSince1970: 1_795_285_800))
        #expect(TiffinJSON.parseDate("2023-02-29T00:00:00Z") == nil)
        #expect(TiffinJSON.parseDate("2026-11-21T19:30:00.250-02:30") == Date(timeIntervalSince1970: 1_795_298_400.25))
        // Foundation stops reading at the end of a date: nothing may follow it.
        for text in ["2030-01-01T00:00:00Zgarbage", "2030-01-01T00:00:00Z\u{0}x", "2030-01-01T00:00:00+01:00 ", "2030-01-01T00:00:00+01:00x"] {
            #expect(TiffinJSON.parseDate(text) == nil, "\(text)")
        }
    }

    /// The API writes four-digit years; a date it could not write back (year 0, 10000) is refused.
    @Test func yearsOutsideOneToNineThousandNineHundredNinetyNineAreRefused() {
        #expect(TiffinJSON.parseDate("0000-01-01T00:00:00+01:00") == nil)
        #expect(TiffinJSON.parseDate("0000-06-01T00:00:00Z") == nil)
        #expect(TiffinJSON.parseDate("9999-12-31T23:59:59.9999Z") == nil, "rounds into the year 10000")
        #expect(TiffinJSON.parseDate("0001-01-01T00:00:00Z").map(TiffinJSON.format) == "0001-01-01T00:00:00.000Z")
        #expect(TiffinJSON.parseDate("9999-12-31T23:59:59.999Z").map(TiffinJSON.format) == "9999-12-31T23:59:59.999Z")
    }

    @Test func everyMillisecondMadeByTheClockRoundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800_000, using: &generator)) / 1_000)
            let text = TiffinJSON.format(date)
            #expect(TiffinJSON.parseDate(text) == date, "\(text) reads back as the same instant, exactly")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .gmt
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            #expect(text.hasPrefix(expected), "\(text) is not \(expected)")
        }
    }
}
