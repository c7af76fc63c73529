import Foundation

/// The built `voice-invoice` executable, run as a separate OS process (a role "on its own host").
public final class RoleProcess: @unchecked Sendable {
    public let port: Int
    public let arguments: [String]
    public let environment: [String: String]
    private let process: Process
    private let output: Pipe

    /// `swift build --build-tests` builds the executable next to the test bundle.
    public static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("voice-invoice").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Peers.repositoryRoot.appendingPathComponent(".build/debug/voice-invoice").path
    }

    /// Runs `voice-invoice <arguments>` to completion; returns the exit status, stdout and stderr.
    public static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.binary)
        process.arguments = arguments
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Starts `voice-invoice serve <role>` on `port` and waits until its `/healthz` answers.
    public init(role: String, port: Int, environment: [String: String]) async throws {
        self.port = port
        self.arguments = ["serve", role]
        var environment = environment
        environment["PORT"] = String(port)
        environment["HOST"] = environment["HOST"] ?? "127.0.0.1"
        environment["LOG_LEVEL"] = environment["LOG_LEVEL"] ?? "warning"
        self.environment = environment
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = self.arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process
        self.output = output
        // Drain the output so a chatty process never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
        try await self.waitUntilHealthy()
    }

    public var baseURL: String { "http://127.0.0.1:\(self.port)" }
    public var pid: Int32 { self.process.processIdentifier }
    public var terminationStatus: Int32 { self.process.terminationStatus }

    func waitUntilHealthy() async throws {
        for _ in 0..<200 {
            guard self.process.isRunning else { throw RoleProcessError(description: "\(self.arguments) exited with \(self.process.terminationStatus)") }
            if Self.healthy(port: self.port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RoleProcessError(description: "\(self.arguments) did not become healthy on port \(self.port)")
    }

    /// A blocking one-shot GET /healthz over a plain socket (no client library needed to tell "up").
    static func healthy(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return false }
        let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 12 && String(decoding: buffer.prefix(count), as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

    /// A crash: SIGKILL, no goodbye.
    public func kill() {
        Foundation.kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }

    /// What Render and Fly do on a deploy or scale-down.
    public func terminate() {
        Foundation.kill(self.process.processIdentifier, SIGTERM)
    }

    public func waitUntilExit() { self.process.waitUntilExit() }

    deinit {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, SIGKILL) }
        self.output.fileHandleForReading.readabilityHandler = nil
    }

    struct RoleProcessError: Error, CustomStringConvertible {
        let description: String
    }
}
