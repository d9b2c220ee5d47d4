import Core
import Foundation
import Hummingbird
import Metrics
import TiffinHTTP

/// `POST /v1/telemetry`: the apps' beacon. Each page load and each API error a browser saw is
/// counted (`tiffin_app_page_loads_total{app}`, `tiffin_app_api_errors_total{app,status}`), so
/// operators see what people meet, not only what the server answered. Anyone may send it (a
/// signed-out page loads too); every value is from a fixed set, so it cannot grow the metrics.
struct TelemetryController: Sendable {
    enum App: String, Codable, Sendable, CaseIterable, SchemaEnumeration {
        case customer = "app", restaurant, courier
    }

    enum Kind: String, Codable, Sendable, CaseIterable, SchemaEnumeration {
        case pageLoad = "page_load"
        case apiError = "api_error"
    }

    struct Beacon: ValidatedRequest, Codable, Sendable, SchemaConstrained {
        static let statuses = 0...599
        static let schemaConstraints: [String: SchemaConstraint] = [
            "status": .range(statuses, "For api_error: the HTTP status the app got; 0 when the server could not be reached")
        ]
        let app: App
        let kind: Kind
        let status: Int?

        func validate() throws {
            if let status, !Self.statuses.contains(status) { throw ValidationError(field: "status", reason: "an HTTP status, 0 to 599") }
            if kind == .apiError && status == nil { throw ValidationError(field: "status", reason: "required for api_error") }
        }
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        router.post("v1/telemetry") { request, context -> HTTPResponse.Status in
            let beacon = try await request.decodeJSON(as: Beacon.self, context: context)
            switch beacon.kind {
            case .pageLoad:
                Counter(label: "tiffin_app_page_loads_total", dimensions: [("app", beacon.app.rawValue)]).increment()
            case .apiError:
                Counter(label: "tiffin_app_api_errors_total", dimensions: [("app", beacon.app.rawValue), ("status", "\(beacon.status ?? 0)")])
                    .increment()
            }
            return .noContent
        }
        return router
    }

    static let operations: [APIOperation] = [
        APIOperation(
            .post, "/v1/telemetry", summary: "The apps' beacon: a page load or an API error a browser saw, counted in /metrics", tag: "System",
            request: .json(Beacon(app: .customer, kind: .apiError, status: 409)), status: 204, errors: [400, 422], limit: .telemetry, bodyLimit: 1_024)
    ]
}
