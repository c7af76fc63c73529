import Foundation
import Synchronization

/// The Python test peers under Tests/Peers, run from the virtual environment scripts/test.sh creates (.venv-peers).
public enum Peers {
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var python: String {
        if let override = ProcessInfo.processInfo.environment["VI_PEER_PYTHON"] { return override }
        return repositoryRoot.appendingPathComponent(".venv-peers/bin/python").path
    }

    /// A peer in Tests/Peers by name, or another script under Tests by its path there ("Browser/web_app_checks.py").
    public static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent(name.contains("/") ? "Tests/\(name)" : "Tests/Peers/\(name)").path
    }

    public struct MissingPython: Error, CustomStringConvertible {
        public var description: String { "the test peers' Python (\(Peers.python)) is missing: run ./scripts/test.sh, which creates .venv-peers" }
    }

    /// Runs a peer script to completion with `input` on stdin; returns stdout.
    public static func run(_ script: String, input: Data) throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: python) else { throw MissingPython() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [self.script(script)]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return output
    }
}

extension Peers {
    /// Runs a peer script with arguments to completion without holding a thread while it runs (the servers under test
    /// share this process's concurrency pool): output, stdout and stderr together, goes to a file read at the end.
    public static func run(_ script: String, arguments: [String]) async throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: python) else { throw MissingPython() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("peer-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [self.script(script)] + arguments
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try handle.close()
        return (status, String(decoding: try Data(contentsOf: log), as: UTF8.self))
    }
}

/// A long-running peer process: started with arguments, reports "PORT <n>" on its first line, and stops when its
/// standard input is closed.
public final class PeerProcess: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let stdin: Pipe

    public init(script: String, arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Peers.python) else { throw Peers.MissingPython() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Peers.python)
        process.arguments = [Peers.script(script)] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw PeerError(description: "peer \(script) did not report its port (got \"\(text)\")")
        }
        self.port = port
        self.process = process
        self.stdin = stdin
    }

    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    public func stop() {
        try? self.stdin.fileHandleForWriting.close()
        self.process.waitUntilExit()
    }

    deinit {
        if self.process.isRunning { self.process.terminate() }
    }

    struct PeerError: Error, CustomStringConvertible {
        let description: String
    }
}

/// A TCP port that was free a moment ago on 127.0.0.1 (for a server whose URL others need before it starts).
///
/// Chosen below Linux's ephemeral range (32768–60999), so an outgoing connection cannot take it as its local port
/// between this check and the server's bind, and never handed out twice in one test process (tests run in parallel).
public func freeLoopbackPort() throws -> Int {
    for _ in 0..<500 {
        let port = Int.random(in: 20_000...32_000)
        guard PortLedger.ports.withLock({ $0.insert(port).inserted }) else { continue }
        if canBindLoopback(port) { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

enum PortLedger {
    static let ports = Mutex<Set<Int>>([])
}

func canBindLoopback(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let length = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 } }
}

/// The MongoDB wire-protocol peer (Tests/Peers/mongo_peer.py), started once per test process; tests isolate
/// themselves by database name.
public enum MongoPeer {
    private static let shared = Result { try PeerProcess(script: "mongo_peer.py", arguments: []) }

    /// A connection string to a fresh database on the shared peer.
    public static func uri() throws -> String {
        let peer = try self.shared.get()
        return "mongodb://127.0.0.1:\(peer.port)/db\(UInt32.random(in: 0...UInt32.max))?directConnection=true"
    }
}
