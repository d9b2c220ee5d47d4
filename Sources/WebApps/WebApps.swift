import Core
import Crypto
import Foundation

/// One file of the web apps, as served: its bytes, type and validator.
public struct WebAsset: Sendable {
    /// The path under `Web/`, e.g. `app/index.html`.
    public let path: String
    public let bytes: [UInt8]
    public let contentType: String
    /// A strong entity tag: the first 16 bytes of the SHA-256 of the bytes, in hex, quoted.
    public let etag: String

    /// Whether a browser's `If-None-Match` names this version.
    public func matches(ifNoneMatch header: String) -> Bool {
        header.split(separator: ",").contains { tag in
            let tag = tag.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/\(etag)"
        }
    }
}

/// The customer (`/app/`), restaurant (`/restaurant/`) and courier (`/courier/`) apps and the
/// module they share (`/shared/`): plain HTML, CSS and JavaScript modules, embedded in the binary
/// at build time (the EmbedWebFiles plugin), so `tiffin` serves them from any directory.
public enum WebApps {
    /// The apps, by the first segment of their path: those of `app` (customer), `restaurant` and
    /// `courier` that have a page in this build.
    public static let apps = ["app", "restaurant", "courier"].filter { embeddedWebFiles["\($0)/index.html"] != nil }
    /// The folders served: the apps and their shared module.
    public static let folders = apps + ["shared"]

    public static let assets: [String: WebAsset] = {
        var assets: [String: WebAsset] = [:]
        for (path, base64) in embeddedWebFiles {
            guard let data = Data(base64Encoded: base64) else { continue }
            let bytes = [UInt8](data)
            let digest = hexString(SHA256.hash(data: bytes).prefix(16))
            assets[path] = WebAsset(path: path, bytes: bytes, contentType: contentType(of: path), etag: "\"\(digest)\"")
        }
        return assets
    }()

    /// The file served at `path` (under `Web/`); a folder's path (`app/`) means its index.html.
    public static func asset(_ path: String) -> WebAsset? {
        assets[path.isEmpty || path.hasSuffix("/") ? path + "index.html" : path]
    }

    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last.map(String.init) ?? "" {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        case "webmanifest": "application/manifest+json"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
