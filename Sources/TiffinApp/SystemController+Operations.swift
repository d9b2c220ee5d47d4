import TiffinHTTP

/// The documented routes of `SystemController`. `GET /` answers HTML; the document builder
/// describes it as `text/html`.
extension SystemController {
    static let operations: [APIOperation] = [
        APIOperation(
            .get, "/",
            summary:
                "Home page (HTML): the three apps, the API documents, the sandbox test cards, and the demo accounts with one-click sign-in (demo city only)",
            tag: "System", limit: .unlimited),
        APIOperation(.get, "/health", summary: "Liveness: the process is up", tag: "System", response: .json(Health(status: "ok", database: nil)), limit: .unlimited),
        APIOperation(
            .get, "/ready", summary: "Readiness: the database answers within 2 seconds", tag: "System",
            response: .json(Health(status: "ready", database: "sqlite")), errors: [503], limit: .unlimited),
    ]
}
