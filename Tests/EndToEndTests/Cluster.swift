import Auth
import Foundation
import Gateway
import HTTPClient
import Invoices
import Logging
import ServiceKit
import ServiceLifecycle
import TestSupport
import Users

/// The four roles as four separate servers on ephemeral loopback ports, wired by URL exactly as when deployed apart.
struct Cluster {
    static let secret = "e2e-secret-0123456789abcdef0123456789abcdef"
    /// The gateway's and auth's service-token key (deployed, the user and invoice roles never get it; here every role's
    /// settings carry it, and only the gateway and auth use it).
    static let serviceKey = "e2e-service-key-0123456789abcdef0123456789"
    var gateway: String
    var auth: String
    var user: String
    var invoice: String
    let http: CurlHTTPClient
    var dataDirectory: String = ""

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }

    static func environment(dataDirectory: String, extra: [String: String] = [:]) -> [String: String] {
        // Rate limits far above what a test sends, unless a test sets its own.
        var environment = [
            "JWT_SECRET": secret, "AUTH_SERVICE_KEY": serviceKey, "HOST": "127.0.0.1", "PORT": "0", "DATA_DIR": dataDirectory,
            "RATE_LIMIT_ADDRESS": "100000/60",
            "RATE_LIMIT_SIGN_IN": "100000/60", "RATE_LIMIT_USER": "100000/60",
        ].merging(extra) { $1 }
        if let algorithm = environment["JWT_ALG"], algorithm != "HS256" { environment["JWT_SECRET"] = nil }
        return environment
    }

    /// Starts a service, waits until it listens, and returns its port.
    static func start(
        _ make: (@escaping @Sendable (Int) async -> Void) async throws -> any Service,
        tasks: inout ThrowingTaskGroup<Void, any Error>, groups: inout [ServiceGroup]
    ) async throws -> Int {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = try await make { continuation.yield($0) }
        let group = ServiceGroup(services: [service], logger: quietLogger("cluster"))
        groups.append(group)
        // If the service stops before it listens (a port taken, a bad configuration), the stream ends and the test
        // fails instead of waiting for a port forever.
        tasks.addTask {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ServiceDidNotStart() }
        return port
    }

    /// Starts auth, user, invoice, then the gateway, on ephemeral ports (the gateway's chosen up front, so that
    /// "{gateway}" in `services` values can name it, e.g. JWKS_URL). `common` goes to every role, `gateway` and
    /// `services` to the gateway and to the other three.
    static func run(
        common: [String: String] = [:], gateway gatewayExtra: [String: String] = [:], services servicesExtra: [String: String] = [:],
        gatewayPort chosenPort: Int? = nil, _ body: (Cluster) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let gatewayPort = try chosenPort ?? freeLoopbackPort()
        let gatewayURL = "http://127.0.0.1:\(gatewayPort)"
        let services = servicesExtra.mapValues { $0.replacingOccurrences(of: "{gateway}", with: gatewayURL) }
        let gatewayExtra = gatewayExtra.mapValues { $0.replacingOccurrences(of: "{gateway}", with: gatewayURL) }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            var groups: [ServiceGroup] = []
            var failure: (any Error)?
            do {
                func env(_ extra: [String: String]) -> [String: String] { environment(dataDirectory: directory, extra: common.merging(extra) { $1 }) }
                let base = try Settings(environment: env(services))
                let auth = try await start(
                    { try await AuthRole.buildApplication(settings: base, logger: quietLogger("auth"), onServerRunning: $0) }, tasks: &tasks, groups: &groups)
                let user = try await start(
                    { try await UserRole.buildApplication(settings: base, logger: quietLogger("user"), onServerRunning: $0) }, tasks: &tasks, groups: &groups)
                let invoiceSettings = try Settings(environment: env(services.merging(["USER_SERVICE_URL": "127.0.0.1:\(user)"]) { $1 }))
                let invoice = try await start(
                    { try await InvoiceRole.buildApplication(settings: invoiceSettings, logger: quietLogger("invoice"), onServerRunning: $0) }, tasks: &tasks,
                    groups: &groups
                )
                // The three forms Render gives: host:port, a full URL, and host:port again.
                let gatewaySettings = try Settings(
                    environment: env(
                        [
                            "PORT": String(gatewayPort), "AUTH_SERVICE_URL": "127.0.0.1:\(auth)", "USER_SERVICE_URL": "http://127.0.0.1:\(user)/",
                            "INVOICE_SERVICE_URL": "127.0.0.1:\(invoice)",
                        ].merging(gatewayExtra) { $1 }
                    )
                )
                _ = try await start(
                    { try await GatewayRole.buildApplication(settings: gatewaySettings, logger: quietLogger("gateway"), onServerRunning: $0) }, tasks: &tasks,
                    groups: &groups
                )
                let cluster = Cluster(
                    gateway: gatewayURL, auth: "http://127.0.0.1:\(auth)", user: "http://127.0.0.1:\(user)", invoice: "http://127.0.0.1:\(invoice)", http: http,
                    dataDirectory: directory
                )
                try await body(cluster)
            } catch {
                failure = error
            }
            for group in groups { await group.triggerGracefulShutdown() }
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }
}

struct ServiceDidNotStart: Error {}

/// A response as the tests look at it.
struct Reply {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { self.headers.last { $0.name.lowercased() == name.lowercased() }?.value }
    var text: String { String(decoding: self.body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:] }
}

extension Cluster {
    func call(
        _ method: String, _ url: String, token: String? = nil, json: Any? = nil, raw: [UInt8]? = nil, contentType: String? = nil,
        headers extra: [(name: String, value: String)] = []
    ) async throws -> Reply {
        var headers = extra
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var body = raw
        if let json {
            body = Array(try JSONSerialization.data(withJSONObject: json))
            headers.append(("Content-Type", contentType ?? "application/json"))
        } else if let contentType {
            headers.append(("Content-Type", contentType))
        }
        let response = try await self.http.execute(CurlRequest(method: method, url: url, headers: headers, body: body))
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    /// Waits until nothing listens at `base` any more (a server that was told to shut down has closed its socket).
    func waitUntilClosed(_ base: String) async throws {
        for _ in 0..<100 {
            do {
                _ = try await self.http.execute(CurlRequest(url: base + "/healthz", timeout: .seconds(1)))
            } catch let error as HTTPClientError where error.code == .connectFailed {
                return
            } catch {}
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServiceDidNotStart()
    }

    /// Registers through the gateway and returns the access token.
    func register(_ email: String, name: String = "Tester", password: String = "correct horse battery") async throws -> (token: String, reply: Reply) {
        let reply = try await self.call("POST", self.gateway + "/api/auth/register", json: ["email": email, "password": password, "name": name])
        return (reply.json["accessToken"] as? String ?? "", reply)
    }
}
