import Foundation
import ServiceKit
import TestSupport
import Testing

/// Every public route, sent malformed and extreme input — bodies, content types, query strings, headers, paths, ids and
/// HTTP framing — through the gateway and straight to the services. Each answer must be a 4xx problem+json (or a
/// success, for input that is odd but valid), never a 5xx or a dropped connection, and every role must still answer
/// `/healthz` at once afterwards.
@Suite("Hostile input on every route", .serialized)
struct HostileInputTests {
    struct Route {
        var method: String
        var path: String
        var json = true
    }

    static func port(_ url: String) -> Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    static let bodies: [[UInt8]] = {
        var bodies: [String] = [
            "", "{", "}", "[]", "null", "\"x\"", "1e999999", "-0", "{\"a\":}", "{\"a\":1,\"a\":2}", "{\"\u{0}\":\"\u{0}\"}",
            String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 20_000),
            "{\"transcript\":1}", "{\"transcript\":\"\(String(repeating: " ", count: 9000))\"}",
            "{\"transcript\":\"Bill Acme for 2 hours at 85 dollars, due in 400000000000000000 months\"}",
            "{\"transcript\":\"Bill Acme,\u{301}\u{200B}: 2 hours\u{200D} at $\u{301}85\u{202E} dollars\u{FEFF}\"}",
            "{\"transcript\":\"Bill Acme for \(String(repeating: "million ", count: 200))hours at 9999999999999999999999999 dollars\"}",
            "{\"transcript\":\"\(String(repeating: "bill ", count: 1900))\"}",
            "{\"items\":[{\"description\":\"x\",\"quantity\":1e300,\"unitPrice\":9223372036854775807}],\"client\":{\"name\":\"A\"}}",
            "{\"items\":[{\"description\":\"x\",\"quantity\":999999999999,\"unitPrice\":999999999999999}],\"client\":{\"name\":\"A\"}}",
            "{\"items\":[{\"description\":\"x\",\"quantity\":-1,\"unitPrice\":-9223372036854775808,\"taxRate\":1e-300,\"discountRate\":101}],\"client\":{\"name\":\"A\"}}",
            "{\"items\":\"x\",\"client\":{\"name\":\"\u{202E}\u{0}\"},\"issueDate\":\"99999-01-01\",\"dueDate\":\"2026-02-30\"}",
            "{\"items\":[{\"description\":\"x\",\"quantity\":\"12\",\"unitPrice\":\"85.00\"}],\"discountPercent\":10}",
            "{\"amount\":-9223372036854775808}", "{\"amount\":9223372036854775807}", "{\"amount\":\"500.00\"}", "{\"amount\":500.5}", "{\"amount\":1e400}",
            "{\"email\":\"a\u{0}@b.example\",\"password\":\"\(String(repeating: "p", count: 5000))\",\"name\":\"\u{202E}evil\"}",
            "{\"email\":\"\(String(repeating: "a", count: 10000))@b.c\",\"password\":1,\"name\":[]}",
            "{\"refreshToken\":\"\(String(repeating: "A", count: 3000))\"}", "{\"code\":null}", "{\"idToken\":\"a.b.c\",\"password\":\"x\"}",
            "{\"name\":\"\",\"aliases\":[\"\(String(repeating: "x", count: 300))\"],\"taxRate\":\"8.25\",\"paymentTermsDays\":99999999999999999999}",
            "{\"companyName\":\"\u{7F}\",\"defaultCurrency\":\"XXX\",\"timeZone\":\"../../etc/passwd\",\"taxRate\":-1,\"defaultPaymentTermsDays\":-5,\"invoicePrefix\":\"\u{202E}\"}",
            "{\"notes\":\(String(repeating: "[", count: 50))}",
            "{\"currency\":\"JPY\",\"items\":[{\"description\":\"x\",\"quantity\":0.0001,\"unitPrice\":1}]}",
        ]
        bodies.append("{\"transcript\":\"" + String(repeating: "\\u0000", count: 2000) + "\"}")
        var raw = bodies.map { Array($0.utf8) }
        raw.append([0xFF, 0xFE, 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])  // invalid UTF-8
        raw.append(Array("{\"transcript\":\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"}".utf8))  // a lone surrogate in UTF-8
        return raw
    }()

    static let contentTypes = [
        "application/json", ";", "", "application/json;", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
        "application/json; charset=utf-16",
    ]
    static let queries = [
        "limit=-1", "limit=0", "limit=1e9", "limit=99999999999999999999999", "cursor=%25%25%25", "cursor=AAAA", "cursor=" + String(repeating: "A", count: 6000),
        "status=x", "status=overdue", "from=2026-13-45", "to=9999-99-99&from=0000-00-00", "q=" + String(repeating: "%C3%A9", count: 400), "q=%00%01",
        "sort=recent&limit=100", "format=xml", "format=json&status=draft", "clientId=..%2F..", "limit=50&limit=-3", "%ZZ=%ZZ",
        "a=" + String(repeating: "b", count: 8000),
    ]

    func expectSane(_ reply: Reply, _ what: String) {
        #expect(reply.status < 500, "\(what): \(reply.status) \(reply.text.prefix(300))")
        // Requests the HTTP parser itself rejects (a DEL in a header, two Content-Length values) get Hummingbird's bare
        // 400 and a closed connection before any middleware runs: a client error, without a problem body.
        let parserRefusal = reply.status == 400 && reply.body.isEmpty && reply.header("connection") == "close"
        if reply.status >= 400, !parserRefusal {
            #expect(
                reply.header("content-type") == "application/problem+json",
                "\(what): \(reply.status) has content type \(reply.header("content-type") ?? "none")")
        }
    }

