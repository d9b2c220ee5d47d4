import Foundation

/// The one source every module reads its settings from at start-up: `TIFFIN_*` environment
/// variables, trimmed, an empty value meaning unset.
///
/// A module's `Settings` has an `init(reader:)` that reads its own keys (each listed in its doc
/// comment) over its defaults. A bad value does not stop the reading: it is recorded, its default
/// kept, and `check()` afterwards throws one error that names every bad key at once, so an
/// operator fixes a deployment in one go instead of one restart per mistake.
///
/// Hand-written: apple/swift-configuration's readers return the default for a value they cannot
/// convert, silently, and know no ranges; what Tiffin needs is the opposite — every bad value
/// named and the start refused.
public final class SettingsReader {
    public let environment: [String: String]
    public private(set) var problems: [SettingsProblem] = []
    /// Every key some module asked for, so a `TIFFIN_*` variable nobody reads (a typo) can be told.
    public private(set) var keysRead: Set<String> = []

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The value of `key`, trimmed; nil when unset or empty.
    public func string(_ key: String) -> String? {
        keysRead.insert(key)
        guard let raw = environment[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    /// A number within `range`; nil when unset or bad (recorded).
    public func number<T: LosslessStringConvertible & Comparable>(_ key: String, _ range: ClosedRange<T>) -> T? {
        guard let raw = string(key) else { return nil }
        guard let parsed = T(raw), range.contains(parsed) else {
            problem(key, "'\(raw)' is not a number in \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return parsed
    }

    /// A duration given in milliseconds within `range`.
    public func milliseconds(_ key: String, _ range: ClosedRange<Int>) -> Duration? {
        number(key, range).map { .milliseconds($0) }
    }

    /// true/false, yes/no, on/off, 1/0; nil when unset or bad (recorded).
    public func bool(_ key: String) -> Bool? {
        guard let raw = string(key) else { return nil }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problem(key, "'\(raw)' is not a boolean (true/false)")
            return nil
        }
    }

    /// One of a type's raw values; nil when unset or bad (recorded, with the values allowed).
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let raw = string(key) else { return nil }
        guard let parsed = T(rawValue: raw.lowercased()) else {
            problem(key, "'\(raw)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return parsed
    }

    /// Records a bad value that a module checked itself (once, however many modules read it).
    public func problem(_ key: String, _ reason: String) {
        let problem = SettingsProblem(key: key, reason: reason)
        if !problems.contains(problem) { problems.append(problem) }
    }

    /// `TIFFIN_*` variables set but read by no module: most likely a misspelt key.
    public func unknownKeys(prefix: String = "TIFFIN_") -> [String] {
        environment.keys.filter { $0.hasPrefix(prefix) && !keysRead.contains($0) }.sorted()
    }

    /// Throws when any value was bad, naming every one.
    public func check() throws(SettingsError) {
        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }
}

public struct SettingsProblem: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let reason: String
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }
    public var description: String { "\(key): \(reason)" }
}

/// Every bad setting found at start-up, one per line.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    public let problems: [SettingsProblem]
    public init(problems: [SettingsProblem]) { self.problems = problems }
    public var keys: [String] { problems.map(\.key) }
    public var description: String {
        "configuration error\(problems.count == 1 ? "" : "s"):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
