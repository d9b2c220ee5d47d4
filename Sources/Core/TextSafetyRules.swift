/// Text no database stores as sent. The HTTP edge refuses NUL in every JSON body; these checks
/// guard the paths that do not come through it (the command line, seed data).
public enum TextSafetyRules {
    /// A text's length as every limit counts it: Unicode scalars (code points, as JSON Schema's
    /// `maxLength` does), not the characters a reader sees — one letter with 20,000 combining
    /// accents is one character, and would pass a limit of 500 at 40 KB.
    public static func length(_ value: some StringProtocol) -> Int { value.unicodeScalars.count }

    public static func noNUL(_ value: String, field: String) throws {
        if value.utf8.contains(0) { throw ValidationError(field: field, reason: "must not contain NUL characters") }
    }
}