    func expectSane(_ reply: RawHTTP.Reply, _ what: String) {
        #expect(reply.status < 500 && reply.status >= 200, "\(what): \(reply.status) \(reply.text.prefix(300))")
    }

    @Test func everyRouteAnswersEveryProbeWithAClientError() async throws {
        // Google configured against its peer, so that its routes do their work instead of answering "not configured".
        let google = try PeerProcess(script: "google_peer.py", arguments: ["--client-id", "hostile-web", "--client-secret", "hostile-secret"])
        defer { google.stop() }
        try await Cluster.run(
            common: ["BODY_READ_TIMEOUT_SECONDS": "2"],
            gateway: [
                "GOOGLE_CLIENT_ID": "hostile-web", "GOOGLE_CLIENT_SECRET": "hostile-secret", "GOOGLE_REDIRECT_URI": "{gateway}/api/auth/google/callback",
                "CLIENT_URL": "http://127.0.0.1:9/app", "GOOGLE_AUTH_URL": google.baseURL + "/o/oauth2/v2/auth", "GOOGLE_TOKEN_URL": google.baseURL + "/token",
                "GOOGLE_JWKS_URL": google.baseURL + "/oauth2/v3/certs",
            ]
        ) { c in
            let (token, _) = try await c.register("hostile@example.com")
            let draft = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Acme for 2 hours of design at 85 dollars"])
            let draftID = try #require(draft.json["id"] as? String)
            let final = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Globex for 1 logo at 50 dollars"])
            let finalID = try #require(final.json["id"] as? String)
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(finalID)/finalize", token: token).status == 200)
            let clientID = try #require(
                (try await c.call("GET", c.gateway + "/api/clients", token: token).json["items"] as? [[String: Any]])?.first?["id"] as? String)
            let entryID = try #require(
                (try await c.call("GET", c.gateway + "/api/catalog", token: token).json["items"] as? [[String: Any]])?.first?["id"] as? String)

            let ids = [draftID, finalID, "x", "%2e%2e", String(repeating: "a", count: 4000), "%C3%A9", "0123456789abcdef0123456789abcdef", "\(draftID)%00"]
            var routes: [Route] = [
                .init(method: "POST", path: "/api/auth/register"), .init(method: "POST", path: "/api/auth/login"),
                .init(method: "POST", path: "/api/auth/refresh"),
                .init(method: "POST", path: "/api/auth/logout"), .init(method: "POST", path: "/api/auth/logout-all"),
                .init(method: "POST", path: "/api/auth/exchange"),
                .init(method: "POST", path: "/api/auth/google/token"), .init(method: "POST", path: "/api/auth/google/link"),
                .init(method: "GET", path: "/api/auth/google/start", json: false), .init(method: "GET", path: "/api/auth/google/callback", json: false),
                .init(method: "GET", path: "/api/auth/me", json: false), .init(method: "GET", path: "/.well-known/jwks.json", json: false),
                .init(method: "GET", path: "/api/health", json: false), .init(method: "GET", path: "/api/users/me", json: false),
                .init(method: "PATCH", path: "/api/users/me"),
                .init(method: "POST", path: "/api/invoices"), .init(method: "POST", path: "/api/invoices/transcript"),
                .init(method: "GET", path: "/api/invoices", json: false),
                .init(method: "GET", path: "/api/invoices/export", json: false), .init(method: "GET", path: "/api/clients", json: false),
                .init(method: "POST", path: "/api/clients"),
                .init(method: "GET", path: "/api/catalog", json: false), .init(method: "DELETE", path: "/api/catalog/\(entryID)", json: false),
            ]
            for id in ids {
                routes += [
                    .init(method: "GET", path: "/api/invoices/\(id)", json: false), .init(method: "PATCH", path: "/api/invoices/\(id)"),
                    .init(method: "POST", path: "/api/invoices/\(id)/regenerate"), .init(method: "POST", path: "/api/invoices/\(id)/finalize"),
                    .init(method: "POST", path: "/api/invoices/\(id)/send"), .init(method: "POST", path: "/api/invoices/\(id)/payments"),
                    .init(method: "POST", path: "/api/invoices/\(id)/void"), .init(method: "GET", path: "/api/invoices/\(id)/pdf", json: false),
                    .init(method: "GET", path: "/api/clients/\(id)", json: false), .init(method: "PATCH", path: "/api/clients/\(id)"),
                ]
            }
            routes += [
                .init(method: "DELETE", path: "/api/invoices/\(draftID)", json: false), .init(method: "DELETE", path: "/api/clients/\(clientID)", json: false),
            ]

