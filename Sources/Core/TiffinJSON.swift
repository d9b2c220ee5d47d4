public import Foundation

/// The one JSON style of Tiffin, shared by the HTTP API and the event contracts: keys as
/// declared (camelCase), sorted; dates as ISO 8601 in UTC with milliseconds.
public enum TiffinJSON {
    /// Dates in ISO 8601 with or without fractional seconds (so a client may send back what the
    /// API wrote). A malformed date fails at its own coding path, so an error names the field.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = parseDate(text) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not an ISO 8601 date-time such as 2026-11-21T18:30:00Z")
        }
        return decoder
    }

    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `2026-11-21T18:30:00.123Z`: UTC, always three fractional digits, rounded to the nearest
    /// millisecond (so a time made by `SystemWallClock` is written exactly as it was made).
    /// Written by hand: Foundation's ISO 8601 style truncates instead, and costs microseconds
    /// on every date of every response.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1_000).rounded())
        let (seconds, millisecond) = floorDivision(milliseconds, 1_000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var text = [UInt8]()
        text.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            for _ in 0..<count {
                text.append(UInt8(48 + (rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        text.append(UInt8(ascii: "-"))
        digits(month, 2)
        text.append(UInt8(ascii: "-"))
        digits(day, 2)
        text.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3_600, 2)
        text.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        text.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        text.append(UInt8(ascii: "."))
        digits(millisecond, 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }

    /// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian; H. Hinnant's
    /// `civil_from_days`).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Reads an ISO 8601 date-time. The API's own form (`…T…[.fff]Z`) is read exactly, to the
    /// same `Date` the clock made; other forms (offsets such as `+02:00`) through Foundation.
    /// A date in that form that does not exist (`2023-02-29`) is refused, not rolled over.
    /// Years outside 1…9999 are refused: the API writes four-digit years, and databases and
    /// drivers have their own limits beyond them.
    public static func parseDate(_ text: String) -> Date? {
        let date: Date?
        if hasUTCShape(text) {
            date = utcMilliseconds(text).map { Date(timeIntervalSince1970: Double($0) / 1_000) }
        } else {
            // Foundation's parser stops at the end of a date and ignores what follows: only
            // date characters, ending in `Z` or an offset `±HH:MM`, are handed to it.
            guard hasOffsetShape(text) else { return nil }
            date =
                (try? Date(text, strategy: .iso8601))
                ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        guard let date, supportedRange.contains(date) else { return nil }
        return date
    }

    /// 0001-01-01T00:00:00Z ..< 10000-01-01T00:00:00Z.
    public static let supportedRange = Date(timeIntervalSince1970: -62_135_596_800)..<Date(timeIntervalSince1970: 253_402_300_800)

    /// Digits and `-:.+TtZz` only, ending in `Z`/`z` or `±HH:MM`.
    static func hasOffsetShape(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count >= 20, b.allSatisfy({ (48...57).contains($0) || Array("-:.+TtZz".utf8).contains($0) }) else { return false }
        if b.last == UInt8(ascii: "Z") || b.last == UInt8(ascii: "z") { return true }
        let offset = b.suffix(6)
        return (offset.first == UInt8(ascii: "+") || offset.first == UInt8(ascii: "-")) && offset[offset.startIndex + 3] == UInt8(ascii: ":")
    }

    static func hasUTCShape(_ text: String) -> Bool {
        let b = Array(text.utf8)
        return b.count >= 20 && b.last == UInt8(ascii: "Z") && b[4] == UInt8(ascii: "-") && b[7] == UInt8(ascii: "-")
            && (b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t")) && b[13] == UInt8(ascii: ":") && b[16] == UInt8(ascii: ":")
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f…]Z` as milliseconds since 1970 (fractions rounded to the
    /// millisecond); nil for anything else.
    static func utcMilliseconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.last == UInt8(ascii: "Z"), b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard (48...57).contains(b[index]) else { return nil }
                value = value * 10 + Int64(b[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), hour < 24, minute < 60, second < 60,
            (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var fraction: Int64 = 0
        if b.count > 20 {
            // At most 9 digits, checked before reading them: 19 would overflow Int64.
            guard b[19] == UInt8(ascii: "."), (22...30).contains(b.count), let digits = number(20..<(b.count - 1)) else { return nil }
            var scale: Int64 = 1
            for _ in 0..<(b.count - 21) { scale *= 10 }
            fraction = (digits * 1_000 * 2 + scale) / (2 * scale)  // rounded to the millisecond
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return ((days * 86_400 + hour * 3_600 + minute * 60 + second) * 1_000) + fraction
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Lower-case hexadecimal of bytes (digests), without `String(format:)`, which goes through the
/// locale machinery for every byte.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
