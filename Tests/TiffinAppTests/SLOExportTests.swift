import Foundation
import Operations
import Testing
import TiffinTestSupport

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

    @Test func promtoolAcceptsTheRulesAndTheirUnitTestsPass() async throws {
        _ = try #require(Self.promtool, "promtool is needed (Debian's prometheus package; .ci/run installs it)")
        // Each throws with promtool's output when it fails.
        let check = try await runProgram(["promtool", "check", "rules", "tiffin-slo-rules.yml"], in: Self.directory)
        #expect(check.contains("SUCCESS"))
        let test = try await runProgram(["promtool", "test", "rules", "tiffin-slo-tests.yml"], in: Self.directory)
        #expect(test.contains("SUCCESS"))
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