            var probes = 0
            for route in routes {
                let url = c.gateway + route.path
                if route.json {
                    for body in Self.bodies {
                        let reply = try await c.call(
                            route.method, url, token: token, raw: body, contentType: "application/json", headers: [("Idempotency-Key", "hostile-\(probes)")])
                        self.expectSane(reply, "\(route.method) \(route.path) body \(String(decoding: body.prefix(60), as: UTF8.self))")
                        probes += 1
                    }
                    for type in Self.contentTypes {
                        let reply = try await c.call(route.method, url, token: token, raw: Array("{}".utf8), contentType: type)
                        self.expectSane(reply, "\(route.method) \(route.path) content type \(type)")
                        probes += 1
                    }
                } else {
                    for query in Self.queries {
                        let reply = try await c.call(route.method, url + "?" + query, token: token)
                        self.expectSane(reply, "\(route.method) \(route.path)?\(query.prefix(60))")
                        probes += 1
                    }
                }
                for (name, value) in [
                    ("If-Match", "garbage"), ("If-Match", String(repeating: "\"a\", ", count: 300)), ("If-None-Match", "W/\"\""), ("If-None-Match", "*, *"),
                    ("Idempotency-Key", String(repeating: "k", count: 300)), ("Idempotency-Key", "a b"), ("Authorization", "Bearer"),
                    ("Authorization", "Bearer a.b.c"),
                    ("Authorization", "Basic eDp5"), ("Authorization", "Bearer " + String(repeating: "A", count: 15_000)), ("Accept", "\u{7F}"),
                    ("traceparent", "00-zz-zz-zz"),
                    ("X-Forwarded-For", "::ffff:999.1.1.1, [::1]"), ("Content-Length", "5, 6"),
                ] {
                    let reply = try await c.call(
                        route.method, url, raw: route.json ? Array("{}".utf8) : nil, contentType: route.json ? "application/json" : nil,
                        headers: [(name, value)])
                    self.expectSane(reply, "\(route.method) \(route.path) header \(name): \(value.prefix(40))")
                    probes += 1
                }
            }

