import Foundation
import Storage
import TestSupport
import Testing

@testable import Auth
@testable import Gateway

/// Limits that cannot be walked around: one spelling of every path, every spelling of the bearer scheme, a throttle
/// per account, route body limits applied before a byte is read, no body on a GET.
@Suite("Limits hold for every spelling")
struct LimitsTests {
    static func port(_ url: String) -> Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    @Test func nonCanonicalPathsAreRefusedBeforeLimitsAndRouting() async throws {
        try await Cluster.run(gateway: ["RATE_LIMIT_SIGN_IN": "3/60"]) { c in
            let port = Self.port(c.gateway)
            let login = Array(#"{"email":"nobody@example.com","password":"not the right one"}"#.utf8)
            let headers = [("Content-Type", "application/json"), ("Content-Length", String(login.count))]
            for target in [
                "//api/auth/login", "/api/auth/login/", "/api//auth/login", "/api/./auth/login", "/api/auth/../auth/login", "/api/auth/%6Cogin",
                "/api/auth%2Flogin", "///api/auth/login",
            ] {
                let reply = try await RawHTTP.send(port: port, RawHTTP.request("POST", target, headers: headers, body: login))
                #expect(reply.status == 400, "\(target): \(reply.status) \(reply.text)")
                #expect(reply.header("content-type") == "application/problem+json")
            }
            // The canonical path is limited: the three allowed attempts, then 429, whatever spellings came before.
            for attempt in 1...4 {
                let reply = try await RawHTTP.send(port: port, RawHTTP.request("POST", "/api/auth/login", headers: headers, body: login))
                #expect(reply.status == (attempt <= 3 ? 401 : 429), "attempt \(attempt): \(reply.status)")
            }
            // The services refuse them too (deployed apart, a role may be reached another way).
            let direct = try await RawHTTP.send(port: Self.port(c.invoice), RawHTTP.request("GET", "//api/invoices"))
            #expect(direct.status == 400)
        }
    }

    @Test func everySpellingOfTheBearerSchemeCountsAgainstTheUser() async throws {
        try await Cluster.run(gateway: ["RATE_LIMIT_USER": "4/60"]) { c in
            let (token, _) = try await c.register("spelling@example.com")
            var statuses: [Int] = []
            for scheme in ["Bearer ", "bearer ", "BEARER ", "Bearer   ", "bEaReR\t"] {
                statuses.append(try await c.call("GET", c.gateway + "/api/users/me", headers: [("Authorization", scheme + token)]).status)
            }
            // Every spelling is a valid credential at the service, so every one counted: the fifth is over the limit.
            #expect(statuses == [200, 200, 200, 200, 429], "\(statuses)")
        }
    }

    @Test func addressesAreBucketedByIPv4AndIPv6Slash64() {
        #expect(RateLimitMiddleware.addressKey("203.0.113.7") == "203.0.113.7")
        #expect(RateLimitMiddleware.addressKey("2001:db8:1:2:aaaa::1") == RateLimitMiddleware.addressKey("2001:db8:1:2:ffff:eeee:dddd:cccc"))
        #expect(RateLimitMiddleware.addressKey("2001:db8:1:2::1") != RateLimitMiddleware.addressKey("2001:db8:1:3::1"))
        #expect(RateLimitMiddleware.addressKey("::ffff:203.0.113.7") == "203.0.113.7")
        #expect(RateLimitMiddleware.addressKey("not an address") == "not an address")
    }

    @Test func failedSignInsThrottleTheAccountWhateverTheAddress() async throws {
        try await Cluster.run { c in
            _ = try await c.register("victim@example.com")
            func login(_ password: String, email: String = "Victim@Example.com") async throws -> Reply {
                try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": email, "password": password])
            }
            for _ in 0..<6 { #expect(try await login("wrong password guess").status == 401) }
            // The sixth failure locked the address (30 s, then doubling); even the right password waits now.
            let locked = try await login("correct horse battery")
            #expect(locked.status == 429)
            #expect(Int(locked.header("retry-after") ?? "") ?? 0 >= 1)
            #expect(locked.header("content-type") == "application/problem+json")
            // An address with no account is throttled the same way (the throttle reveals nothing).
            for _ in 0..<6 { #expect(try await login("guess guess guess", email: "ghost@example.com").status == 401) }
            #expect(try await login("guess guess guess", email: "ghost@example.com").status == 429)
            // Other accounts are not affected.
            _ = try await c.register("bystander@example.com")
            #expect(try await login("correct horse battery", email: "bystander@example.com").status == 200)
        }
    }

    /// The schedule, on a clock of its own: five free failures, then 30 s, 60 s, … at most 15 minutes; a success
    /// clears it; a day without failures forgets it.
    @Test func throttleSchedule() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("throttle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/auth.sqlite")
        try await store.prepare(SignInThrottle.collections)
        let clock = TestClock()
        let throttle = SignInThrottle(store: store, now: { clock.now })
        let email = "someone@example.com"
        for _ in 0..<5 { try await throttle.recordFailure(for: email) }
        #expect(try await throttle.wait(for: email) == nil)
        try await throttle.recordFailure(for: email)
        #expect(try await throttle.wait(for: email) == 30)
        clock.advance(31)
        #expect(try await throttle.wait(for: email) == nil)
        try await throttle.recordFailure(for: email)
        #expect(try await throttle.wait(for: email) == 60)
        for _ in 0..<20 { try await throttle.recordFailure(for: email) }
        #expect(try await throttle.wait(for: email) == 900)
        try await throttle.recordSuccess(for: email)
        #expect(try await throttle.wait(for: email) == nil)
        for _ in 0..<6 { try await throttle.recordFailure(for: email) }
        clock.advance(2 * 86_400)
        #expect(try await throttle.sweep() == 1)
        try await throttle.recordFailure(for: email)
        #expect(try await throttle.wait(for: email) == nil)
    }

    final class TestClock: @unchecked Sendable {
        // Changed only between awaited calls of one test.
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        func advance(_ seconds: TimeInterval) { self.now = self.now.addingTimeInterval(seconds) }
    }

    @Test func bodiesAreRefusedBeforeTheyAreRead() async throws {
        try await Cluster.run { c in
            let (token, _) = try await c.register("bodies@example.com")
            for (base, target) in [
                (c.gateway, "/api/auth/login"), (c.gateway, "/api/invoices/0123456789abcdef0123456789abcdef/payments"),
                (c.invoice, "/api/invoices/0123456789abcdef0123456789abcdef/payments"),
            ] {
                // 20 MiB declared on a small route, with an Idempotency-Key, and no body sent: a 413 at once, and the
                // connection closed (the server does not wait for, or drain, a body it refused).
                let reply = try await RawHTTP.send(
                    port: Self.port(base),
                    RawHTTP.request(
                        "POST", target,
                        headers: [
                            ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Content-Length", String(20 * 1024 * 1024)),
                            ("Idempotency-Key", "big-1"),
                        ]
                    ),
                    checkClose: true
                )
                #expect(reply.status == 413, "\(base)\(target): \(reply.status) \(reply.text)")
                #expect(reply.closed, "\(base)\(target) kept the connection open")
            }
            // Malformed and contradictory lengths are a 400.
            for length in ["-1", "abc", "1, 2", "99999999999999999999999"] {
                let reply = try await RawHTTP.send(
                    port: Self.port(c.gateway),
                    RawHTTP.request("POST", "/api/auth/login", headers: [("Content-Type", "application/json"), ("Content-Length", length)]))
                #expect(reply.status == 400, "Content-Length \(length): \(reply.status)")
            }
            // A GET (or HEAD, DELETE) with a body is refused, never forwarded as something else: nothing is created.
            let body = Array(#"{"transcript":"Bill Acme for 2 hours at 85 dollars"}"#.utf8)
            let get = try await RawHTTP.send(
                port: Self.port(c.gateway),
                RawHTTP.request(
                    "GET", "/api/invoices/transcript",
                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Content-Length", String(body.count))], body: body)
            )
            #expect(get.status == 400)
            let chunked = try await RawHTTP.send(
                port: Self.port(c.gateway),
                RawHTTP.request(
                    "GET", "/api/invoices", headers: [("Authorization", "Bearer \(token)"), ("Transfer-Encoding", "chunked")],
                    body: Array("5\r\nhello\r\n0\r\n\r\n".utf8))
            )
            #expect(chunked.status == 400)
            #expect((try await c.call("GET", c.gateway + "/api/invoices", token: token).json["items"] as? [Any])?.count == 0)
        }
    }
}
