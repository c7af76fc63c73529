import Foundation
import OpenSSLSupport
import ServiceKit
import Storage
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
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Globex for 1 hour at 5 dollars"],
                headers: [("Idempotency-Key", "create-1")]
            )
            #expect(other.status == 422)
            #expect((try await c.call("GET", c.gateway + "/api/invoices", token: token).json["items"] as? [Any])?.count == 1)
            // Keys are per user: another user's same key is a new request.
            let (otherToken, _) = try await c.register("idem2-\(engine)@example.com")
            let theirs = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: otherToken, json: body, headers: [("Idempotency-Key", "create-1")])
            #expect(theirs.status == 201)
            #expect(theirs.json["id"] as? String != first.json["id"] as? String)

            // Payments too: the same payment posted twice is recorded once.
            let id = try #require(first.json["id"] as? String)
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token).status == 200)
            for _ in 0..<2 {
                let paid = try await c.call(
                    "POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 5000], headers: [("Idempotency-Key", "pay-1")])
                #expect(paid.status == 200)
                #expect((paid.json["payments"] as? [Any])?.count == 1)
            }
            // Without a key, no replay; a malformed key is a 400.
            #expect(
                try await c.call("POST", c.gateway + "/api/invoices/transcript", token: token, json: body, headers: [("Idempotency-Key", "")]).status == 400)
        }
    }

    /// The window a crash can fall in, made deterministic: the invoice (or payment) is stored, and its key is left
    /// "pending" with a lease that has run out — what a SIGKILL between the two writes leaves. A retry with the same
    /// key must answer with what was stored, and store nothing twice.
    @Test func aRetryAfterACrashResumesInsteadOfRepeating() async throws {
        try await Cluster.run(services: ["IDEMPOTENCY_LEASE_SECONDS": "1"]) { c in
            let (token, registered) = try await c.register("resume@example.com")
            let userID = try #require((registered.json["user"] as? [String: Any])?["id"] as? String)
            let store = try SQLiteStore(path: c.dataDirectory + "/invoice.sqlite")
            struct Record: StoredDocument {
                var id: String
                var userId: String
                var requestHash: String
                var state: String
                var leaseUntil: Date?
                var createdAt: Date
            }
            func crashBeforeTheRecordCompleted(_ key: String) async throws {
                let id = OpenSSL.sha256Hex(Array("\(userID)\n\(key)".utf8))
                let record = try #require(try await store.findOne(Record.self, in: "idempotency_keys", where: .equal("id", .string(id))))
                var pending = record
                pending.state = "pending"
                pending.leaseUntil = Date.storeNow.addingTimeInterval(-1)
                #expect(try await store.replaceOne(pending, in: "idempotency_keys", where: .equal("id", .string(id))))
            }

            let body = ["transcript": "Bill Acme for 2 hours of design at 85 dollars"]
            let first = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: body, headers: [("Idempotency-Key", "resume-create")])
            #expect(first.status == 201)
            try await crashBeforeTheRecordCompleted("resume-create")
            let retried = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: body, headers: [("Idempotency-Key", "resume-create")])
            #expect(retried.status == 201)
            #expect(retried.json["id"] as? String == first.json["id"] as? String)
            #expect((try await c.call("GET", c.gateway + "/api/invoices", token: token).json["items"] as? [Any])?.count == 1)

            let id = try #require(first.json["id"] as? String)
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token).status == 200)
            let paid = try await c.call(
                "POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 1000], headers: [("Idempotency-Key", "resume-pay")])
            #expect(paid.status == 200)
            try await crashBeforeTheRecordCompleted("resume-pay")
            let again = try await c.call(
                "POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 1000], headers: [("Idempotency-Key", "resume-pay")])
            #expect(again.status == 200)
            #expect((again.json["payments"] as? [Any])?.count == 1)
            #expect(again.json["amountPaid"] as? Int == 1000)

            // While the lease still runs, a retry is told to wait.
            let leased = OpenSSL.sha256Hex(Array("\(userID)\nresume-wait".utf8))
            let sameRequest = OpenSSL.sha256Hex(Array("POST /api/invoices/transcript\n".utf8) + Array(try JSONSerialization.data(withJSONObject: body)))
            try await store.insert(
                Record(
                    id: leased, userId: userID, requestHash: sameRequest, state: "pending", leaseUntil: Date.storeNow.addingTimeInterval(30),
                    createdAt: .storeNow),
                into: "idempotency_keys"
            )
            let waiting = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: body, headers: [("Idempotency-Key", "resume-wait")])
            #expect(waiting.status == 409)
            #expect(Int(waiting.header("retry-after") ?? "") ?? 0 >= 1)
            // Another body under that key is a 422, whatever the record's state.
            let other = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Globex for 1 logo at 5 dollars"],
                headers: [("Idempotency-Key", "resume-wait")])
            #expect(other.status == 422)
        }
    }
}
