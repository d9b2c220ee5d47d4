import Accounts
import Core
import DemoCityData
import Foundation
import Hummingbird
import Payments
import SQLKit
import Storage
import TiffinHTTP

/// `/`, `/health`, `/ready`.
struct SystemController: Sendable {
    let database: any Database
    let accounts: AccountService
    let configuration: TiffinConfiguration

    struct Health: ResponseCodable, Sendable {
        let status: String
        let database: String?
    }

    func addRoutes(to router: Router<TiffinRequestContext>) {
        router.get("/") { _, _ in
            // Demo credentials are shown only where they work: when the demo city is in this database.
            let hasDemo = try await accounts.exists(email: DemoCity.demoAccounts[0].email)
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: homePage(showDemo: hasDemo))))
        }
        router.get("health") { _, _ in
            Health(status: "ok", database: nil)
        }
        router.get("ready") { _, _ -> Health in
            let database = self.database
            do {
                try await withDeadline(.seconds(2)) {
                    _ = try await database.read { db in try await db.raw("SELECT 1 AS ok").all() }
                }
                return Health(status: "ready", database: database.kind.rawValue)
            } catch {
                var problem = Problem(status: .serviceUnavailable, type: "not-ready", title: "Not ready", detail: "the database is not reachable")
                problem.retryAfterSeconds = 5
                throw problem
            }
        }
    }

    func homePage(showDemo: Bool) -> String {
        let demoRows = DemoCity.demoAccounts.map {
            "<tr><td>\($0.role.rawValue)</td><td><code>\($0.email)</code></td><td><code>\(DemoCity.password)</code></td></tr>"
        }.joined(separator: "\n")
        let demoSection = """
            <h2>Demo accounts</h2>
            <p>Sign in with <code>POST /v1/auth/login</code> and send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
            <table><tr><th>role</th><th>email</th><th>password</th></tr>
            \(demoRows)
            </table>
            """
        let cards = SandboxPaymentProvider.testCards.map { "<tr><td><code>\($0.number)</code></td><td>\($0.outcome)</td></tr>" }.joined(
            separator: "\n")
        let databaseKind = (try? DatabaseLocation(url: configuration.databaseURL).kind.rawValue) ?? "unknown"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Tiffin</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}code{font-size:.95em}</style></head>
            <body>
            <h1>Tiffin is running</h1>
            <p>An open-source food-delivery platform: restaurants, couriers and customers of one city, on their own server.
            This instance stores its data in <strong>\(databaseKind)</strong>\(showDemo ? " and serves the demo city (\(DemoCity.restaurants.count) restaurants in Berlin)" : "").</p>
            <ul>
              <li><a href="/openapi.json">API document (OpenAPI 3.1)</a> — every route under <code>/v1</code></li>
              <li><a href="/asyncapi.json">Live connection (AsyncAPI 3.0)</a> — every message of <code>/v1/realtime</code></li>
              <li><a href="/health">/health</a> (process up) · <a href="/ready">/ready</a> (database reachable)</li>
              <li><a href="/v1/restaurants/nearby?lat=\(DemoCity.customerHome.lat)&amp;lon=\(DemoCity.customerHome.lon)">Restaurants delivering to the demo customer now</a></li>
            </ul>
            \(showDemo ? demoSection : "<p>Sign in with <code>POST /v1/auth/login</code> and send <code>Authorization: Bearer &lt;token&gt;</code>.</p>")
            <h2>Sandbox test cards</h2>
            <table><tr><th>card</th><th>result</th></tr>
            \(cards)
            </table>
            </body></html>
            """
    }
}
