import DemoCityData
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TiffinTestSupport
import WebApps
import NIOCore

@testable import TiffinApp

/// The web apps as the server hands them out: embedded files, validators, the security headers,
/// and the rules the files themselves must keep for those headers to hold.
@Suite("Web apps: serving and the rules of their files")
struct WebAppTests {
    func get(_ api: APIClient, _ path: String, headers extra: [String: String] = [:]) async throws -> APIClient.Reply {
        var headers = HTTPFields()
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let response = try await api.client.execute(uri: path, method: .get, headers: headers, body: nil)
        return .init(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
    }

    @Test func eachAppIsServedWithItsTypeAValidatorAndAStrictPolicy() async throws {
        try await withApp(.sqlite) { api, _ in
            for app in WebApps.apps {
                let page = try await get(api, "/\(app)/")
                #expect(page.status == .ok, "/\(app)/")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(decoding: page.body, as: UTF8.self).contains("<script type=\"module\""))
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(policy.contains("script-src 'self'") && policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe"), "no inline script or style, no eval")
                #expect(page.headers[.cacheControl] == "no-cache" && page.headers[.xContentTypeOptions] == "nosniff")
                let etag = try #require(page.headers[.eTag])
                let again = try await get(api, "/\(app)/", headers: ["If-None-Match": etag])
                #expect(again.status == .notModified && again.body.isEmpty, "a browser's cached copy is confirmed, not sent again")
                let bare = try await get(api, "/\(app)")
                #expect(bare.status.code == 301 && bare.headers[.location] == "/\(app)/")
            }
            let module = try await get(api, "/shared/tiffin.js")
            #expect(module.status == .ok && module.headers[.contentType] == "text/javascript; charset=utf-8")
            for missing in ["/app/nope.js", "/app/../../etc/passwd", "/shared/", "/app/%2e%2e/Package.swift"] {
                #expect(try await get(api, missing).status == .notFound, "\(missing)")
            }
        }
    }

    @Test func theBeaconCountsPageLoadsAndAPIErrorsAndRefusesAnythingElse() async throws {
        try await withApp(.sqlite) { api, _ in
            func count(_ line: String) -> Double {
                let text = String(decoding: TiffinMetrics.render(), as: UTF8.self)
                return text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last!) } ?? 0
            }
            let loads = #"tiffin_app_page_loads_total{app="courier"}"#
            let conflicts = #"tiffin_app_api_errors_total{app="restaurant",status="409"}"#
            let (loadsBefore, conflictsBefore) = (count(loads), count(conflicts))
            #expect(try await api.call(.post, "/v1/telemetry", json: #"{"app":"courier","kind":"page_load"}"#).status == .noContent)
            #expect(try await api.call(.post, "/v1/telemetry", json: #"{"app":"restaurant","kind":"api_error","status":409}"#).status == .noContent)
            #expect(count(loads) == loadsBefore + 1 && count(conflicts) == conflictsBefore + 1)
            for (body, field) in [
                (#"{"app":"evil","kind":"page_load"}"#, "app"), (#"{"app":"app","kind":"api_error"}"#, "status"),
                (#"{"app":"app","kind":"api_error","status":1000}"#, "status"), (#"{"app":"app","kind":"x"}"#, "kind"),
                // Numbers no integer field holds: Foundation calls them invalid JSON; the answer names the field.
                (#"{"app":"app","kind":"api_error","status":1e308}"#, "status"),
                (#"{"app":"app","kind":"api_error","status":9223372036854775808}"#, "status"),
                (#"{"app":"app","kind":"api_error","status":1.5}"#, "status"),
            ] {
                let reply = try await api.call(.post, "/v1/telemetry", json: body)
                #expect(reply.status.code >= 400 && reply.status.code < 500 && reply.string("field") == field, "\(body)")
            }
        }
    }

    @Test func theAppsConfigurationShowsTheDemosAccountsOnlyWhereTheDemoCityIs() async throws {
        try await withApp(.sqlite) { api, services in
            let plain = try await api.call(.get, "/v1/app-config")
            #expect(plain.status == .ok && plain.json["demo"] == nil, "no demo password where there is no demo city")
            #expect((plain.json["testCards"] as? [[String: Any]])?.first?["number"] as? String == "4242424242424242")
            _ = try await DemoCity.seed(accounts: services.accounts, catalog: services.catalog)
            let demo = try #require(try await api.call(.get, "/v1/app-config").json["demo"] as? [String: Any])
            #expect((demo["accounts"] as? [[String: Any]])?.compactMap { $0["email"] as? String }.contains("customer@tiffin.demo") == true)
            #expect((demo["addresses"] as? [[String: Any]])?.count == DemoCity.addresses.count)
        }
    }

    @Test func tilesFromAConfiguredServerAreTheOnlyOtherOriginAllowed() throws {
        var environment = ["TIFFIN_MAP_TILES": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
        let configuration = try TiffinConfiguration.fromEnvironment(environment)
        #expect(configuration.mapAttribution == "© OpenStreetMap contributors")
        let policy = WebAppController(tileOrigin: configuration.mapTileOrigin).contentSecurityPolicy
        #expect(policy.contains("img-src 'self' https://tile.openstreetmap.org;"))
        environment["TIFFIN_MAP_TILES"] = "https://tiles.example.org/{z}/{x}/{y}.png"
        #expect(throws: TiffinConfiguration.Error.self, "another server's credit must be given") {
            try TiffinConfiguration.fromEnvironment(environment)
        }
        // Templates that would break the policy header, name no origin, or ask for what the apps cannot fill.
        for template in [
            "https://x.example/{z}/{x}/{y}.png; script-src *", "https://a,b.example/{z}/{x}/{y}.png", "https://[::1]/{z}/{x}/{y}.png",
            "https://{s}.tile.example/{z}/{x}/{y}.png", "https://user:pw@tiles.example/{z}/{x}/{y}.png", "ftp://tiles.example/{z}/{x}/{y}",
            "https://tiles.example/{z}/{x}.png",
        ] {
            #expect(throws: TiffinConfiguration.Error.self, "\(template)") {
                try TiffinConfiguration.fromEnvironment(["TIFFIN_MAP_TILES": template, "TIFFIN_MAP_ATTRIBUTION": "x"])
            }
        }
        let local = try TiffinConfiguration.fromEnvironment([
            "TIFFIN_MAP_TILES": "http://127.0.0.1:8081/{z}/{x}/{y}.png", "TIFFIN_MAP_ATTRIBUTION": "x",
        ])
        #expect(local.mapTileOrigin == "http://127.0.0.1:8081")
    }

    /// What the policy forbids would fail silently in a browser; these rules catch it here. And
    /// server data must never be parsed as markup, nor a token kept where it outlives the tab.
    @Test func theFilesKeepThePolicyAndNeverTreatDataAsMarkup() throws {
        #expect(!WebApps.assets.isEmpty)
        for asset in WebApps.assets.values {
            let text = String(decoding: asset.bytes, as: UTF8.self)
            if asset.path.hasSuffix(".html") {
                #expect(!text.contains("<script>") && !text.contains("<script >"), "\(asset.path): inline script")
                #expect(text.range(of: #"<script(?![^>]*\bsrc=)[^>]*>"#, options: .regularExpression) == nil, "\(asset.path): a script without src")
                #expect(text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "\(asset.path): an inline handler")
                #expect(
                    text.range(of: #"\sstyle\s*="#, options: .regularExpression) == nil && !text.contains("<style"), "\(asset.path): inline style")
                #expect(text.contains("<html lang=\"en\">") && text.contains("name=\"viewport\""), "\(asset.path): language and viewport")
            }
            if asset.path.hasSuffix(".js") {
                for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "localStorage", "eval(", "new Function"] {
                    #expect(!text.contains(forbidden), "\(asset.path) uses \(forbidden)")
                }
            }
        }
    }
}
