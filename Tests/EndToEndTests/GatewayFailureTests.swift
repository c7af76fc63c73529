import Foundation
import Gateway
import HTTPClient
import Hummingbird
import JWT
import ServiceKit
import ServiceLifecycle
import Testing

/// Upstream failures at the gateway: refused → 502, too slow → 504, both problem+json with the request id.
@Suite("Gateway upstream failures")
struct GatewayFailureTests {
    @Test func refusedAndSlowUpstreams() async throws {
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            var groups: [ServiceGroup] = []
            var failure: (any Error)?
            do {
                // A slow "invoice service".
                let slow = Router(context: AppRequestContext.self)
                slow.get("/api/invoices") { _, _ -> String in
                    try await Task.sleep(for: .seconds(2))
                    return "late"
                }
                let slowSettings = try Settings(environment: ["JWT_SECRET": Cluster.secret, "HOST": "127.0.0.1", "PORT": "0"])
                let slowPort = try await Cluster.start(
                    { RoleApplication.make(role: .invoice, router: slow, settings: slowSettings, logger: Cluster.quietLogger("slow"), onServerRunning: $0) },
                    tasks: &tasks, groups: &groups
                )
                let settings = try Settings(environment: ["JWT_SECRET": Cluster.secret, "HOST": "127.0.0.1", "PORT": "0"])
                let router = try GatewayRole.buildRouter(
                    settings: settings,
                    upstreams: Upstreams(auth: "http://127.0.0.1:1", user: "http://127.0.0.1:1", invoice: "http://127.0.0.1:\(slowPort)"),
                    tokens: try settings.tokenService(for: .gateway, http: http), publishedKeys: JWKSet(keys: []), http: http, timeout: .milliseconds(400)
                )
                let gatewayPort = try await Cluster.start(
                    { RoleApplication.make(role: .gateway, router: router, settings: settings, logger: Cluster.quietLogger("gw"), onServerRunning: $0) },
                    tasks: &tasks, groups: &groups
                )
                let c = Cluster(gateway: "http://127.0.0.1:\(gatewayPort)", auth: "", user: "", invoice: "", http: http)

                let refused = try await c.call("GET", c.gateway + "/api/users/me", headers: [("X-Request-Id", "refused-1")])
                #expect(refused.status == 502)
                #expect(refused.header("content-type") == "application/problem+json")
                #expect(refused.json["requestId"] as? String == "refused-1")

                let slowReply = try await c.call("GET", c.gateway + "/api/invoices", headers: [("X-Request-Id", "slow-1")])
                #expect(slowReply.status == 504)
                #expect(slowReply.header("content-type") == "application/problem+json")
                #expect(slowReply.json["requestId"] as? String == "slow-1")

                let health = try await c.call("GET", c.gateway + "/api/health")
                #expect(health.status == 503)
                #expect(health.json["status"] as? String == "degraded")
            } catch {
                failure = error
            }
            for group in groups { await group.triggerGracefulShutdown() }
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }

    @Test func serviceAddressesInEveryRenderForm() {
        #expect(ServiceURL.parse("auth-abc.onrender.com") == "https://auth-abc.onrender.com")
        #expect(ServiceURL.parse("auth-abc:10000") == "http://auth-abc:10000")
        #expect(ServiceURL.parse("https://auth.example.com/") == "https://auth.example.com")
        #expect(ServiceURL.parse("http://127.0.0.1:3001") == "http://127.0.0.1:3001")
        #expect(ServiceURL.parse("ftp://x") == nil)
        #expect(ServiceURL.parse("not a host") == nil)
        #expect(ServiceURL.parse("") == nil)
    }

    @Test func settingsRefuseAShortSecretAndListEveryProblem() {
        #expect { try Settings(environment: ["JWT_SECRET": "short", "PORT": "abc"]) } throws: {
            guard let error = $0 as? SettingsError else { return false }
            return error.problems.count == 2 && error.description.contains("JWT_SECRET")
        }
        #expect { try Settings(environment: [:]).validate(for: .gateway) } throws: { ($0 as? SettingsError)?.problems.count == 5 }
        #expect { try Settings(environment: ["JWT_ALG": "RS256"]).validate(for: .user) } throws: {
            ($0 as? SettingsError)?.description.contains("JWT_PUBLIC_KEY or JWKS_URL") == true
        }
    }
}
