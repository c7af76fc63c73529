import Foundation
import HTTPClient
import ServiceKit
import TestSupport
import Testing

/// The four roles as four separate OS processes, plus a second invoice replica, sharing nothing but MongoDB (the
/// wire-protocol peer), with RS256 where only the gateway holds the private key and the others fetch its JWK Set.
@Suite("Four processes, one MongoDB", .serialized)
struct MultiHostTests {
    struct Deployment {
        var common: [String: String]
        var gatewayEnvironment: [String: String]
        var serviceEnvironment: [String: String]
        var ports: [String: Int]
    }

    static func json(_ response: CurlResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    @Test func survivesRestartsAndALostReplica() async throws {
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let keys = try RoleProcess.run(["token", "keygen", "--alg", "RS256"], environment: ["PATH": "/usr/bin:/bin"]).stdout
        let privateKey = try #require(keys.components(separatedBy: "-----BEGIN PUBLIC KEY-----").first)
        let ports = [
            "gateway": try freeLoopbackPort(), "auth": try freeLoopbackPort(), "user": try freeLoopbackPort(), "invoice1": try freeLoopbackPort(),
            "invoice2": try freeLoopbackPort(),
        ]
        let mongo = try MongoPeer.uri()
        let gatewayURL = "http://127.0.0.1:\(ports["gateway"]!)"
        // Nothing on disk is shared: each process gets its own DATA_DIR, and only MongoDB holds state.
        func environment(_ name: String) -> [String: String] {
            var environment = [
                "JWT_ALG": "RS256", "MONGODB_URI": mongo,
                "DATA_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("mh-\(name)-\(UUID().uuidString)").path,
            ]
            if name == "gateway" || name == "auth" { environment["AUTH_SERVICE_KEY"] = "multi-host-service-key-0123456789abcdef" }
            if name == "gateway" {
                environment["JWT_PRIVATE_KEY"] = privateKey
                environment["AUTH_SERVICE_URL"] = "127.0.0.1:\(ports["auth"]!)"
                environment["USER_SERVICE_URL"] = "127.0.0.1:\(ports["user"]!)"
                // Two invoice replicas behind one service URL.
                environment["INVOICE_SERVICE_URL"] = "127.0.0.1:\(ports["invoice1"]!), 127.0.0.1:\(ports["invoice2"]!)"
            } else {
                environment["JWKS_URL"] = gatewayURL + "/.well-known/jwks.json"
            }
            if name.hasPrefix("invoice") { environment["USER_SERVICE_URL"] = "127.0.0.1:\(ports["user"]!)" }
            return environment
        }
        func start(_ name: String) async throws -> RoleProcess {
            try await RoleProcess(role: name.hasPrefix("invoice") ? "invoice" : name, port: ports[name]!, environment: environment(name))
        }
        var gateway = try await start("gateway")
        var auth = try await start("auth")
        let user = try await start("user")
        let invoice1 = try await start("invoice1")
        let invoice2 = try await start("invoice2")
        // Each object is its process: keep them alive to the end of the test, and stop them then.
        defer {
            user.kill()
            invoice2.kill()
        }

        func call(_ method: String, _ url: String, token: String? = nil, json: Any? = nil) async throws -> CurlResponse {
            var headers: [(name: String, value: String)] = []
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            var body: [UInt8]?
            if let json {
                body = Array(try JSONSerialization.data(withJSONObject: json))
                headers.append(("Content-Type", "application/json"))
            }
            return try await http.execute(CurlRequest(method: method, url: url, headers: headers, body: body))
        }

        // Sign in through the gateway (auth stores the account and the refresh family in MongoDB).
        let registered = try await call(
            "POST", gatewayURL + "/api/auth/register", json: ["email": "multi@example.com", "password": "correct horse battery", "name": "M"])
        #expect(registered.status == 201)
        let access = try #require(Self.json(registered)["accessToken"] as? String)
        let refresh = try #require(Self.json(registered)["refreshToken"] as? String)
        #expect(
            try await call(
                "POST", gatewayURL + "/api/invoices/transcript", token: access, json: ["transcript": "Bill Acme for 2 hours of design at 50 dollars"]
            ).status == 201)

        // The auth process dies: the access token still works at user and invoice, which verify it themselves.
        auth.kill()
        #expect(try await call("GET", "http://127.0.0.1:\(ports["user"]!)/api/users/me", token: access).status == 200)
        #expect(try await call("GET", "http://127.0.0.1:\(ports["invoice1"]!)/api/invoices", token: access).status == 200)
        #expect(try await call("GET", gatewayURL + "/api/users/me", token: access).status == 200)
        #expect(
            try await call("POST", gatewayURL + "/api/auth/login", json: ["email": "multi@example.com", "password": "correct horse battery"]).status == 502)
        auth = try await start("auth")
        #expect(
            try await call("POST", gatewayURL + "/api/auth/login", json: ["email": "multi@example.com", "password": "correct horse battery"]).status == 200)

        // One invoice replica dies: every request still succeeds on the other, reads and writes alike.
        invoice1.kill()
        for n in 0..<6 {
            #expect(try await call("GET", gatewayURL + "/api/invoices", token: access).status == 200, "read \(n)")
        }
        #expect(
            try await call(
                "POST", gatewayURL + "/api/invoices/transcript", token: access, json: ["transcript": "Bill Globex for 1 hour of review at 80 dollars"]
            ).status == 201)
        let listed = Self.json(try await call("GET", gatewayURL + "/api/invoices", token: access))
        #expect((listed["items"] as? [Any])?.count == 2)  // both invoices, whichever replica wrote them: the state is in MongoDB

        // The gateway restarts: refresh still works (the family is in MongoDB, the key is the same), and the new
        // access token is accepted by services that fetched the JWK Set before the restart.
        gateway.kill()
        gateway = try await start("gateway")
        let refreshed = try await call("POST", gatewayURL + "/api/auth/refresh", json: ["refreshToken": refresh])
        #expect(refreshed.status == 200)
        let renewed = try #require(Self.json(refreshed)["accessToken"] as? String)
        #expect(try await call("GET", "http://127.0.0.1:\(ports["user"]!)/api/users/me", token: renewed).status == 200)
        #expect(try await call("GET", gatewayURL + "/api/invoices", token: renewed).status == 200)
        gateway.kill()
        auth.kill()
    }

    /// SIGTERM (what Render and Fly send) lets an in-flight request finish, then the process exits by itself.
    @Test func sigtermDrainsInFlightRequests() async throws {
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-drain"])
        defer { peer.stop() }
        let secret = String(repeating: "d", count: 40)
        let userPort = try freeLoopbackPort()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("drain-\(UUID().uuidString)").path
        let user = try await RoleProcess(role: "user", port: userPort, environment: ["JWT_SECRET": secret, "DATA_DIR": data])
        let invoice = try await RoleProcess(
            role: "invoice", port: try freeLoopbackPort(),
            environment: [
                "JWT_SECRET": secret, "DATA_DIR": data, "USER_SERVICE_URL": "127.0.0.1:\(userPort)", "OPENAI_API_KEY": "sk-drain",
                "OPENAI_BASE_URL": peer.baseURL + "/v1", "SHUTDOWN_GRACE_SECONDS": "10",
            ]
        )
        defer { user.kill() }
        let token = try TokenService(secret: Array(secret.utf8), issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900)
            .issueAccessToken(userID: "0123456789abcdef0123456789abcdef", email: nil, name: nil)
        // The provider takes 1.5 s to answer; SIGTERM arrives while the request waits for it.
        _ = try await http.execute(
            CurlRequest(
                method: "POST", url: peer.baseURL + "/test/script", headers: [("Content-Type", "application/json")], body: Array(#"{"delay": 1.5}"#.utf8)))
        let request = Task {
            try await http.execute(
                CurlRequest(
                    method: "POST", url: invoice.baseURL + "/api/invoices/transcript",
                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                    body: Array(#"{"transcript": "Bill Acme for 2 hours of design at 50 dollars"}"#.utf8)
                )
            )
        }
        try await Task.sleep(for: .milliseconds(400))
        invoice.terminate()
        let response = try await request.value
        #expect(response.status == 201, "\(String(decoding: response.body, as: UTF8.self))")
        invoice.waitUntilExit()
        #expect(invoice.terminationStatus == 0)
        // Closed for new work.
        await #expect(throws: (any Error).self) { try await http.execute(CurlRequest(url: invoice.baseURL + "/healthz", connectTimeout: .seconds(1))) }
    }

    /// HOST=:: serves IPv6 and IPv4 (Fly's .internal addresses are IPv6).
    @Test func dualStackListener() async throws {
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let port = try freeLoopbackPort()
        let user = try await RoleProcess(
            role: "user", port: port,
            environment: [
                "HOST": "::", "JWT_SECRET": String(repeating: "v", count: 40),
                "DATA_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("v6-\(UUID().uuidString)").path,
            ]
        )
        #expect(try await http.execute(CurlRequest(url: "http://127.0.0.1:\(port)/healthz")).status == 200)
        #expect(try await http.execute(CurlRequest(url: "http://[::1]:\(port)/healthz")).status == 200)
        user.kill()
    }

    /// Large uploads pass through the gateway as streams: eight concurrent 4 MiB audio uploads grow the gateway's
    /// resident memory by far less than the 32 MiB they add up to (held whole, each would cost three copies).
    @Test func largeUploadsStreamThroughTheGateway() async throws {
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-stream"])
        defer { peer.stop() }
        let secret = String(repeating: "u", count: 40)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID().uuidString)").path
        let invoice = try await RoleProcess(
            role: "invoice", port: try freeLoopbackPort(),
            environment: [
                "JWT_SECRET": secret, "DATA_DIR": data, "USER_SERVICE_URL": "127.0.0.1:1", "OPENAI_API_KEY": "sk-stream",
                "OPENAI_BASE_URL": peer.baseURL + "/v1",
            ]
        )
        let gateway = try await RoleProcess(
            role: "gateway", port: try freeLoopbackPort(),
            environment: [
                "JWT_SECRET": secret, "AUTH_SERVICE_KEY": String(repeating: "a", count: 40), "DATA_DIR": data, "AUTH_SERVICE_URL": "127.0.0.1:1",
                "USER_SERVICE_URL": "127.0.0.1:1",
                "INVOICE_SERVICE_URL": "127.0.0.1:\(invoice.port)",
            ]
        )
        let token = try TokenService(secret: Array(secret.utf8), issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900)
            .issueAccessToken(userID: "0123456789abcdef0123456789abcdef", email: nil, name: nil)
        // A WAV header, then 4 MiB of silence.
        let wav = TestAudio.silentWAV(bytes: 4 * 1024 * 1024)
        let boundary = "stream-boundary"
        let body =
            Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"big.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8) + wav
            + Array("\r\n--\(boundary)--\r\n".utf8)
        func rss(_ pid: Int32) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        // Warm up (first connections, allocator pools), then measure.
        _ = try await http.execute(CurlRequest(url: gateway.baseURL + "/healthz"))
        let before = try rss(gateway.pid)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await http.execute(
                        CurlRequest(
                            method: "POST", url: gateway.baseURL + "/api/transcriptions",
                            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body,
                            timeout: .seconds(120)
                        )
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let after = try rss(gateway.pid)
        #expect(statuses == Array(repeating: 200, count: 8))
        #expect(after - before < 16 * 1024 * 1024, "gateway RSS grew by \((after - before) / 1024 / 1024) MiB for 32 MiB of uploads")
        gateway.kill()
        invoice.kill()
    }

    /// Oversized bodies on small routes are refused without being read: eight concurrent 20 MiB bodies with an
    /// Idempotency-Key on the 4 KiB payments route, declared and chunked, grow the invoice process by far less than
    /// the 160 MiB they add up to (before, each was buffered whole by the idempotency middleware).
    @Test func oversizedBodiesOnSmallRoutesCostNothing() async throws {
        let secret = String(repeating: "m", count: 40)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("oversize-\(UUID().uuidString)").path
        let invoice = try await RoleProcess(
            role: "invoice", port: try freeLoopbackPort(), environment: ["JWT_SECRET": secret, "DATA_DIR": data, "USER_SERVICE_URL": "127.0.0.1:1"])
        defer { invoice.kill() }
        let token = try TokenService(secret: Array(secret.utf8), issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900)
            .issueAccessToken(userID: "0123456789abcdef0123456789abcdef", email: nil, name: nil)
        func rss() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(invoice.pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        let size = 20 * 1024 * 1024
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let target = "/api/invoices/0123456789abcdef0123456789abcdef/payments"
        let common = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Idempotency-Key", "oversize")]
        let declared = RawHTTP.request("POST", target, headers: common + [("Content-Length", String(size))], body: filler)
        var chunkedBody = Array(String(size, radix: 16).utf8) + [13, 10] + filler + Array("\r\n0\r\n\r\n".utf8)
        let chunked = RawHTTP.request("POST", target, headers: common + [("Transfer-Encoding", "chunked")], body: chunkedBody)
        chunkedBody = []
        _ = try await RawHTTP.send(port: invoice.port, RawHTTP.request("GET", "/healthz"))
        let before = try rss()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                let bytes = index % 2 == 0 ? declared : chunked
                group.addTask { try await RawHTTP.send(port: invoice.port, bytes, timeout: 30).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let after = try rss()
        #expect(statuses == Array(repeating: 413, count: 8), "\(statuses)")
        #expect(after - before < 16 * 1024 * 1024, "the invoice role grew by \((after - before) / 1024 / 1024) MiB for 160 MiB of refused bodies")
        // And it still answers at once.
        #expect(try await RawHTTP.send(port: invoice.port, RawHTTP.request("GET", "/healthz")).status == 200)
    }
}
