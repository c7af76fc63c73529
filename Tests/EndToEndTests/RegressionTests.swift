import Foundation
import TestSupport
import Testing

/// The failures reported against the first version, each as it was seen, and the round trips that must be identities.
@Suite("Reported failures and round trips")
struct RegressionTests {
    static func port(_ url: String) -> Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    @Test func theFourReportedFailures() async throws {
        try await Cluster.run { c in
            // 1. `Content-Type: ;` on an unauthenticated logout stopped the process (an index trap in the body reader).
            let semicolon = try await RawHTTP.send(
                port: Self.port(c.gateway),
                RawHTTP.request("POST", "/api/auth/logout", headers: [("Content-Type", ";"), ("Content-Length", "2")], body: Array("{}".utf8))
            )
            #expect(semicolon.status == 415)
            let direct = try await RawHTTP.send(
                port: Self.port(c.auth),
                RawHTTP.request("POST", "/api/auth/logout", headers: [("Content-Type", ";"), ("Content-Length", "2")], body: Array("{}".utf8))
            )
            #expect(direct.status == 415)
            // 2. "due in 400000000000000000 months" overflowed in the extractor: now a 422 naming the terms.
            let (token, _) = try await c.register("regress@example.com")
            let huge = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token,
                json: ["transcript": "Bill Acme for 2 hours of design at 85 dollars, due in 400000000000000000 months"]
            )
            #expect(huge.status == 422, "\(huge.text)")
            #expect((huge.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "dueDate")
            // 3. 9 000 trailing spaces took ~20 s of CPU: now linear, and the sentence before them is understood.
            let spaces = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token,
                json: ["transcript": "Bill Acme for 2 hours of design at 85 dollars" + String(repeating: " ", count: 9000)]
            )
            #expect(spaces.status == 201)
            #expect(spaces.json["total"] as? Int == 17_000)
            // 4. `//api/auth/login` and `/api/auth/login/` walked around the limits: now refused.
            for target in ["//api/auth/login", "/api/auth/login/"] {
                let reply = try await RawHTTP.send(
                    port: Self.port(c.gateway),
                    RawHTTP.request("POST", target, headers: [("Content-Type", "application/json"), ("Content-Length", "2")], body: Array("{}".utf8))
                )
                #expect(reply.status == 400, "\(target)")
            }
            for base in [c.gateway, c.auth, c.user, c.invoice] { #expect(try await c.call("GET", base + "/healthz").status == 200) }
        }
    }

    /// GET → PATCH → GET is the identity for an invoice, a client and the profile: sending back what was read changes
    /// nothing (the money in particular: $1,104.15 stays $1,104.15, not $110,415.00).
    @Test func getPatchGetIsTheIdentity() async throws {
        try await Cluster.run { c in
            let (token, _) = try await c.register("roundtrip@example.com")
            let profile = try await c.call(
                "PATCH", c.gateway + "/api/users/me", token: token,
                json: [
                    "companyName": "Ann Studio", "address": "1 Main St\nSpringfield", "defaultCurrency": "USD", "taxRate": 8.25, "timeZone": "Europe/Paris",
                    "defaultTerms": "Net 30",
                ]
            )
            #expect(profile.status == 200)
            let created = try await c.call(
                "POST", c.gateway + "/api/invoices", token: token,
                json: [
                    "client": ["name": "Acme Corp"],
                    "items": [
                        ["description": "Design", "quantity": 12.5, "unit": "hour", "unitPrice": 8333, "discountRate": 2.5, "taxRate": 7.75],
                        ["description": "Logo", "quantity": 1, "unitPrice": 1999],
                    ],
                    "discountRate": 1.5, "notes": "Thanks", "poNumber": "PO-7",
                ]
            )
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)

            // The invoice.
            let first = try await c.call("GET", c.gateway + "/api/invoices/\(id)", token: token)
            let etag = try #require(first.header("etag"))
            let patched = try await c.call(
                "PATCH", c.gateway + "/api/invoices/\(id)", token: token, raw: first.body, contentType: "application/json", headers: [("If-Match", etag)])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.header("etag") == etag)
            let second = try await c.call("GET", c.gateway + "/api/invoices/\(id)", token: token)
            #expect(NSDictionary(dictionary: second.json) == NSDictionary(dictionary: first.json))
            #expect(second.json["total"] as? Int == first.json["total"] as? Int)
            #expect(second.json["searchText"] == nil && second.json["ownerId"] == nil)
            // A changed item is recomputed, in the same unit.
            var items = try #require(first.json["items"] as? [[String: Any]])
            items[1]["unitPrice"] = 2999
            let changed = try await c.call("PATCH", c.gateway + "/api/invoices/\(id)", token: token, json: ["items": items])
            #expect((changed.json["items"] as? [[String: Any]])?[1]["amount"] as? Int == 2999)
            // Major units, or text, where an amount belongs: a 422 that names the unit.
            items[1]["unitPrice"] = "29.99"
            let text = try await c.call("PATCH", c.gateway + "/api/invoices/\(id)", token: token, json: ["items": items])
            #expect(text.status == 422)
            #expect((text.json["detail"] as? String)?.contains("minor units") == true, "\(text.text)")

            // The client.
            let clientID = try #require(first.json["clientId"] as? String)
            _ = try await c.call(
                "PATCH", c.gateway + "/api/clients/\(clientID)", token: token,
                json: ["aliases": ["ACME"], "taxRate": 5.5, "paymentTermsDays": 45, "address": "2 Side St\nGotham"])
            let clientBefore = try await c.call("GET", c.gateway + "/api/clients/\(clientID)", token: token)
            #expect(
                try await c.call("PATCH", c.gateway + "/api/clients/\(clientID)", token: token, raw: clientBefore.body, contentType: "application/json").status
                    == 200)
            let clientAfter = try await c.call("GET", c.gateway + "/api/clients/\(clientID)", token: token)
            var before = clientBefore.json
            var after = clientAfter.json
            before["updatedAt"] = nil
            after["updatedAt"] = nil
            #expect(NSDictionary(dictionary: after) == NSDictionary(dictionary: before))

            // The profile.
            let profileBefore = try await c.call("GET", c.gateway + "/api/users/me", token: token)
            #expect(
                try await c.call("PATCH", c.gateway + "/api/users/me", token: token, raw: profileBefore.body, contentType: "application/json").status == 200)
            var profileA = profileBefore.json
            var profileB = try await c.call("GET", c.gateway + "/api/users/me", token: token).json
            profileA["updatedAt"] = nil
            profileB["updatedAt"] = nil
            #expect(NSDictionary(dictionary: profileB) == NSDictionary(dictionary: profileA))

            // Payments in minor units, the same as the balance they reduce.
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token).status == 200)
            let balance = try #require(try await c.call("GET", c.gateway + "/api/invoices/\(id)", token: token).json["balance"] as? Int)
            let paid = try await c.call("POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": balance])
            #expect(paid.json["balance"] as? Int == 0 && paid.json["status"] as? String == "paid")
            #expect(((paid.json["payments"] as? [[String: Any]])?.first?["amount"] as? Int) == balance)
        }
    }
}
