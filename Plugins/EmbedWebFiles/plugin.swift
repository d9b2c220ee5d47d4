import Foundation
import PackagePlugin

/// Embeds every file under the target's `Web/` folder in the binary: a generated Swift file maps
/// each path (relative to `Web/`) to its bytes, so the apps are served by `tiffin` from any
/// directory with nothing beside it. SwiftPM's own `.embedInCode` names each file by its base
/// name alone, and the apps' `index.html` files share one.
@main
struct EmbedWebFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let web = target.directoryURL.appending(path: "Web")
        let files = (FileManager.default.enumerator(at: web, includingPropertiesForKeys: [.isRegularFileKey])?.allObjects ?? [])
            .compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedWebFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) web files of \(target.name)",
                executable: try context.tool(named: "EmbedWebFilesTool").url,
                arguments: [web.path, output.path],
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