            // HTTP framing, byte for byte, at the gateway and at each service.
            let authorization = ("Authorization", "Bearer \(token)")
            let framing: [(String, [UInt8])] = [
                (
                    "Content-Type: ;",
                    RawHTTP.request("POST", "/api/auth/logout", headers: [("Content-Type", ";"), ("Content-Length", "2")], body: Array("{}".utf8))
                ),
                (
                    "bad chunk size",
                    RawHTTP.request(
                        "POST", "/api/invoices/transcript", headers: [authorization, ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
                        body: Array("zz\r\n{}\r\n0\r\n\r\n".utf8))
                ),
                (
                    "huge chunk size",
                    RawHTTP.request(
                        "POST", "/api/invoices", headers: [authorization, ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
                        body: Array("ffffffffffffffffffffffff\r\n{}\r\n0\r\n\r\n".utf8))
                ),
                (
                    "chunk without CRLF",
                    RawHTTP.request(
                        "PATCH", "/api/users/me", headers: [authorization, ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
                        body: Array("2\r\n{}XX0\r\n\r\n".utf8))
                ),
                (
                    "short body",
                    RawHTTP.request(
                        "POST", "/api/auth/login", headers: [("Content-Type", "application/json"), ("Content-Length", "100")], body: Array("{}".utf8))
                ),
                (
                    "both lengths",
                    RawHTTP.request(
                        "POST", "/api/auth/login", headers: [("Content-Type", "application/json"), ("Content-Length", "2"), ("Transfer-Encoding", "chunked")],
                        body: Array("2\r\n{}\r\n0\r\n\r\n".utf8))
                ),
                ("garbage request line", Array("GARBAGE\r\n\r\n".utf8)), ("unknown method", RawHTTP.request("FOO", "/api/invoices", headers: [authorization])),
                ("absolute form", RawHTTP.request("GET", "http://evil.example/api/invoices", headers: [authorization])),
                ("header without colon", Array("GET /api/invoices HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n".utf8)),
                ("header too long", RawHTTP.request("GET", "/api/invoices", headers: [("X-Long", String(repeating: "a", count: 40_000))])),
                ("NUL in header", RawHTTP.request("GET", "/api/invoices", headers: [("Authorization", "Bearer \u{0}x")])),
                ("HTTP/1.0", Array("GET /api/health HTTP/1.0\r\n\r\n".utf8)),
                (
                    "non-canonical",
                    RawHTTP.request(
                        "POST", "//api/auth/login", headers: [("Content-Type", "application/json"), ("Content-Length", "2")], body: Array("{}".utf8))
                ),
                ("GET with body", RawHTTP.request("GET", "/api/invoices", headers: [authorization, ("Content-Length", "2")], body: Array("{}".utf8))),
            ]
            for base in [c.gateway, c.auth, c.user, c.invoice] {
                for (name, bytes) in framing {
                    do {
                        let reply = try await RawHTTP.send(port: Self.port(base), bytes, timeout: 15)
                        self.expectSane(reply, "\(base) framing \(name)")
                    } catch {
                        Issue.record("\(base) framing \(name): no answer (\(error))")
                    }
                    probes += 1
                }
            }

            // Every role still answers at once.
            for base in [c.gateway, c.auth, c.user, c.invoice] {
                #expect(try await c.call("GET", base + "/healthz").status == 200, "\(base) after the probes")
            }
            print("hostile input: \(probes) probes over \(routes.count) routes and 4 roles")
        }
    }

    /// Uploads through the gateway with an AI provider configured: malformed multipart never reaches it.
    @Test func malformedUploadsAreClientErrors() async throws {
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-hostile"])
        defer { peer.stop() }
        try await Cluster.run(services: ["OPENAI_API_KEY": "sk-hostile", "OPENAI_BASE_URL": peer.baseURL + "/v1", "MAX_AUDIO_BYTES": "200000"]) { c in
            let (token, _) = try await c.register("uploads@example.com")
            let wav = TestAudio.silentWAV(bytes: 2000)
            func form(_ boundary: String, _ parts: [String]) -> [UInt8] {
                Array((parts.map { "--\(boundary)\r\n" + $0 }.joined() + "--\(boundary)--\r\n").utf8)
            }
            let b = "hostile-boundary"
            let audioPart = "Content-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
            let cases: [(String, String, [UInt8])] = [
                ("no part", "multipart/form-data; boundary=\(b)", form(b, [])),
                (
                    "too many parts", "multipart/form-data; boundary=\(b)",
                    form(b, Array(repeating: "Content-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n", count: 50))
                ),
                ("too many headers", "multipart/form-data; boundary=\(b)", form(b, [String(repeating: "X-A: b\r\n", count: 50) + audioPart + "RIFF\r\n"])),
                ("long header", "multipart/form-data; boundary=\(b)", form(b, ["X-A: \(String(repeating: "b", count: 5000))\r\n" + audioPart + "RIFF\r\n"])),
                (
                    "part without content type", "multipart/form-data; boundary=\(b)",
                    form(b, ["Content-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n"])
                ),
                (
                    "content type ;", "multipart/form-data; boundary=\(b)",
                    form(b, ["Content-Disposition: form-data; name=\"audio\"\r\nContent-Type: ;\r\n\r\nRIFF\r\n"])
                ),
                ("not audio", "multipart/form-data; boundary=\(b)", form(b, [audioPart + "<html>\r\n"])),
                ("unterminated", "multipart/form-data; boundary=\(b)", Array("--\(b)\r\n\(audioPart)".utf8) + wav),
                ("empty boundary", "multipart/form-data; boundary=", form("", [audioPart + "x\r\n"])),
                ("boundary 200", "multipart/form-data; boundary=\(String(repeating: "b", count: 200))", []),
                ("no multipart", "application/json", Array("{}".utf8)),
            ]
            for path in ["/api/invoices/voice", "/api/transcriptions"] {
                for (name, type, body) in cases {
                    let reply = try await c.call("POST", c.gateway + path, token: token, raw: body, contentType: type)
                    #expect((400..<500).contains(reply.status), "\(path) \(name): \(reply.status) \(reply.text.prefix(200))")
                    #expect(reply.header("content-type") == "application/problem+json", "\(path) \(name)")
                }
            }
            #expect(try await c.call("GET", c.invoice + "/healthz").status == 200)
        }
    }
}
