import Foundation
import Operations
import Testing

/// The SLO rules Tiffin exports for Prometheus and OpenSLO: generated from the journeys, the
/// committed copy is what the code generates, promtool accepts them, and its unit tests (written
/// by hand, deploy/prometheus/tiffin-slo-tests.yml) pass: a total outage pages, a quiet city's one
/// failure does not, an invariant pages on one bad event.
@Suite("Exported SLO rules")
struct SLOExportTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/prometheus")
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func theCommittedRulesAreWhatTheJourneysGenerate() throws {
        let committed = try String(contentsOf: Self.directory.appendingPathComponent("tiffin-slo-rules.yml"), encoding: .utf8)
        #expect(committed == SLOExport.prometheusRules(), "deploy/prometheus/tiffin-slo-rules.yml is out of date: `tiffin slo export --format prometheus`")
    }

    func promtool(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let path = try #require(Self.promtool, "promtool is needed (Debian's prometheus package; .ci/run installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = Self.directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func promtoolAcceptsTheRulesAndTheirUnitTestsPass() throws {
        let check = try promtool(["check", "rules", "tiffin-slo-rules.yml"])
        #expect(check.status == 0, "\(check.output)")
        let test = try promtool(["test", "rules", "tiffin-slo-tests.yml"])
        #expect(test.status == 0, "\(test.output)")
    }

    @Test func everyJourneyHasAnOpenSLODocumentWithItsObjective() {
        let documents = SLOExport.openSLO().components(separatedBy: "---\n")
        #expect(documents.count == Journey.all.count)
        for (document, journey) in zip(documents, Journey.all) {
            #expect(document.contains("apiVersion: openslo/v1") && document.contains("kind: SLO"))
            #expect(document.contains("name: tiffin-\(journey.id.rawValue)\n") && document.contains("target: \(journey.objective)"))
            #expect(document.contains("- duration: 28d"))
        }
    }
}
