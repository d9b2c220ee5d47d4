import Accounts
import Core
import DemoCityData
import Foundation
import Hummingbird
import Payments
import TiffinHTTP

/// `GET /v1/app-config`: what the apps need before anyone signs in: where the city is, the map
/// tiles (if any) with their credit, the sandbox's test cards, and — only when the demo city is
/// in this database, the same rule as the home page — its accounts and addresses.
struct AppConfigController: Sendable {
    let accounts: AccountService
    let configuration: TiffinConfiguration

    struct Point: Codable, Sendable {
        let lat: Double
        let lon: Double
    }

    struct Map: Codable, Sendable {
        /// A raster tile URL template with `{z}`, `{x}`, `{y}`; absent: draw the city without tiles.
        let tiles: String?
        let attribution: String?
    }

    struct TestCard: Codable, Sendable {
        let number: String
        let outcome: String
    }

    struct DemoLogin: Codable, Sendable {
        let role: Role
        let email: String
        let password: String
    }

    struct Address: Codable, Sendable {
        let label: String
        let lat: Double
        let lon: Double
    }

    struct Demo: Codable, Sendable {
        let accounts: [DemoLogin]
        let addresses: [Address]
    }

    struct AppConfig: ResponseCodable, Sendable {
        let cityName: String
        let centre: Point
        let map: Map
        let testCards: [TestCard]
        /// Present only when the demo city is in this database.
        let demo: Demo?
    }

    static func config(configuration: TiffinConfiguration, demo: Bool) -> AppConfig {
        AppConfig(
            cityName: demo ? "Berlin (demo city)" : "Tiffin", centre: Point(lat: DemoCity.centre.lat, lon: DemoCity.centre.lon),
            map: Map(tiles: configuration.mapTiles, attribution: configuration.mapAttribution),
            testCards: SandboxPaymentProvider.testCards.map { TestCard(number: $0.number, outcome: $0.outcome) },
            demo: demo
                ? Demo(
                    accounts: DemoCity.demoAccounts.map { DemoLogin(role: $0.role, email: $0.email, password: DemoCity.password) },
                    addresses: DemoCity.addresses.map { Address(label: $0.label, lat: $0.point.lat, lon: $0.point.lon) })
                : nil)
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        router.get("v1/app-config") { _, _ -> AppConfig in
            Self.config(configuration: configuration, demo: try await accounts.exists(email: DemoCity.demoAccounts[0].email))
        }
        return router
    }

    static let operations: [APIOperation] = [
        APIOperation(
            .get, "/v1/app-config",
            summary: "What the apps need before signing in: the city, map tiles, the sandbox's test cards, and the demo's accounts (demo city only)",
            tag: "System", response: .json(config(configuration: TiffinConfiguration(), demo: true)))
    ]
}
