import Foundation
import ServiceKit
import TestSupport
import Testing

/// The invoice role with OPENAI_API_KEY set extracts through the provider (the OpenAI-compatible test peer); the
/// model reports what was said and the server computes every amount.
@Suite("Extraction through the AI provider", .serialized)
struct AIExtractionTests {
    @Test func transcriptThroughTheProvider() async throws {
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-e2e"])
        defer { peer.stop() }
        try await Cluster.run(services: ["OPENAI_API_KEY": "sk-e2e", "OPENAI_BASE_URL": peer.baseURL + "/v1"]) { c in
            let (token, _) = try await c.register("ai@example.com")
            func script(_ body: [String: Any]) async throws {
                #expect(try await c.call("POST", peer.baseURL + "/test/script", json: body).status == 200)
            }
            // The peer's extraction says 12 × 85 USD; it never says an amount or a number. The server computes them.
            try await script([
                "extraction": [
                    "clientName": "Acme Corp", "items": [["description": "Design", "quantity": "12", "unit": "hour", "unitPrice": "85", "currency": "USD"]],
                    "currency": "USD", "dueInDays": 14, "taxRate": "10", "notes": NSNull(), "warnings": [],
                ]
            ])
            // A sentence the rule-based extractor could not read: only the provider can have produced this invoice.
            let created = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "uh so the thing for acme, you know"])
            #expect(created.status == 201, "\(created.text)")
            #expect((created.json["to"] as? [String: Any])?["name"] as? String == "Acme Corp")
            #expect(created.json["subtotal"] as? Int == 102_000)
            #expect(created.json["tax"] as? Int == 10_200)
            #expect(created.json["total"] as? Int == 112_200)
            #expect(created.json["status"] as? String == "draft")

            // The model reads 58 where the transcript plainly says 85: the draft keeps the model's value and warns.
            try await script([
                "extraction": [
                    "clientName": "Acme", "items": [["description": "Design", "quantity": "12", "unit": "hour", "unitPrice": "58", "currency": "USD"]],
                    "currency": "USD", "dueInDays": NSNull(), "taxRate": NSNull(), "notes": NSNull(), "warnings": [],
                ]
            ])
            let disputed = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Acme for 12 hours of design at 85 dollars"])
            #expect(disputed.status == 201, "\(disputed.text)")
            let warnings = (disputed.json["warnings"] as? [[String: Any]]) ?? []
            #expect(warnings.contains { $0["field"] as? String == "items[0].unitPrice" && ($0["message"] as? String)?.contains("85") == true })
            #expect(!warnings.contains { $0["field"] as? String == "items[0].quantity" })

            // A model that answers nonsense money is refused by the server's validation, not saved.
            try await script([
                "extraction": [
                    "clientName": "Acme", "items": [["description": "Design", "quantity": "a dozen", "unit": NSNull(), "unitPrice": "85", "currency": "USD"]],
                    "currency": NSNull(), "dueInDays": NSNull(), "taxRate": NSNull(), "notes": NSNull(), "warnings": [],
                ]
            ])
            #expect(try await c.call("POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "x"]).status == 422)

            // The provider keeps failing: a 503 with Retry-After, never a 500, and nothing is created.
            try await script(["failures": [["status": 500], ["status": 500], ["status": 500]]])
            let down = try await c.call("POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Acme for 1 hour at 5 dollars"])
            #expect(down.status == 503)
            #expect(down.header("retry-after") != nil)
            #expect(down.header("content-type") == "application/problem+json")
            #expect((try await c.call("GET", c.gateway + "/api/invoices", token: token).json["items"] as? [Any])?.count == 2)
        }
    }
}
