import Core
import Foundation
import Testing
import Storage

@testable import TiffinApp

@Suite("Documentation drawn from the code")
struct DocumentationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theArchitecturePageShowsTheStateMachinesAsTheCodeDefinesThem() throws {
        let page = try String(contentsOf: Self.repository.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        #expect(page.contains(Diagrams.markdown), "docs/architecture.md is out of date: regenerate the block with `tiffin diagrams`")
    }

    @Test func everyMigratedTableIsDescribedOnTheArchitecturePage() throws {
        let page = try String(contentsOf: Self.repository.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let tables = allMigrations.flatMap { $0.statements(.init(.sqlite)) }.compactMap { statement -> String? in
            guard let range = statement.range(of: "CREATE TABLE ") else { return nil }
            return statement[range.upperBound...].split(separator: " ").first.map(String.init)
        }
        #expect(tables.count >= 10)
        for table in tables {
            #expect(page.contains("`\(table)`"), "\(table) is not on docs/architecture.md")
        }
    }

    @Test func theReadmeListsEverySettingAModuleReads() throws {
        let page = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        // With email and map tiles on, every key is read (some only count beside those).
        let reader = SettingsReader(environment: [
            "TIFFIN_SMTP_HOST": "mail.example", "TIFFIN_MAP_TILES": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        ])
        _ = TiffinConfiguration(reader: reader)
        #expect(reader.keysRead.count >= 35)
        for key in reader.keysRead.sorted() {
            #expect(page.contains("`\(key)`"), "\(key) is read but not in the README's table")
        }
    }

    @Test func theRouteTableListsEveryRouteWithItsRoles() throws {
        let page = try String(contentsOf: Self.repository.appendingPathComponent("docs/api.md"), encoding: .utf8)
        #expect(page.contains(Diagrams.routes), "docs/api.md is out of date: regenerate the table with `tiffin routes`")
    }
}
