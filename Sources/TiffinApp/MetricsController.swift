import Core
import Crypto
import Foundation
import Hummingbird
import TiffinHTTP

/// `GET /metrics`: every metric in Prometheus text format, for operators and for a scraper that
/// presents `TIFFIN_METRICS_TOKEN` as a bearer token. Not public: route names, error rates and
/// business volumes are an operator's business.
struct MetricsController: Sendable {
    static let path = "/metrics"
    let token: String?

    static let operations: [APIOperation] = [
        APIOperation(
            .get, "/metrics", summary: "Metrics in Prometheus text format (operators, or the TIFFIN_METRICS_TOKEN bearer token)", tag: "System",
            roles: [.operator], errors: [401, 403], limit: .unlimited)
    ]

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        router.get("metrics", use: metrics)
        return router
    }

    @Sendable func metrics(_ request: Request, context: TiffinRequestContext) async throws -> Response {
        guard isAllowed(request, context) else {
            if context.principal == nil { throw Problem.unauthorized }
            throw Problem(status: .forbidden, type: "wrong-role", title: "Forbidden", detail: "metrics are for operators")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: TiffinMetrics.render())))
    }

    func isAllowed(_ request: Request, _ context: TiffinRequestContext) -> Bool {
        if context.principal?.role == .operator { return true }
        guard let token, let header = request.headers[.authorization], let presented = BearerCredential.token(fromHeader: header) else {
            return false
        }
        // Compared by digest, in constant time.
        return SHA256.hash(data: Data(presented.utf8)) == SHA256.hash(data: Data(token.utf8))
    }
}
