import Dispatch
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs blocking work (pipes, waiting for processes, blocking sockets) on a thread of its own,
/// never on the cooperative pool — nor on Dispatch's global queue, which on Linux runs about one
/// thread per core: a few blocked readers there starve every other test's.
public func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result(catching: work)) }
    }
}

/// A fresh temporary directory, removed after `body`.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// Runs a program to completion (off the cooperative pool); throws with its output when it exits non-zero.
@discardableResult
public func runProgram(_ arguments: [String], in directory: URL) async throws -> String {
    try await offload {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestFailure(description: "\(arguments.joined(separator: " ")) failed: \(text)") }
        return text
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1 (cert.pem, key.pem in `directory`).
public func makeSelfSignedCertificate(in directory: URL) async throws -> (certificate: String, key: String) {
    try await runProgram(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem",
        ], in: directory)
    return (directory.appendingPathComponent("cert.pem").path, directory.appendingPathComponent("key.pem").path)
}

/// A TCP port on 127.0.0.1 that refuses connections: a socket bound (by the kernel's choice of port) but not listening,
/// so nothing else can take the port while `body` runs.
public func withClosedPort<T>(_ body: (Int) async throws -> T) async throws -> T {
    #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw TestFailure(description: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure(description: "bind() failed") }
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}

/// Runs a Python script (`$PYTHON` or python3) that prints the port it listens on as its first
/// line and exits when its stdin closes; runs `body` with that port, then stops the script
/// (closing its stdin, then terminating it) whatever happened. Its stderr goes to `directory`.
public func withPortPrintingPython<T>(_ arguments: [String], in directory: URL, _ body: (Int) async throws -> T) async throws -> T {
    let errorLog = directory.appendingPathComponent("stderr-\(UUID().uuidString).log")
    guard FileManager.default.createFile(atPath: errorLog.path, contents: nil) else {
        throw TestFailure(description: "cannot create \(errorLog.path)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"] + arguments
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorLog)
    try process.run()
    let stop = {
        try? input.fileHandleForWriting.close()  // the script exits when its stdin closes
        if process.isRunning { process.terminate() }
        _ = try? await offload { process.waitUntilExit() }
    }
    let firstLine: String
    do {
        let reader = output.fileHandleForReading
        firstLine = try await offload {
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    } catch {
        await stop()
        throw error
    }
    guard let port = Int(firstLine) else {
        await stop()
        let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
        throw TestFailure(description: "\(arguments.first ?? "script") did not start (printed '\(firstLine)'): \(log)")
    }
    do {
        let result = try await body(port)
        await stop()
        return result
    } catch {
        await stop()
        throw error
    }
}
