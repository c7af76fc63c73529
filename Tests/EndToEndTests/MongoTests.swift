import Foundation
import ServiceKit
import TestSupport
import Testing

/// MongoDB-specific behaviour: outage and recovery, readiness, and operator injection attempts.
@Suite("MongoDB engine end to end", .serialized)
struct MongoTests {
    /// Stop the database: a request that needs it gets a 503 with Retry-After within the 2 s server-selection
    /// timeout (never a hang), liveness stays 200, readiness reports it; start it again: requests succeed, no restart.
    @Test func outageAndRecovery() async throws {
        let port = try freeLoopbackPort()
        var peer = try PeerProcess(script: "mongo_peer.py", arguments: ["--port", String(port)])
        defer { peer.stop() }
        let uri = "mongodb://127.0.0.1:\(port)/outage?directConnection=true"
        try await Cluster.run(common: ["MONGODB_URI": uri]) { c in
            let (token, registered) = try await c.register("outage@example.com")
            #expect(registered.status == 201)
            #expect(try await c.call("GET", c.user + "/readyz").status == 200)

            peer.stop()
            // A 503 at all (not a 504 from the gateway's 30 s upstream timeout) shows the store gave up after its
            // server-selection timeout instead of hanging; no wall-clock bound is asserted.
            let down = try await c.call("GET", c.gateway + "/api/invoices", token: token)
            #expect(down.status == 503)
            #expect(down.header("retry-after") != nil)
            #expect(down.header("content-type") == "application/problem+json")
            #expect(try await c.call("GET", c.invoice + "/healthz").status == 200)
            #expect(try await c.call("GET", c.invoice + "/readyz").status == 503)

            peer = try PeerProcess(script: "mongo_peer.py", arguments: ["--port", String(port)])
            // The pool reconnects on its own; allow it a heartbeat or two.
            var recovered = false
            for _ in 0..<40 where !recovered {
                recovered = try await c.call("GET", c.gateway + "/api/invoices", token: token).status == 200
                if !recovered { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(recovered)
            // The restarted peer is empty: the account is gone, but the roles work (new data, indexes recreated on demand).
            #expect(try await c.register("after@example.com").reply.status == 201)
            #expect(try await c.register("after@example.com").reply.status == 409)
        }
    }

    /// A database that is down when the roles start does not stop them from starting.
    @Test func rolesStartWithoutTheDatabase() async throws {
        let port = try freeLoopbackPort()
        try await Cluster.run(common: ["MONGODB_URI": "mongodb://127.0.0.1:\(port)/absent?directConnection=true"]) { c in
            #expect(try await c.call("GET", c.auth + "/healthz").status == 200)
            #expect(try await c.call("GET", c.auth + "/readyz").status == 503)
            let register = try await c.register("early@example.com")
            #expect(register.reply.status == 503, "got \(register.reply.status)")
            #expect(register.reply.header("retry-after") != nil)
        }
    }

    /// MongoDB operators in places where values belong are refused before they reach a query, on both engines.
    @Test(arguments: ["sqlite", "mongodb"])
    func operatorInjectionIsRejected(engine: String) async throws {
        let common = engine == "mongodb" ? ["MONGODB_URI": try MongoPeer.uri()] : [:]
        try await Cluster.run(common: common) { c in
            let (token, _) = try await c.register("victim@example.com")
            // Login with an operator for the email or the password.
            for body: [String: Any] in [
                ["email": ["$ne": NSNull()], "password": "x"], ["email": "victim@example.com", "password": ["$gt": ""]],
                ["email": ["$regex": ".*"], "password": "correct horse battery"],
            ] {
                let reply = try await c.call("POST", c.gateway + "/api/auth/login", json: body)
                #expect(reply.status == 422 || reply.status == 400 || reply.status == 401, "login \(body) → \(reply.status)")
                #expect(reply.json["accessToken"] == nil)
            }
            // Profile update with operators.
            #expect(try await c.call("PATCH", c.gateway + "/api/users/me", token: token, json: ["companyName": ["$set": "x"]]).status == 422)
            #expect(try await c.call("PATCH", c.gateway + "/api/users/me", token: token, json: ["$set": ["companyName": "x"]]).status == 200)
            #expect(try await c.call("GET", c.gateway + "/api/users/me", token: token).json["companyName"] == nil)
            // Invoice queries: ids and cursors are values, never documents.
            #expect(try await c.call("GET", c.gateway + "/api/invoices/%7B%22%24ne%22%3Anull%7D", token: token).status == 404)
            #expect(try await c.call("DELETE", c.gateway + "/api/invoices/%7B%22%24gt%22%3A%22%22%7D", token: token).status == 404)
            #expect(try await c.call("GET", c.gateway + "/api/invoices?cursor=%7B%22%24ne%22%3Anull%7D", token: token).status == 400)
            #expect(try await c.call("GET", c.gateway + "/api/invoices?limit=%7B%22%24gt%22%3A0%7D", token: token).status == 400)
        }
    }
}
