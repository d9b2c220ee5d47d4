/// The page rules of every list that pages with a cursor: 1 to 100 per page, and a cursor that
/// must be one this server handed out (anything else is a 422 naming `cursor`, never a 500).
public enum Paging {
    public static let sizes = 1...100

    public static func check(limit: Int) throws {
        guard sizes.contains(limit) else { throw ValidationError(field: "limit", reason: "must be 1 to 100") }
    }

    /// `raw` read by `parse` (nil when none was given).
    public static func cursor<T>(_ raw: String?, _ parse: (String) -> T?) throws -> T? {
        guard let raw else { return nil }
        guard let value = parse(raw) else { throw ValidationError(field: "cursor", reason: "is not a cursor from an earlier page") }
        return value
    }
}
