import Foundation
import HTTPClient
import ServiceKit

/// `GET /api/health`: the gateway asks each service's `/healthz` (as the original's did) and reports all three.
struct HealthController {
    let upstreams: Upstreams
    let http: CurlHTTPClient

    func report(requestID: String) async -> HealthReport {
        let targets = [("auth", self.upstreams.auth), ("user", self.upstreams.user), ("invoice", self.upstreams.invoice)]
        let results = await withTaskGroup(of: (String, HealthReport.ServiceHealth).self) { group in
            for (name, pool) in targets {
                group.addTask {
                    let start = ContinuousClock.now
                    // A service is up when one of its instances answers.
                    let ok =
                        (try? await pool.execute(self.http) { base in
                            CurlRequest(url: base + "/healthz", headers: [("X-Request-Id", requestID)], timeout: .seconds(3), connectTimeout: .seconds(2))
                        })?.status == 200
                    let elapsed = ContinuousClock.now - start
                    return (
                        name,
                        HealthReport.ServiceHealth(
                            status: ok ? "ok" : "down",
                            latencyMs: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
                    )
                }
            }
            var results: [String: HealthReport.ServiceHealth] = [:]
            for await (name, health) in group { results[name] = health }
            return results
        }
        let healthy = results.values.allSatisfy { $0.status == "ok" }
        return HealthReport(status: healthy ? "ok" : "degraded", services: results)
    }
}

/// The services' health as `GET /api/health` reports it (the document's `Health`).
struct HealthReport: Codable, Hashable, Sendable {
    struct ServiceHealth: Codable, Hashable, Sendable {
        var status: String
        var latencyMs: Int
    }
    var status: String
    var services: [String: ServiceHealth]
}
