import Foundation
import ServiceKit
import TestSupport
import Testing

/// The invoice product through the gateway: voice journey, address book and memory, manual drafts, regeneration,
/// filters, export, and owner scoping on every route.
@Suite("Invoices: voice journey, memory, manual, filters, scoping", .serialized)
struct InvoiceFeatureTests {
    /// Real speech: espeak-ng (installed by the test command) says the sentence into a WAV file.
    static func spoken(_ sentence: String) throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("speech-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/espeak-ng")
        process.arguments = ["-w", file.path, sentence]
        try process.run()
        process.waitUntilExit()
        return Array(try Data(contentsOf: file))
    }

    static func items(_ reply: Reply) -> [[String: Any]] { reply.json["items"] as? [[String: Any]] ?? [] }

    @Test func theJourneyByVoice() async throws {
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-journey"])
        defer { peer.stop() }
        try await Cluster.run(services: ["OPENAI_API_KEY": "sk-journey", "OPENAI_BASE_URL": peer.baseURL + "/v1"]) { c in
            let (token, _) = try await c.register("journey@example.com")
            _ = try await c.call(
                "PATCH", c.gateway + "/api/users/me", token: token, json: ["companyName": "Ann Studio", "invoicePrefix": "ANN", "paperSize": "Letter"])
            let sentence = "Bill Acme for twelve hours of design at 85 dollars, due in two weeks"
            _ = try await c.call("POST", peer.baseURL + "/test/script", json: ["transcript": sentence])

            // Audio file → transcript (the peer) → extraction (the peer, strict schema) → draft.
            let (type, body) = VoiceTests.multipart(fileName: "note.wav", contentType: "audio/wav", bytes: try Self.spoken(sentence))
            let created = try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: body, contentType: type)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["source"] as? String == "voice")
            #expect(created.json["total"] as? Int == 102_000)
            #expect(created.json["paperSize"] as? String == "Letter")
            #expect(created.json["originalTranscript"] as? String == sentence)

            // Edit with the ETag: a discount and a PO number; the server recomputes.
            let etag = try #require(created.header("etag"))
            let edited = try await c.call(
                "PATCH", c.gateway + "/api/invoices/\(id)", token: token,
                json: [
                    "discountRate": 10, "poNumber": "PO-1",
                    "items": [["description": "Design", "quantity": 12, "unit": "hour", "unitPrice": 8500, "taxRate": 5]],
                ],
                headers: [("If-Match", etag)]
            )
            #expect(edited.status == 200, "\(edited.text)")
            #expect(edited.json["discount"] as? Int == 10_200)
            #expect(edited.json["tax"] as? Int == 4590)  // 5 % of 918.00
            #expect(edited.json["total"] as? Int == 96_390)
            #expect(
                try await c.call("PATCH", c.gateway + "/api/invoices/\(id)", token: token, json: ["poNumber": "x"], headers: [("If-Match", etag)]).status == 412
            )

            // Finalize with the profile's prefix, pay part, pay the rest.
            let finalized = try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(finalized.json["number"] as? String == "ANN-\(year)-0001")
            #expect((finalized.json["from"] as? [String: Any])?["name"] as? String == "Ann Studio")
            let part = try await c.call(
                "POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 40_000, "date": "2026-11-30", "method": "card"])
            #expect(part.json["balance"] as? Int == 56_390)
            #expect(part.json["status"] as? String == "finalized")
            let rest = try await c.call("POST", c.gateway + "/api/invoices/\(id)/payments", token: token, json: ["amount": 56_390, "method": "bank transfer"])
            #expect(rest.json["balance"] as? Int == 0)
            #expect(rest.json["status"] as? String == "paid")

            // The PDF: Letter paper, payments, balance; an unchanged revision answers If-None-Match with 304.
            let pdf = try await c.call("GET", c.gateway + "/api/invoices/\(id)/pdf", token: token)
            #expect(pdf.status == 200)
            let text = try pdfText(pdf.body)
            #expect(text.contains("ANN-\(year)-0001"))
            #expect(text.contains("Paid 2026-11-30 · card"))
            #expect(text.contains("Balance due"))
            #expect(text.contains("PO-1"))
            let pdfTag = try #require(pdf.header("etag"))
            let again = try await c.call("GET", c.gateway + "/api/invoices/\(id)/pdf", token: token)
            #expect(again.body == pdf.body)  // byte-identical for one revision
            let cached = try await c.call("GET", c.gateway + "/api/invoices/\(id)/pdf", token: token, headers: [("If-None-Match", pdfTag)])
            #expect(cached.status == 304)
            #expect(cached.body.isEmpty)

            // The memory reached the provider: the client is in the next transcription prompt and extraction prompt.
            _ = try await c.call("POST", c.gateway + "/api/transcriptions", token: token, raw: body, contentType: type)
            let seen = try JSONSerialization.jsonObject(with: Data(try await c.call("GET", peer.baseURL + "/test/requests").body)) as? [[String: Any]] ?? []
            #expect((seen.last?["prompt"] as? String)?.contains("Acme") == true)
            #expect((seen.last?["prompt"] as? String)?.contains("Design") == true)
        }
    }

    @Test(arguments: ["sqlite", "mongodb"])
    func addressBookAndBusinessMemory(engine: String) async throws {
        let common = engine == "mongodb" ? ["MONGODB_URI": try MongoPeer.uri()] : [:]
        try await Cluster.run(common: common) { c in
            let (token, _) = try await c.register("memory-\(engine)@example.com")
            let created = try await c.call(
                "POST", c.gateway + "/api/clients", token: token,
                json: [
                    "name": "Société Générale Café", "aliases": ["SGC", "the cafe"], "email": "ap@sgc.example", "address": "2 Rue Neuve, Lyon",
                    "currency": "EUR", "paymentTermsDays": 45, "taxRate": 20,
                ]
            )
            #expect(created.status == 201, "\(created.text)")
            let clientID = try #require(created.json["id"] as? String)
            #expect(try await c.call("POST", c.gateway + "/api/clients", token: token, json: ["name": "societe generale cafe"]).status == 409)
            #expect(try await c.call("POST", c.gateway + "/api/clients", token: token, json: ["name": "Other", "aliases": ["sgc"]]).status == 409)
            #expect(try await c.call("POST", c.gateway + "/api/clients", token: token, json: ["name": "  "]).status == 422)
            #expect(try await c.call("POST", c.gateway + "/api/clients", token: token, json: ["name": "X", "email": "nope"]).status == 422)

            // Spoken without accents, in lower case: matched, and the client's defaults apply.
            let draft = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "bill societe generale cafe for 2 hours of design at 50"])
            #expect(draft.status == 201, "\(draft.text)")
            #expect(draft.json["clientId"] as? String == clientID)
            #expect((draft.json["to"] as? [String: Any])?["name"] as? String == "Société Générale Café")
            #expect((draft.json["to"] as? [String: Any])?["address"] as? String == "2 Rue Neuve, Lyon")
            #expect(draft.json["currency"] as? String == "EUR")
            #expect(draft.json["tax"] as? Int == 2000)
            // By alias.
            let byAlias = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Invoice the cafe for 1 hour of design at 50"])
            #expect(byAlias.json["clientId"] as? String == clientID)
            // A sound-alike of the usual rate is flagged, not changed.
            let misheard = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill SGC for 3 hours of design at fifteen"])
            let warnings = misheard.json["warnings"] as? [[String: Any]] ?? []
            #expect(
                warnings.contains { ($0["field"] as? String) == "items[0].unitPrice" && ($0["message"] as? String)?.contains("sound alike") == true },
                "\(warnings)")
            #expect((Self.items(misheard).first)?["unitPrice"] as? Int == 1500)

            // A new name joins the book; the book and the catalog remember.
            _ = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Initech for 4 hours of copywriting at 70 dollars"])
            let recent = Self.items(try await c.call("GET", c.gateway + "/api/clients?sort=recent", token: token))
            #expect(recent.compactMap { $0["name"] as? String } == ["Initech", "Société Générale Café"])
            #expect(recent.last?["invoiceCount"] as? Int == 3)
            let catalog = Self.items(try await c.call("GET", c.gateway + "/api/catalog", token: token))
            #expect(Set(catalog.compactMap { $0["description"] as? String }) == ["Design", "Copywriting"])
            let design = try #require(catalog.first { $0["description"] as? String == "Design" })
            #expect(design["unitPrice"] as? Int == 1500)  // the last rate charged
            #expect(design["useCount"] as? Int == 3)

            // Forget: a catalog entry and a client, one by one; invoices keep their copy.
            #expect(try await c.call("DELETE", c.gateway + "/api/catalog/\(design["id"] as? String ?? "")", token: token).status == 204)
            #expect(Self.items(try await c.call("GET", c.gateway + "/api/catalog", token: token)).count == 1)
            let patched = try await c.call(
                "PATCH", c.gateway + "/api/clients/\(clientID)", token: token, json: ["paymentTermsDays": NSNull(), "aliases": ["SG"]])
            #expect(patched.status == 200)
            #expect(patched.json["paymentTermsDays"] == nil || patched.json["paymentTermsDays"] is NSNull, "\(patched.text)")
            #expect(try await c.call("DELETE", c.gateway + "/api/clients/\(clientID)", token: token).status == 204)
            #expect(try await c.call("GET", c.gateway + "/api/clients/\(clientID)", token: token).status == 404)
            let kept = try await c.call("GET", c.gateway + "/api/invoices/\(draft.json["id"] as? String ?? "")", token: token)
            #expect((kept.json["to"] as? [String: Any])?["name"] as? String == "Société Générale Café")
        }
    }

    @Test func manualDraftsRegenerationFiltersAndExport() async throws {
        try await Cluster.run { c in
            let (token, _) = try await c.register("manual@example.com")
            _ = try await c.call("PATCH", c.gateway + "/api/users/me", token: token, json: ["defaultTerms": "Net 30. Thank you!", "timeZone": "Asia/Tokyo"])
            let manual = try await c.call(
                "POST", c.gateway + "/api/invoices", token: token,
                json: [
                    "client": ["name": "=HYPERLINK(\"x\")", "email": "a@b.example"], "currency": "JPY", "issueDate": "2026-03-01", "dueDate": "2026-03-31",
                    "items": [["description": "Consulting", "quantity": 2, "unitPrice": 15000, "discountRate": 10]], "taxRate": 10, "poNumber": "A-9",
                ]
            )
            #expect(manual.status == 201, "\(manual.text)")
            #expect(manual.json["source"] as? String == "manual")
            #expect(manual.json["subtotal"] as? Int == 27_000)
            #expect(manual.json["total"] as? Int == 29_700)
            #expect(manual.json["terms"] as? String == "Net 30. Thank you!")
            #expect(manual.json["dueDate"] as? String == "2026-03-31")
            let manualID = try #require(manual.json["id"] as? String)
            // JPY has no minor unit: cents are refused, as are impossible dates and a due date before the issue date.
            #expect(
                try await c.call(
                    "POST", c.gateway + "/api/invoices", token: token,
                    json: ["client": ["name": "A"], "currency": "JPY", "items": [["description": "x", "quantity": 1, "unitPrice": 1.5]]]
                ).status == 422)
            #expect(
                try await c.call(
                    "POST", c.gateway + "/api/invoices", token: token,
                    json: ["client": ["name": "A"], "issueDate": "2026-02-30", "items": [["description": "x", "quantity": 1, "unitPrice": 1]]]
                ).status == 422)
            #expect(
                try await c.call(
                    "POST", c.gateway + "/api/invoices", token: token,
                    json: [
                        "client": ["name": "A"], "issueDate": "2026-03-02", "dueDate": "2026-03-01",
                        "items": [["description": "x", "quantity": 1, "unitPrice": 1]],
                    ]
                ).status == 422)
            #expect(
                try await c.call(
                    "POST", c.gateway + "/api/invoices", token: token,
                    json: ["clientId": "0123456789abcdef0123456789abcdef", "items": [["description": "x", "quantity": 1, "unitPrice": 1]]]
                ).status == 422)

            // Regenerate a draft from new words: same id, new content, next revision.
            let spoken = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Umbrella for 3 hours of research at 90 dollars"])
            let spokenID = try #require(spoken.json["id"] as? String)
            let regenerated = try await c.call(
                "POST", c.gateway + "/api/invoices/\(spokenID)/regenerate", token: token,
                json: ["transcript": "Bill Umbrella for 5 hours of research at 95 dollars"],
                headers: [("If-Match", spoken.header("etag") ?? "")]
            )
            #expect(regenerated.status == 200, "\(regenerated.text)")
            #expect(regenerated.json["id"] as? String == spokenID)
            #expect(regenerated.json["subtotal"] as? Int == 47_500)
            #expect(regenerated.json["revision"] as? Int == 2)
            #expect(regenerated.json["originalTranscript"] as? String == "Bill Umbrella for 5 hours of research at 95 dollars")
            _ = try await c.call("POST", c.gateway + "/api/invoices/\(manualID)/finalize", token: token)
            #expect(
                try await c.call("POST", c.gateway + "/api/invoices/\(manualID)/regenerate", token: token, json: ["transcript": "Bill X for 1 hour of y at 1"])
                    .status == 409)

            // Filters: status, text (accent- and case-insensitive), issue dates, client.
            func ids(_ query: String) async throws -> [String] {
                Self.items(try await c.call("GET", c.gateway + "/api/invoices?\(query)", token: token)).compactMap { $0["id"] as? String }
            }
            #expect(try await ids("status=draft") == [spokenID])
            #expect(try await ids("status=finalized") == [manualID])
            #expect(try await ids("q=RESEARCH") == [spokenID])
            #expect(try await ids("q=consult") == [manualID])
            #expect(try await ids("q=zzz") == [])
            #expect(try await ids("q=.*").count == 2)  // punctuation only: no text to search for
            #expect(try await ids("from=2026-03-01&to=2026-03-01") == [manualID])
            #expect(try await ids("to=2026-02-28") == [])
            #expect(try await ids("clientId=\(regenerated.json["clientId"] as? String ?? "-")") == [spokenID])
            #expect(try await c.call("GET", c.gateway + "/api/invoices?status=bogus", token: token).status == 400)
            #expect(try await c.call("GET", c.gateway + "/api/invoices?from=yesterday", token: token).status == 400)
            #expect(try await c.call("GET", c.gateway + "/api/invoices?limit=101", token: token).status == 400)

            // Export: CSV with formula cells defused, and JSON.
            let csv = try await c.call("GET", c.gateway + "/api/invoices/export?format=csv", token: token)
            #expect(csv.status == 200)
            #expect(csv.header("content-type") == "text/csv; charset=utf-8")
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.count == 3)
            #expect(lines[0].hasPrefix("id,number,status"))
            #expect(csv.text.contains("\"'=HYPERLINK(\"\"x\"\")\""))
            #expect(csv.text.contains(",JPY,27000,0,2700,29700,0,29700"))
            #expect(csv.text.contains(",USD,475.00,0.00,0.00,475.00,0.00,475.00"))
            let json = try await c.call("GET", c.gateway + "/api/invoices/export?format=json&status=draft", token: token)
            #expect((try JSONSerialization.jsonObject(with: Data(json.body)) as? [[String: Any]])?.count == 1)
            // JSON Lines streams through the gateway (chunked, no Content-Length): one invoice per line.
            let jsonl = try await c.call("GET", c.gateway + "/api/invoices/export?format=jsonl", token: token)
            #expect(jsonl.status == 200 && jsonl.header("content-type") == "application/jsonl" && jsonl.header("content-length") == nil)
            let exported = try jsonl.text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(exported.count == 2 && exported.allSatisfy { $0?["total"] is Int })
            #expect(try await c.call("GET", c.gateway + "/api/invoices/export?format=xml", token: token).status == 400)
        }
    }

    /// Every route, called with another user's ids, is a 404 and changes nothing.
    @Test func everyRouteIsScopedToItsOwner() async throws {
        try await Cluster.run { c in
            let (owner, _) = try await c.register("owner@example.com")
            let (other, _) = try await c.register("other@example.com")
            let draft = try #require(
                try await c.call(
                    "POST", c.gateway + "/api/invoices/transcript", token: owner, json: ["transcript": "Bill Acme for 2 hours of design at 50 dollars"]
                ).json["id"] as? String)
            let final = try #require(
                try await c.call(
                    "POST", c.gateway + "/api/invoices/transcript", token: owner, json: ["transcript": "Bill Acme for 3 hours of design at 50 dollars"]
                ).json["id"] as? String)
            _ = try await c.call("POST", c.gateway + "/api/invoices/\(final)/finalize", token: owner)
            let client = try #require(Self.items(try await c.call("GET", c.gateway + "/api/clients", token: owner)).first?["id"] as? String)
            let entry = try #require(Self.items(try await c.call("GET", c.gateway + "/api/catalog", token: owner)).first?["id"] as? String)

            let calls: [(String, String, Any?)] = [
                ("GET", "/api/invoices/\(draft)", nil), ("PATCH", "/api/invoices/\(draft)", ["notes": "x"]), ("DELETE", "/api/invoices/\(draft)", nil),
                ("POST", "/api/invoices/\(draft)/regenerate", ["transcript": "Bill X for 1 hour of y at 1"]), ("POST", "/api/invoices/\(draft)/finalize", nil),
                ("GET", "/api/invoices/\(draft)/pdf", nil), ("POST", "/api/invoices/\(final)/send", nil),
                ("POST", "/api/invoices/\(final)/payments", ["amount": 100]), ("POST", "/api/invoices/\(final)/void", nil),
                ("GET", "/api/clients/\(client)", nil), ("PATCH", "/api/clients/\(client)", ["name": "Mine now"]), ("DELETE", "/api/clients/\(client)", nil),
                ("DELETE", "/api/catalog/\(entry)", nil),
                ("POST", "/api/invoices", ["clientId": client, "items": [["description": "x", "quantity": 1, "unitPrice": 1]]]),
            ]
            for (method, path, body) in calls {
                let reply = try await c.call(method, c.gateway + path, token: other, json: body)
                let expected = path == "/api/invoices" ? 422 : 404  // someone else's client id is unknown, like a made-up one
                #expect(reply.status == expected, "\(method) \(path) → \(reply.status)")
                #expect(reply.header("content-type") == "application/problem+json")
            }
            for query in ["", "?clientId=\(client)", "?q=acme", "/export?format=json"] {
                let reply = try await c.call("GET", c.gateway + "/api/invoices\(query)", token: other)
                let rows = query.hasPrefix("/export") ? (try JSONSerialization.jsonObject(with: Data(reply.body)) as? [Any]) : (reply.json["items"] as? [Any])
                #expect(rows?.isEmpty == true, "\(query)")
            }
            #expect(Self.items(try await c.call("GET", c.gateway + "/api/clients", token: other)).isEmpty)
            #expect(Self.items(try await c.call("GET", c.gateway + "/api/catalog", token: other)).isEmpty)
            // Nothing changed for the owner.
            let still = try await c.call("GET", c.gateway + "/api/invoices/\(draft)", token: owner)
            #expect(still.status == 200 && still.json["revision"] as? Int == 1)
            #expect(try await c.call("GET", c.gateway + "/api/invoices/\(final)", token: owner).json["status"] as? String == "finalized")
            #expect(try await c.call("GET", c.gateway + "/api/clients/\(client)", token: owner).json["name"] as? String == "Acme")
            #expect(Self.items(try await c.call("GET", c.gateway + "/api/catalog", token: owner)).count == 1)
        }
    }
}
