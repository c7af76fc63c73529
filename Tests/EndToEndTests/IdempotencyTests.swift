import Foundation
import ServiceKit
import TestSupport
import Testing

/// `Idempotency-Key` on creating POSTs, through the gateway, on both engines.
@Suite("Idempotent creates", .serialized)
struct IdempotencyTests {
    @Test(arguments: ["sqlite", "mongodb"])
    func sameKeySameBodyCreatesOnce(engine: String) async throws {
        let common = engine == "mongodb" ? ["MONGODB_URI": try MongoPeer.uri()] : [:]
        try await Cluster.run(common: common) { c in
            let (token, _) = try await c.register("idem-\(engine)@example.com")
            let body = ["transcript": "Bill Acme for 2 hours of design at 85 dollars"]
            let first = try await c.call("POST", c.gateway + "/api/invoices/transcript", token: token, json: body, headers: [("Idempotency-Key", "create-1")])
            #expect(first.status == 201)
            let again = try await c.call("POST", c.gateway + "/api/invoices/transcript", token: token, json: body, headers: [("Idempotency-Key", "create-1")])
            #expect(again.status == 201)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            #expect(again.header("idempotent-replayed") == "true")
            #expect(again.header("location") == first.header("location"))
            // Another body with the same key: 422, nothing created.
            let other = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Globex for 1 hour at 5 dollars"], headers: [("Idempotency-Key", "create-1")]
            )
            #expect(other.status == 422)
            #expect((try await c.call("GET", c.gateway + "/api/invoices", token: token).json["items"] as? [Any])?.count == 1)
            // Keys are per user: another user's same key is a new request.
            let (otherToken, _) = try await c.register("idem2-\(engine)@example.com")
            let theirs = try await c.call("POST", c.gateway + "/api/invoices/transcript", token: otherToken, json: body, headers: [("Idempotency-Key", "create-1")])
            #expect(theirs.status == 201)
            #expect(theirs.json["id"] as? String != first.json["id"] as? String)

            // Payments too: the same payment posted twice is recorded once.
            let id = try #require(first.json["id"] as? String)
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token).status == 200)
            for _ in 0..<2 {
                let paid = try await c.call("POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 5000], headers: [("Idempotency-Key", "pay-1")])
                #expect(paid.status == 200)
                #expect((paid.json["payments"] as? [Any])?.count == 1)
            }
            // Without a key, no replay; a malformed key is a 400.
            #expect(try await c.call("POST", c.gateway + "/api/invoices/transcript", token: token, json: body, headers: [("Idempotency-Key", "")]).status == 400)
        }
    }
}
