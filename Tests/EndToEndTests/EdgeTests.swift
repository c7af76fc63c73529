import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit
import Synchronization
import TestSupport
import Testing

/// The gateway at the edge: CORS, rate limits, proxies, metrics, trace context, slow clients.
@Suite("The gateway at the edge", .serialized)
struct EdgeTests {
    /// swift-metrics takes one backend per process.
    static let metrics: Void = Observability.bootstrap()

    @Test func corsForTheConfiguredOriginsOnly() async throws {
        try await Cluster.run(gateway: ["CLIENT_URL": "https://app.example.com, http://localhost:5173"]) { c in
            let preflight = try await c.call(
                "OPTIONS", c.gateway + "/api/invoices",
                headers: [
                    ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "authorization, idempotency-key"),
                ]
            )
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == "https://app.example.com")
            #expect(preflight.header("access-control-allow-methods")?.contains("PATCH") == true)
            for header in ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match"] {
                #expect(preflight.header("access-control-allow-headers")?.contains(header) == true, "\(header)")
            }
            #expect(preflight.header("access-control-max-age") == "600")
            #expect(preflight.header("vary")?.contains("Origin") == true)

            let (token, _) = try await c.register("cors@example.com")
            let simple = try await c.call("GET", c.gateway + "/api/invoices", token: token, headers: [("Origin", "http://localhost:5173")])
            #expect(simple.status == 200)
            #expect(simple.header("access-control-allow-origin") == "http://localhost:5173")
            for exposed in ["ETag", "Location", "Content-Disposition", "Retry-After", "RateLimit", "RateLimit-Policy"] {
                #expect(simple.header("access-control-expose-headers")?.contains(exposed) == true, "\(exposed)")
            }
            // Even a refusal carries CORS headers, so the SPA can read it.
            let refused = try await c.call("GET", c.gateway + "/api/invoices", headers: [("Origin", "http://localhost:5173")])
            #expect(refused.status == 401 && refused.header("access-control-allow-origin") == "http://localhost:5173")

            // Another origin gets no CORS headers at all.
            let evilPreflight = try await c.call(
                "OPTIONS", c.gateway + "/api/invoices", headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
            #expect(evilPreflight.header("access-control-allow-origin") == nil && evilPreflight.header("access-control-allow-methods") == nil)
            let evil = try await c.call("GET", c.gateway + "/api/invoices", token: token, headers: [("Origin", "https://evil.example")])
            #expect(evil.header("access-control-allow-origin") == nil)
            // Hardening headers on every response.
            #expect(evil.header("x-content-type-options") == "nosniff")
            #expect(evil.header("referrer-policy") == "no-referrer")
            #expect(evil.header("x-frame-options") == "DENY")
            #expect(evil.header("cache-control") == "no-store")
            #expect(evil.header("strict-transport-security") == nil)  // not over HTTPS
        }
    }

    @Test func rateLimitsPerAddressPerUserAndOnSignIn() async throws {
        try await Cluster.run(gateway: ["RATE_LIMIT_ADDRESS": "30/60", "RATE_LIMIT_USER": "5/60", "RATE_LIMIT_SIGN_IN": "3/60"]) { c in
            // Sign-in: the fourth attempt from one address within the window is refused.
            let (token, first) = try await c.register("limits@example.com")
            #expect(first.status == 201)
            #expect(first.header("ratelimit-policy")?.contains("\"sign-in\";q=3;w=60") == true)
            for _ in 0..<2 {
                _ = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "limits@example.com", "password": "wrong password!"])
            }
            let stuffed = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "limits@example.com", "password": "correct horse battery"])
            #expect(stuffed.status == 429)
            #expect(stuffed.header("content-type") == "application/problem+json")
            #expect(Int(stuffed.header("retry-after") ?? "") ?? 0 >= 1)
            #expect(stuffed.header("ratelimit")?.hasPrefix("\"sign-in\";r=0;t=") == true)

            // Per user: 5 requests with one token, then 429, while the address still has room.
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(try await c.call("GET", c.gateway + "/api/invoices", token: token).status) }
            #expect(statuses == [200, 200, 200, 200, 200, 429])
            let limited = try await c.call("GET", c.gateway + "/api/invoices", token: token)
            #expect(limited.header("ratelimit")?.hasPrefix("\"user\";r=0") == true)
            // Without a token the address bucket still has room.
            #expect(try await c.call("GET", c.gateway + "/api/health").status == 200)

            // Per address: a made-up X-Forwarded-For is not believed without TRUST_PROXY, so it cannot buy a fresh bucket.
            var last = 0
            for n in 0..<40 {
                last = try await c.call("GET", c.gateway + "/.well-known/jwks.json", headers: [("X-Forwarded-For", "198.51.100.\(n)")]).status
                if last == 429 { break }
            }
            #expect(last == 429)
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() async throws {
        try await Cluster.run(gateway: ["RATE_LIMIT_ADDRESS": "2/60", "TRUST_PROXY": "1"]) { c in
            // Behind one trusted proxy, each forwarded client has its own bucket.
            for n in 0..<3 {
                let reply = try await c.call(
                    "GET", c.gateway + "/.well-known/jwks.json", headers: [("X-Forwarded-For", "203.0.113.\(n)"), ("X-Forwarded-Proto", "https")])
                #expect(reply.status == 200)
                #expect(reply.header("strict-transport-security")?.hasPrefix("max-age=") == true)
            }
            // The same client twice more is limited.
            _ = try await c.call("GET", c.gateway + "/.well-known/jwks.json", headers: [("X-Forwarded-For", "203.0.113.0")])
            #expect(try await c.call("GET", c.gateway + "/.well-known/jwks.json", headers: [("X-Forwarded-For", "203.0.113.0")]).status == 429)
        }
    }

    @Test func metricsArePresentAndCounting() async throws {
        _ = Self.metrics
        try await Cluster.run(
            gateway: ["RATE_LIMIT_ADDRESS": "1000/60", "RATE_LIMIT_SIGN_IN": "1/60"], services: ["METRICS_TOKEN": "metrics-token-0123456789"]
        ) { c in
            let (token, _) = try await c.register("metrics@example.com")
            for _ in 0..<3 { _ = try await c.call("GET", c.gateway + "/api/invoices", token: token) }
            _ = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Acme for 2 hours of design at 50 dollars"])
            _ = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "x@example.com", "password": "whatever it is"])  // 429
            // The gateway's /metrics answers on loopback without a token; the services' need theirs.
            let gateway = try await c.call("GET", c.gateway + "/metrics")
            #expect(gateway.status == 200)
            #expect(gateway.header("content-type")?.hasPrefix("text/plain") == true)
            let text = gateway.text
            #expect(text.contains("http_server_request_duration"))
            #expect(text.contains("upstream_request_duration_seconds_count{service=\"invoice\"}"))
            #expect(text.contains("rate_limit_rejections_total{limit=\"sign-in\"} 1"))
            #expect(text.contains("store_operation_duration_seconds_count{engine=\"sqlite\",operation=\"insert\"}"))
            #expect(try await c.call("GET", c.invoice + "/metrics").status == 401)
            // Without a token, a request that came through a proxy (say, a platform's edge from the internet) is refused.
            #expect(try await c.call("GET", c.gateway + "/metrics", headers: [("X-Forwarded-For", "203.0.113.7")]).status == 404)
            let invoice = try await c.call("GET", c.invoice + "/metrics", headers: [("Authorization", "Bearer metrics-token-0123456789")])
            #expect(invoice.status == 200)
            // The route template, not the id, labels requests.
            #expect(invoice.text.contains("/api/invoices/transcript"))
            // Counting: three more list requests move the counter by three.
            func listCount(_ text: String) -> Int {
                text.split(separator: "\n").filter {
                    $0.hasPrefix("http_server_request_duration_count") && $0.contains("http_route=\"/api/invoices\"") && $0.contains("\"GET\"")
                        && $0.contains("\"200\"")
                }
                .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
            }
            let before = listCount(try await c.call("GET", c.gateway + "/metrics").text)
            for _ in 0..<3 { _ = try await c.call("GET", c.gateway + "/api/invoices", token: token) }
            let after = listCount(try await c.call("GET", c.gateway + "/metrics").text)
            // One process, one registry: gateway and invoice both count each request, and other suites running in this
            // process at the same time (the browser journeys list invoices too) may add theirs, never take any away.
            #expect(after - before >= 6, "gateway and invoice both count each request: \(before) → \(after)")
            // /metrics is not under /api, so the gateway never proxies it to a service.
            #expect(try await c.call("GET", c.gateway + "/api/metrics", token: token).status == 404)
        }
    }

    @Test func traceparentReachesTheService() async throws {
        // A stand-in invoice service that records what it receives.
        let seen = Mutex<[String]>([])
        let router = Router()
        router.get("/api/invoices") { request, _ -> String in
            seen.withLock { $0.append(request.headers[HTTPField.Name("traceparent")!] ?? "-") }
            return "{}"
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var ports = stream.makeAsyncIterator()
        let port = try #require(await ports.next())
        try await Cluster.run(gateway: ["INVOICE_SERVICE_URL": "127.0.0.1:\(port)"]) { c in
            let (token, _) = try await c.register("trace@example.com")
            let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            _ = try await c.call("GET", c.gateway + "/api/invoices", token: token, headers: [("traceparent", incoming)])
            let forwarded = try #require(seen.withLock { $0.last })
            let parts = forwarded.split(separator: "-")
            #expect(parts.count == 4)
            #expect(parts[1] == "4bf92f3577b34da6a3ce929d0e0e4736")  // the same trace
            #expect(parts[2] != "00f067aa0ba902b7")  // the gateway's own span as the parent
            #expect(parts[3] == "01")
            // Without one (or with a malformed one), the gateway starts a trace.
            _ = try await c.call("GET", c.gateway + "/api/invoices", token: token, headers: [("traceparent", "garbage")])
            let fresh = try #require(seen.withLock { $0.last })
            #expect(fresh.hasPrefix("00-") && !fresh.contains("4bf92f3577b34da6a3ce929d0e0e4736"))
        }
    }

    @Test func aSlowClientIsCutOff() async throws {
        try await Cluster.run(common: ["BODY_READ_TIMEOUT_SECONDS": "1"]) { c in
            let (token, _) = try await c.register("slow@example.com")
            let port = Int(c.gateway.split(separator: ":").last!)!
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            #expect(connected)
            // Headers promise 1000 bytes; 10 arrive, then nothing.
            let head =
                "POST /api/invoices/transcript HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"transcri"
            _ = head.withCString { send(fd, $0, strlen($0), 0) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            // The receive timeout (5 s) is only a guard against a hang: a 408 at all means the server cut the body off.
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            let answer = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        }
    }
}
