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

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        router.get("/") { _, _ in
            // Demo credentials are shown only where they work: when the demo city is in this database.
            let hasDemo = try await accounts.exists(email: DemoCity.demoAccounts[0].email)
            var headers = WebAppController(tileOrigin: nil).securityHeaders
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
        return router
    }

    /// The front door: what Tiffin is, the three apps, the API documents, and (only where the demo
    /// city is) its accounts with a one-click sign-in link into each app. Styled by the apps'
    /// shared style sheet, with no inline script or style, under the apps' security headers.
    func homePage(showDemo: Bool) -> String {
        let apps: [(path: String, name: String, blurb: String, role: Role)] = [
            ("app", "Order food", "Browse the restaurants that deliver to you, order, pay, and follow your courier on the map.", .customer),
            ("restaurant", "For restaurants", "Hear new orders as they arrive, accept and prepare them, keep the menu and the hours.", .staff),
            ("courier", "For couriers", "Go online, take offers, and carry orders from the kitchen to the door; see your earnings.", .courier),
        ]
        let cards: String = apps.map { app -> String in
            let demo = DemoCity.demoAccounts.first { $0.role == app.role }
            let signIn: String =
                showDemo && demo != nil
                ? """
                <p><a class="button secondary" id="demo-\(app.path)" href="/\(app.path)/#/signin/demo">Sign in as \(demo!.email)</a></p>
                """ : ""
            return """
                <li class="card"><h3><a href="/\(app.path)/">\(app.name)</a></h3><p>\(app.blurb)</p>\(signIn)</li>
                """
        }.joined(separator: "\n")
        let demoRows = DemoCity.demoAccounts.map {
            "<tr><td>\($0.role.rawValue)</td><td><code>\($0.email)</code></td><td><code>\(DemoCity.password)</code></td></tr>"
        }.joined(separator: "\n")
        let demoSection = """
            <h2>Demo accounts</h2>
            <p>Every demo account has the password below; the links above sign in with one click. Through the API, sign in with
            <code>POST /v1/auth/login</code> and send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
            <table><thead><tr><th scope="col">role</th><th scope="col">email</th><th scope="col">password</th></tr></thead><tbody>
            \(demoRows)
            </tbody></table>
            """
        let testCards = SandboxPaymentProvider.testCards.map { "<tr><td><code>\($0.number)</code></td><td>\($0.outcome)</td></tr>" }.joined(
            separator: "\n")
        let databaseKind = (try? DatabaseLocation(url: configuration.databaseURL).kind.rawValue) ?? "unknown"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Tiffin</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="/shared/icon.svg" type="image/svg+xml">
            <link rel="stylesheet" href="/shared/style.css"></head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="bar"><a class="brand" href="/">Tiffin</a>
            <nav aria-label="Apps"><a href="/app/">Order food</a><a href="/restaurant/">Restaurants</a><a href="/courier/">Couriers</a></nav></header>
            <main id="main" tabindex="-1">
            <h1>Tiffin is running</h1>
            <p>An open-source food-delivery platform: the restaurants, couriers and customers of one city, on their own server.
            This instance stores its data in <strong>\(databaseKind)</strong>\(showDemo ? " and serves the demo city (\(DemoCity.restaurants.count) restaurants in Berlin)" : "").</p>
            <h2>The apps</h2>
            <ul class="grid plain">
            \(cards)
            </ul>
            <h2>For developers and operators</h2>
            <ul>
              <li><a href="/openapi.json">API document (OpenAPI 3.1)</a>: every route under <code>/v1</code></li>
              <li><a href="/asyncapi.json">Live connection (AsyncAPI 3.0)</a>: every message of <code>/v1/realtime</code></li>
              <li><a href="/health">/health</a> (process up) · <a href="/ready">/ready</a> (database reachable) · <code>/metrics</code> (operators)</li>
              <li><a href="/v1/restaurants/nearby?lat=\(DemoCity.customerHome.lat)&amp;lon=\(DemoCity.customerHome.lon)">Restaurants delivering to the demo customer now</a> (JSON)</li>
            </ul>
            \(showDemo ? demoSection : "<p>Sign in through the apps, or with <code>POST /v1/auth/login</code> and send <code>Authorization: Bearer &lt;token&gt;</code>.</p>")
            <h2>Sandbox test cards</h2>
            <table><thead><tr><th scope="col">card</th><th scope="col">result</th></tr></thead><tbody>
            \(testCards)
            </tbody></table>
            </main>
            </body></html>
            """
    }
}
