import Core
import Foundation
import Hummingbird
import TiffinHTTP
import WebApps

/// Serves the web apps (`/app/`, `/restaurant/`, `/courier/`) and their shared module
/// (`/shared/`) from the files embedded in the binary.
///
/// - `Cache-Control: no-cache` with a strong `ETag`: a browser keeps each file and asks again
///   every time (a 304 costs a few bytes), so a new release is picked up at the next load without
///   versioned file names, which would need a build step.
/// - A strict Content-Security-Policy: scripts, styles and connections from this origin only (no
///   inline script or style, no `eval`), images also from the map tile server when one is
///   configured, no framing. With it, data that reached the page as markup still could not run.
struct WebAppController: Sendable {
    /// The origin of `TIFFIN_MAP_TILES` (e.g. `https://tile.openstreetmap.org`), allowed for images.
    let tileOrigin: String?

    var contentSecurityPolicy: String {
        [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'\(tileOrigin.map { " \($0)" } ?? "")",
            "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "media-src 'self'", "base-uri 'none'", "form-action 'self'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    static let titles = ["app": "customer", "restaurant": "restaurant", "courier": "courier"]

    static let operations: [APIOperation] =
        WebApps.apps.flatMap { app in
            [
                APIOperation(
                    .get, "/\(app)", summary: "The \(titles[app] ?? app) app (HTML): /\(app)/ is its page; /\(app) redirects there (301)",
                    tag: "Apps", limit: .unlimited),
                APIOperation(
                    .get, "/\(app)/**",
                    summary: "A file of the \(titles[app] ?? app) app: HTML, JavaScript or CSS, with an ETag (304 when unchanged)", tag: "Apps",
                    errors: [404], limit: .unlimited),
            ]
        } + [
            APIOperation(
                .get, "/shared/**", summary: "The apps' shared JavaScript module and styles, with an ETag (304 when unchanged)", tag: "Apps",
                errors: [404], limit: .unlimited)
        ]

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        for app in WebApps.apps {
            // The router takes `/app` and `/app/` for one path: `/app` is sent on to `/app/`, so
            // the app's relative module paths resolve under it.
            router.get(RouterPath(app)) { request, _ in
                try request.uri.path.hasSuffix("/") ? serve("\(app)/", request) : Response.redirect(to: "/\(app)/", type: .permanent)
            }
        }
        for folder in WebApps.folders {
            router.get(RouterPath("\(folder)/**")) { request, context in
                try serve("\(folder)/" + context.parameters.getCatchAll().joined(separator: "/"), request)
            }
        }
        return router
    }

    /// The file at `path`; 404 for anything not embedded (the lookup is a dictionary's: no path
    /// reaches the file system).
    func serve(_ path: String, _ request: Request) throws -> Response {
        var headers = securityHeaders
        guard let asset = WebApps.asset(path) else { throw NotFoundError(entity: "file", id: "/" + path) }
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "no-cache"
        if let ifNoneMatch = request.headers[.ifNoneMatch], asset.matches(ifNoneMatch: ifNoneMatch) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    var securityHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("X-Frame-Options")!] = "DENY"
        // The courier app reads the device's position; nothing may use the camera or microphone.
        headers[.init("Permissions-Policy")!] = "geolocation=(self), camera=(), microphone=(), payment=()"
        return headers
    }
}
