/// Text no database stores as sent. The HTTP edge refuses NUL in every JSON body; these checks
/// guard the paths that do not come through it (the command line, seed data).
public enum TextSafetyRules {
    public static func noNUL(_ value: String, field: String) throws {
        if value.utf8.contains(0) { throw ValidationError(field: field, reason: "must not contain NUL characters") }
    }
}
