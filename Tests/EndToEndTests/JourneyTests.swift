import Foundation
import Hummingbird
import JWT
import ServiceKit
import TestSupport
import Testing

/// The journey through the gateway, with the four roles as separate servers.
@Suite("End to end through the gateway", .serialized)
struct JourneyTests {
    /// The journey on the embedded SQLite engine and on MongoDB (libmongoc against the wire-protocol peer).
    @Test(arguments: ["sqlite", "mongodb"])
    func theWholeJourney(engine: String) async throws {
        let common = engine == "mongodb" ? ["MONGODB_URI": try MongoPeer.uri()] : [:]
        try await Cluster.run(common: common) { c in
            // Register; the email is normalised, the token is ours.
            let (token, registered) = try await c.register("  Ann@Example.COM ", name: "Ann")
            #expect(registered.status == 201)
            #expect(registered.json["tokenType"] as? String == "Bearer")
            #expect(registered.json["expiresIn"] as? Int == 900)
            #expect((registered.json["user"] as? [String: Any])?["email"] as? String == "ann@example.com")
            #expect((registered.json["user"] as? [String: Any])?["passwordHash"] == nil)

            // Same email in another case → 409.
            let duplicate = try await c.register("ann@example.com")
            #expect(duplicate.reply.status == 409)
            #expect(duplicate.reply.header("content-type") == "application/problem+json")

            // Login: wrong password and unknown email give the same 401; the right one a token.
            let wrong = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "ann@example.com", "password": "wrong password"])
            let unknown = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "nobody@example.com", "password": "wrong password"])
            #expect(wrong.status == 401 && unknown.status == 401)
            #expect(wrong.json["detail"] as? String == unknown.json["detail"] as? String)
            let injection = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": ["$ne": NSNull()], "password": "x"])
            #expect(injection.status == 422)
            let login = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "ANN@example.com", "password": "correct horse battery"])
            #expect(login.status == 200)
            let loginToken = try #require(login.json["accessToken"] as? String)

            let me = try await c.call("GET", c.gateway + "/api/auth/me", token: loginToken)
            #expect(me.status == 200)
            #expect(me.json["name"] as? String == "Ann")

            // Business profile.
            let patched = try await c.call(
                "PATCH", c.gateway + "/api/users/me", token: token,
                json: ["companyName": "Ann Design Studio", "address": "1 Main St", "email": "billing@ann.example", "defaultCurrency": "usd", "taxRate": 10]
            )
            #expect(patched.status == 200)
            #expect(patched.json["defaultCurrency"] as? String == "USD")
            let badCurrency = try await c.call(
                "PATCH", c.gateway + "/api/users/me", token: token, json: ["defaultCurrency": "ABC", "defaultPaymentTermsDays": -1])
            #expect(badCurrency.status == 422)
            let profile = try await c.call("GET", c.gateway + "/api/users/me", token: token)
            #expect(profile.json["companyName"] as? String == "Ann Design Studio")
            #expect(profile.json["defaultPaymentTermsDays"] as? Int == 30)
            // Absent leaves a field, null clears it.
            #expect(try await c.call("PATCH", c.gateway + "/api/users/me", token: token, json: ["phone": "555-0100"]).json["phone"] as? String == "555-0100")
            let cleared = try await c.call(
                "PATCH", c.gateway + "/api/users/me", token: token, json: ["phone": NSNull(), "invoicePrefix": "bad prefix!", "timeZone": "Mars/Olympus"])
            #expect(cleared.status == 422)
            #expect((cleared.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }.sorted() == ["invoicePrefix", "timeZone"])
            let clearedPhone = try await c.call("PATCH", c.gateway + "/api/users/me", token: token, json: ["phone": NSNull()])
            #expect(clearedPhone.json["phone"] == nil && clearedPhone.json["companyName"] as? String == "Ann Design Studio")

            // A transcript becomes a draft; the server computed every amount.
            let created = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token,
                json: ["transcript": "Bill Acme Corp for twelve hours of design at 85 dollars and 3 logos at $200 each, due in two weeks"]
            )
            #expect(created.status == 201)
            let invoice = created.json
            let id = try #require(invoice["id"] as? String)
            #expect(created.header("location") == "/api/invoices/\(id)")
            #expect(invoice["number"] == nil)  // drafts have no number
            #expect(invoice["status"] as? String == "draft")
            #expect((invoice["to"] as? [String: Any])?["name"] as? String == "Acme Corp")
            #expect((invoice["from"] as? [String: Any])?["name"] as? String == "Ann Design Studio")
            #expect(invoice["subtotal"] as? Int == 162_000)
            #expect(invoice["tax"] as? Int == 16_200)
            #expect(invoice["total"] as? Int == 178_200)
            #expect(invoice["currency"] as? String == "USD")
            #expect((invoice["items"] as? [[String: Any]])?.map { $0["amount"] as? Int } == [102_000, 60_000])

            let second = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Invoice Globex for a website for 2000 dollars"])
            #expect(second.json["number"] == nil)
            let secondID = try #require(second.json["id"] as? String)

            // List: mine, newest first, paged.
            let list = try await c.call("GET", c.gateway + "/api/invoices", token: token)
            #expect((list.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [secondID, id])
            let page1 = try await c.call("GET", c.gateway + "/api/invoices?limit=1", token: token)
            #expect((page1.json["items"] as? [[String: Any]])?.first?["id"] as? String == secondID)
            let cursor = try #require(page1.json["nextCursor"] as? String)
            let page2 = try await c.call("GET", c.gateway + "/api/invoices?limit=1&cursor=\(cursor)", token: token)
            #expect((page2.json["items"] as? [[String: Any]])?.first?["id"] as? String == id)
            #expect(page2.json["nextCursor"] == nil || page2.json["nextCursor"] is NSNull)

            // Get one, with its ETag.
            let fetched = try await c.call("GET", c.gateway + "/api/invoices/\(id)", token: token)
            #expect(fetched.status == 200)
            #expect(fetched.json["total"] as? Int == 178_200)
            let etag = try #require(fetched.header("etag"))

            // Edit the draft: a stale If-Match is refused, the current one works, the server recomputes.
            let edit: [String: Any] = [
                "items": [["description": "Design", "quantity": 10, "unitPrice": 8500], ["description": "Logos", "quantity": 3, "unitPrice": 20_000]]
            ]
            #expect(
                try await c.call("PATCH", c.gateway + "/api/invoices/\(id)", token: token, json: edit, headers: [("If-Match", "\"\(id)-0\"")]).status == 412)
            let edited = try await c.call("PATCH", c.gateway + "/api/invoices/\(id)", token: token, json: edit, headers: [("If-Match", etag)])
            #expect(edited.status == 200, "\(edited.text)")
            #expect(edited.json["subtotal"] as? Int == 145_000)
            #expect(edited.json["total"] as? Int == 159_500)
            #expect(edited.header("etag") != etag)
            #expect(try await c.call("PATCH", c.gateway + "/api/invoices/\(id)", token: token, json: edit, headers: [("If-Match", etag)]).status == 412)

            // Finalize: the number is assigned now; a finalized invoice cannot be edited or deleted.
            let finalized = try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token)
            #expect(finalized.status == 200)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let number = "INV-\(year)-0001"
            #expect(finalized.json["number"] as? String == number)
            #expect(finalized.json["status"] as? String == "finalized")
            #expect(try await c.call("PATCH", c.gateway + "/api/invoices/\(id)", token: token, json: edit).status == 409)
            #expect(try await c.call("DELETE", c.gateway + "/api/invoices/\(id)", token: token).status == 409)
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token).status == 409)

            // Send, pay part, pay the rest.
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/send", token: token).json["status"] as? String == "sent")
            let partly = try await c.call(
                "POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 50_000, "date": "2026-11-27", "method": "bank transfer"])
            #expect(partly.status == 200)
            #expect(partly.json["balance"] as? Int == 109_500)
            #expect(partly.json["status"] as? String == "sent")
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 200_000]).status == 422)
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 0.5]).status == 422)
            let paid = try await c.call("POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 109_500, "method": "card"])
            #expect(paid.json["balance"] as? Int == 0)
            #expect(paid.json["status"] as? String == "paid")
            #expect(try await c.call("POST", c.gateway + "/api/invoices/\(id)/void", token: token).status == 409)

            // PDF through the gateway.
            let pdf = try await c.call("GET", c.gateway + "/api/invoices/\(id)/pdf", token: token)
            #expect(pdf.status == 200)
            #expect(pdf.header("content-type") == "application/pdf")
            #expect(pdf.header("content-disposition") == "attachment; filename=\"invoice-\(number).pdf\"")
            #expect(pdf.body.starts(with: Array("%PDF".utf8)))
            let text = try pdfText(pdf.body)
            #expect(text.contains("Acme Corp"))
            #expect(text.contains("$1,595.00"))
            #expect(text.contains(number))

            // Another user sees none of it.
            let (other, _) = try await c.register("mallory@example.com", name: "Mallory")
            for path in ["/api/invoices/\(id)", "/api/invoices/\(id)/pdf"] {
                #expect(try await c.call("GET", c.gateway + path, token: other).status == 404)
            }
            #expect(try await c.call("DELETE", c.gateway + "/api/invoices/\(id)", token: other).status == 404)
            #expect((try await c.call("GET", c.gateway + "/api/invoices", token: other).json["items"] as? [Any])?.isEmpty == true)
            let malformed = try await c.call("GET", c.gateway + "/api/invoices/not-an-id", token: token)
            #expect(malformed.status == 404)
            #expect(malformed.header("content-type") == "application/problem+json")

            // Delete a draft.
            #expect(try await c.call("DELETE", c.gateway + "/api/invoices/\(secondID)", token: token).status == 204)
            #expect(try await c.call("GET", c.gateway + "/api/invoices/\(secondID)", token: token).status == 404)
        }
    }

    @Test func errorsAreProblemsWithTheRightStatus() async throws {
        try await Cluster.run { c in
            let (token, _) = try await c.register("errors@example.com")
            // The request id is kept end to end: the invoice role's problem carries the id the client sent.
            let notFound = try await c.call(
                "GET", c.gateway + "/api/invoices/0123456789abcdef0123456789abcdef", token: token, headers: [("X-Request-Id", "e2e-trace-1")])
            #expect(notFound.status == 404)
            #expect(notFound.json["requestId"] as? String == "e2e-trace-1")
            #expect(notFound.header("x-request-id") == "e2e-trace-1")

            let unknownRoute = try await c.call("GET", c.gateway + "/nowhere")
            #expect(unknownRoute.status == 404)
            #expect(unknownRoute.header("content-type") == "application/problem+json")
            #expect(unknownRoute.json["status"] as? Int == 404)

            let malformed = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, raw: Array("{\"transcript\":".utf8), contentType: "application/json")
            #expect(malformed.status == 400)
            let wrongType = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, raw: Array("transcript=x".utf8), contentType: "text/plain")
            #expect(wrongType.status == 415)
            let tooLong = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": String(repeating: "a", count: 10_001)])
            #expect(tooLong.status == 413)
            let huge = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": String(repeating: "a", count: 200_000)])
            #expect(huge.status == 413)
            let bigRegistration = try await c.call(
                "POST", c.gateway + "/api/auth/register", json: ["email": "x@y.z", "password": String(repeating: "p", count: 40_000), "name": "n"])
            #expect(bigRegistration.status == 413)
            let nonsense = try await c.call("POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "hello, how are you"])
            #expect(nonsense.status == 422)
            #expect(nonsense.header("content-type") == "application/problem+json")
            let missingField = try await c.call("POST", c.gateway + "/api/auth/register", json: ["email": "x@example.com"])
            #expect(missingField.status == 422)
            let dotSegments = try await c.call("POST", c.gateway + "/api/auth/%2e%2e/%2e%2e/internal/accounts", json: ["email": "x@example.com"])
            #expect(dotSegments.status == 400 || dotSegments.status == 404)

            let health = try await c.call("GET", c.gateway + "/api/health")
            #expect(health.status == 200)
            #expect((health.json["services"] as? [String: [String: Any]])?.values.allSatisfy { $0["status"] as? String == "ok" } == true)
            for base in [c.gateway, c.auth, c.user, c.invoice] {
                #expect(try await c.call("GET", base + "/healthz").status == 200)
            }
        }
    }

    /// User and invoice, called directly (not through the gateway), verify tokens themselves.
    @Test func servicesRejectBadTokensDirectly() async throws {
        try await Cluster.run { c in
            let (good, _) = try await c.register("direct@example.com")
            let secret = Array(Cluster.secret.utf8)
            let sub =
                try await TokenService(secret: secret, issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900).verifyAccessToken(good)
                .sub ?? ""
            let expired = try TokenService(
                secret: secret, issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900, now: { Date().addingTimeInterval(-3600) }
            ).issueAccessToken(userID: sub, email: nil, name: nil)
            let wrongKey = try TokenService(
                secret: Array("another-secret-0123456789abcdef0123456789".utf8), issuer: "voice-invoice", audience: "voice-invoice-api",
                accessTokenLifetime: 900
            ).issueAccessToken(userID: sub, email: nil, name: nil)
            let wrongAudience = try TokenService(secret: secret, issuer: "voice-invoice", audience: "someone-else", accessTokenLifetime: 900)
                .issueAccessToken(userID: sub, email: nil, name: nil)
            // What a compromised user or invoice role could mint: a service token signed with JWT_SECRET, which it holds.
            let serviceToken = try TokenService(
                secret: secret, issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900, serviceKey: secret
            )
            .issueServiceToken(caller: "gateway")
            // The same good token with its signature's last characters changed.
            let forged = String(good.dropLast(4)) + (good.hasSuffix("AAAA") ? "BBBB" : "AAAA")

            for url in [c.user + "/api/users/me", c.invoice + "/api/invoices"] {
                #expect(try await c.call("GET", url, token: good).status == 200, "good token at \(url)")
                let missing = try await c.call("GET", url)
                #expect(missing.status == 401)
                #expect(missing.header("www-authenticate")?.hasPrefix("Bearer") == true)
                for (name, token) in [
                    ("expired", expired), ("wrong key", wrongKey), ("wrong audience", wrongAudience), ("service token", serviceToken), ("forged", forged),
                    ("garbage", "abc"),
                ] {
                    let reply = try await c.call("GET", url, token: token)
                    #expect(reply.status == 401, "\(name) at \(url)")
                    #expect(reply.header("content-type") == "application/problem+json")
                }
            }
            // The auth role's internal endpoints open only to a service token, never to a user's.
            let internalCall = try await c.call(
                "POST", c.auth + "/internal/credentials/verify", token: good, json: ["email": "direct@example.com", "password": "correct horse battery"])
            #expect(internalCall.status == 401)
            // Nor to a service token made with the access-token secret (all a compromised invoice role has).
            let minted = try await c.call(
                "POST", c.auth + "/internal/credentials/verify", token: serviceToken,
                json: ["email": "direct@example.com", "password": "correct horse battery"])
            #expect(minted.status == 401)
            // The gateway's own service token (signed with AUTH_SERVICE_KEY) does open it: the test above is not vacuous.
            let genuine = try TokenService(
                secret: secret, issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900, serviceKey: Array(Cluster.serviceKey.utf8)
            )
            .issueServiceToken(caller: "gateway")
            #expect(
                try await c.call(
                    "POST", c.auth + "/internal/credentials/verify", token: genuine, json: ["email": "direct@example.com", "password": "correct horse battery"]
                ).status == 200)
        }
    }
}
