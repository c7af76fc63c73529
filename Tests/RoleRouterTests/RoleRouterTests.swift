import Auth
import Foundation
import Gateway
import HTTPClient
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Invoicing
import JWT
import NIOCore
import PDF
import ServiceKit
import Storage
import Testing
import Users

@testable import Invoices

/// Each role's router in process (HummingbirdTesting's router mode: no socket), on an in-memory SQLite store, with
/// tokens signed as the gateway signs them: the behaviour of a role without starting the four servers.
@Suite("Role routers in process")
struct RoleRouterTests {
    static let environment = [
        "JWT_SECRET": "router-secret-0123456789abcdef0123456789abcdef", "AUTH_SERVICE_KEY": "router-service-key-0123456789abcdef012345",
        "HOST": "127.0.0.1", "PORT": "0",
    ]

    struct Roles {
        let settings: Settings
        let http = CurlHTTPClient()
        let gatewayTokens: TokenService

        init() throws {
            self.settings = try Settings(environment: RoleRouterTests.environment)
            self.gatewayTokens = try self.settings.tokenService(for: .gateway, http: self.http)
        }

        func bearer(_ user: String) throws -> HTTPFields {
            [.authorization: "Bearer \(try self.gatewayTokens.issueAccessToken(userID: user, email: "\(user)@example.com", name: user))"]
        }

        static func json(_ object: Any) throws -> ByteBuffer { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)) }
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func store() async throws -> SQLiteStore {
        try SQLiteStore(path: ":memory:")
    }

    @Test func userRole() async throws {
        let roles = try Roles()
        defer { roles.http.shutdown() }
        let store = try await Self.store()
        try await store.prepare(UserRole.collections)
        let app = Application(router: try UserRole.buildRouter(store: store, tokens: try roles.settings.tokenService(for: .user, http: roles.http)))
        try await app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/api/users/me", method: .get)
            #expect(anonymous.status == .unauthorized && anonymous.headers[.contentType] == "application/problem+json")
            // A request without an id gets a fresh one: 16 lower-case hex digits, different each time.
            let ids = [anonymous.headers[.requestID], try await client.execute(uri: "/api/users/me", method: .get).headers[.requestID]]
            #expect(ids.allSatisfy { $0?.utf8.count == 16 && $0!.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } })
            #expect(ids[0] != ids[1])
            let fresh = try await client.execute(uri: "/api/users/me", method: .get, headers: try roles.bearer("u1"))
            #expect(try fresh.status == .ok && (Self.object(fresh))["defaultCurrency"] as? String == "USD")
            var json = try roles.bearer("u1")
            json[.contentType] = "application/json"
            let patched = try await client.execute(
                uri: "/api/users/me", method: .patch, headers: json, body: try Roles.json(["companyName": "Studio", "taxRate": 7.5]))
            #expect(try patched.status == .ok && (Self.object(patched))["taxRate"] as? Double == 7.5)
            let invalid = try await client.execute(uri: "/api/users/me", method: .patch, headers: json, body: try Roles.json(["timeZone": "Mars/Olympus"]))
            #expect(invalid.status == .unprocessableContent)
            // Another user sees their own profile, not this one.
            let other = try await client.execute(uri: "/api/users/me", method: .get, headers: try roles.bearer("u2"))
            #expect(try (Self.object(other))["companyName"] == nil)
            #expect(try await client.execute(uri: "/api/users/you", method: .get, headers: try roles.bearer("u1")).status == .notFound)
        }
    }

    @Test func authRole() async throws {
        let roles = try Roles()
        defer { roles.http.shutdown() }
        let store = try await Self.store()
        try await store.prepare(AuthRole.collections)
        let hasher = PasswordHasher()
        let app = Application(
            router: try AuthRole.buildRouter(store: store, hasher: hasher, tokens: try roles.settings.tokenService(for: .auth, http: roles.http)))
        try await app.test(.router) { client in
            let registration = try Roles.json(["email": "Ann@Example.com", "password": "correct horse battery", "name": "Ann"])
            // The internal hop needs the gateway's service token; an access token is not one.
            let refused = try await client.execute(uri: "/internal/accounts", method: .post, headers: [.contentType: "application/json"], body: registration)
            #expect(refused.status == .unauthorized)
            var service: HTTPFields = [
                .authorization: "Bearer \(try roles.gatewayTokens.issueServiceToken(caller: "gateway"))", .contentType: "application/json",
            ]
            let created = try await client.execute(uri: "/internal/accounts", method: .post, headers: service, body: registration)
            #expect(created.status == .created)
            let grant = try Self.object(created)
            let user = try #require(grant["user"] as? [String: Any])
            #expect(user["email"] as? String == "ann@example.com" && grant["refreshToken"] is String)
            #expect(try await client.execute(uri: "/internal/accounts", method: .post, headers: service, body: registration).status == .conflict)
            let wrong = try await client.execute(
                uri: "/internal/credentials/verify", method: .post, headers: service,
                body: try Roles.json(["email": "ann@example.com", "password": "not the password"])
            )
            #expect(wrong.status == .unauthorized)
            // The public account operations: the account by access token, and logout by refresh token.
            let id = try #require(user["id"] as? String)
            let me = try await client.execute(uri: "/api/auth/me", method: .get, headers: try roles.bearer(id))
            #expect(try me.status == .ok && (Self.object(me))["name"] as? String == "Ann")
            let logout = try await client.execute(
                uri: "/api/auth/logout", method: .post, headers: [.contentType: "application/json"],
                body: try Roles.json(["refreshToken": grant["refreshToken"] as? String ?? ""])
            )
            #expect(logout.status == .noContent)
            service[.contentType] = "application/json"
            let rotated = try await client.execute(
                uri: "/internal/refresh", method: .post, headers: service, body: try Roles.json(["refreshToken": grant["refreshToken"] as? String ?? ""])
            )
            #expect(rotated.status == .unauthorized)
        }
        try await hasher.shutdown()
    }

    @Test func invoiceRole() async throws {
        let roles = try Roles()
        defer { roles.http.shutdown() }
        let store = try await Self.store()
        try await store.prepare(UserRole.collections + InvoiceRole.collections)
        // The invoice role asks the user role for the profile over HTTP: the user role runs live on a loopback port.
        let users = Application(
            router: try UserRole.buildRouter(store: store, tokens: try roles.settings.tokenService(for: .user, http: roles.http)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        let renderer = InvoicePDFRenderer()
        try await users.test(.live) { userClient in
            let port = try #require(userClient.port)
            let invoices = Application(
                router: try InvoiceRole.buildRouter(
                    store: store, tokens: try roles.settings.tokenService(for: .invoice, http: roles.http),
                    userService: ServiceClient(baseURL: "http://127.0.0.1:\(port)", http: roles.http, timeout: .seconds(5)), renderer: renderer
                )
            )
            try await invoices.test(.router) { client in
                var json = try roles.bearer("owner")
                json[.contentType] = "application/json"
                let created = try await client.execute(
                    uri: "/api/invoices/transcript", method: .post, headers: json,
                    body: try Roles.json(["transcript": "Bill Acme for 3 hours of design at 100 dollars"])
                )
                #expect(created.status == .created)
                let invoice = try Self.object(created)
                let id = try #require(invoice["id"] as? String)
                #expect(created.headers[.location] == "/api/invoices/\(id)" && created.headers[.eTag] == "\"\(id)-1\"")
                #expect(invoice["total"] as? Int == 30_000 && invoice["currency"] as? String == "USD")
                // Where each value was heard, as UTF-16 spans of the transcript, with a confidence.
                let sources = try #require(invoice["sources"] as? [[String: Any]])
                let heard = Dictionary(sources.compactMap { s in (s["field"] as? String).map { ($0, s) } }, uniquingKeysWith: { a, _ in a })
                #expect(heard["clientName"]?["text"] as? String == "Acme" && heard["clientName"]?["start"] as? Int == 5)
                #expect(heard["items[0].quantity"]?["text"] as? String == "3 hours" && heard["items[0].unitPrice"]?["text"] as? String == "100 dollars")
                #expect(sources.allSatisfy { ($0["confidence"] as? Double).map { (0...1).contains($0) } ?? false })
                // Scoped to its owner: another user's token finds nothing.
                #expect(try await client.execute(uri: "/api/invoices/\(id)", method: .get, headers: try roles.bearer("intruder")).status == .notFound)
                let finalized = try await client.execute(uri: "/api/invoices/\(id)/finalize", method: .post, headers: try roles.bearer("owner"))
                #expect(try finalized.status == .ok && (Self.object(finalized))["number"] as? String != nil)
                let pdf = try await client.execute(uri: "/api/invoices/\(id)/pdf", method: .get, headers: try roles.bearer("owner"))
                #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf" && pdf.body.readableBytesView.starts(with: Array("%PDF".utf8)))
                let clients = try await client.execute(uri: "/api/clients", method: .get, headers: try roles.bearer("owner"))
                #expect(try ((Self.object(clients))["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Acme"])
                let badQuery = try await client.execute(uri: "/api/invoices?limit=0", method: .get, headers: try roles.bearer("owner"))
                #expect(badQuery.status == .badRequest)

                // Numbering against the store: eight drafts finalized at once take the next eight numbers, no gap, no twice.
                var ids: [String] = []
                for name in ["Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne"] {
                    let draft = try await client.execute(
                        uri: "/api/invoices/transcript", method: .post, headers: json,
                        body: try Roles.json(["transcript": "Bill \(name) for 1 hour of design at 50 dollars"])
                    )
                    ids.append(try #require(try Self.object(draft)["id"] as? String))
                }
                let headers = try roles.bearer("owner")
                let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
                    for id in ids {
                        group.addTask {
                            let finalized = try await client.execute(uri: "/api/invoices/\(id)/finalize", method: .post, headers: headers)
                            return try Self.object(finalized)["number"] as? String
                        }
                    }
                    return try await group.reduce(into: [String]()) { if let number = $1 { $0.append(number) } }
                }
                let year = Calendar(identifier: .gregorian).component(.year, from: Date())
                #expect(numbers.sorted() == (2...9).map { "INV-\(year)-000\($0)" })
            }
        }
        try await renderer.shutdown()
    }

    /// Drafting reads the book by index: a client known only by an alias, not among the recently invoiced ones (the
    /// vocabulary), is still matched; a service not among the recent ones still gives its usual rate.
    @Test func draftingFindsWhatItNeedsByIndex() async throws {
        let roles = try Roles()
        defer { roles.http.shutdown() }
        let store = try await Self.store()
        try await store.prepare(UserRole.collections + InvoiceRole.collections)
        let users = Application(
            router: try UserRole.buildRouter(store: store, tokens: try roles.settings.tokenService(for: .user, http: roles.http)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        let renderer = InvoicePDFRenderer()
        try await users.test(.live) { userClient in
            let port = try #require(userClient.port)
            let invoices = Application(
                router: try InvoiceRole.buildRouter(
                    store: store, tokens: try roles.settings.tokenService(for: .invoice, http: roles.http),
                    userService: ServiceClient(baseURL: "http://127.0.0.1:\(port)", http: roles.http, timeout: .seconds(5)), renderer: renderer
                )
            )
            try await invoices.test(.router) { client in
                var json = try roles.bearer("big-book")
                json[.contentType] = "application/json"
                func post(_ uri: String, _ body: [String: Any]) async throws -> [String: Any] {
                    let response = try await client.execute(uri: uri, method: .post, headers: json, body: try Roles.json(body))
                    #expect(response.status == .created, "\(uri): \(String(buffer: response.body))")
                    return try Self.object(response)
                }
                // Design at 50 is remembered first; then more recent clients and services push it and the alias out of
                // every "recent" list.
                _ = try await post("/api/invoices/transcript", ["transcript": "Bill Hooli for 2 hours of design at 50 dollars"])
                let initech = try #require(try await post("/api/clients", ["name": "Initech", "aliases": ["Ini Tech"]])["id"] as? String)
                let names = ["Acme", "Globex", "Umbrella", "Stark", "Wayne", "Wonka", "Cyberdyne", "Tyrell", "Soylent", "Vandelay", "Dunder", "Oscorp"]
                let services = [
                    "logo", "copy", "audit", "photos", "hosting", "editing", "research", "training", "consulting", "coding", "testing",
                    "review", "support", "translation", "illustration", "mixing", "mastering",
                ]
                #expect(names.count > BusinessMemory.vocabularyClients && services.count > BusinessMemory.vocabularyServices)
                for (n, service) in services.enumerated() {
                    _ = try await post(
                        "/api/invoices/transcript", ["transcript": "Bill \(names[n % names.count]) for 1 hour of \(service) at \(20 + n) dollars"])
                }
                let aliased = try await post("/api/invoices/transcript", ["transcript": "Bill Ini Tech for 2 hours of design at 15 dollars"])
                #expect(aliased["clientId"] as? String == initech)
                #expect((aliased["to"] as? [String: Any])?["name"] as? String == "Initech")
                // 15 sounds like the usual 50: the warning needs the catalog entry of "design", read by its key.
                let warnings = (aliased["warnings"] as? [[String: Any]]) ?? []
                #expect(warnings.contains { $0["field"] as? String == "items[0].unitPrice" }, "\(warnings)")
            }
        }
        try await renderer.shutdown()
    }

    /// Exports stream page by page (500 invoices a page): across page boundaries every invoice of the user comes
    /// exactly once, newest first, in CSV and JSON Lines alike, and nobody else's.
    @Test func exportsStreamEveryInvoiceAcrossPages() async throws {
        let roles = try Roles()
        defer { roles.http.shutdown() }
        let store = try await Self.store()
        try await store.prepare(InvoiceRole.collections)
        let count = ExportPages.pageSize * 2 + 234
        let start = Date.storeNow.addingTimeInterval(-86_400)
        var expected: [String] = []
        for n in 0..<(count + 3) {
            let owner = n < count ? "exporter" : "someone-else"
            let at = start.addingTimeInterval(Double(n / 2))  // pairs share a createdAt: the id breaks the tie
            let invoice = try Invoice(
                id: DocumentID.make(), ownerId: owner, source: .manual, issueDate: CalendarDate(at), dueDate: CalendarDate(at).adding(days: 14),
                currency: .usd, from: Party(name: "Studio"), to: Party(name: "Client \(n)"),
                items: [LineItem(description: "Work \(n)", quantity: Quantity(1), unit: nil, unitPrice: 100 + Int64(n))], taxRate: .zero, createdAt: at)
            try await store.insert(invoice, into: "invoices")
            if n < count { expected.append(invoice.id) }
        }
        // Newest first: createdAt descending, then id descending.
        let created = Dictionary(uniqueKeysWithValues: expected.enumerated().map { ($1, $0 / 2) })
        expected.sort { (created[$0]!, $0) > (created[$1]!, $1) }
        let newestFirst = expected
        let renderer = InvoicePDFRenderer()
        let app = Application(
            router: try InvoiceRole.buildRouter(
                store: store, tokens: try roles.settings.tokenService(for: .invoice, http: roles.http),
                userService: ServiceClient(baseURL: "http://127.0.0.1:1", http: roles.http, timeout: .seconds(1)), renderer: renderer))
        try await app.test(.router) { client in
            let csv = try await client.execute(uri: "/api/invoices/export?format=csv", method: .get, headers: try roles.bearer("exporter"))
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            let rows = String(buffer: csv.body).split(separator: "\r\n")
            #expect(rows.first == Substring(InvoiceCSV.columns.joined(separator: ",")))
            #expect(rows.dropFirst().map { String($0.prefix(32)) } == newestFirst)

            let jsonl = try await client.execute(uri: "/api/invoices/export?format=jsonl", method: .get, headers: try roles.bearer("exporter"))
            #expect(jsonl.status == .ok && jsonl.headers[.contentType] == "application/jsonl")
            #expect(jsonl.headers[.contentDisposition] == "attachment; filename=\"invoices.jsonl\"")
            let lines = String(buffer: jsonl.body).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "" && lines.count == count + 1)
            let ids = try lines.dropLast().map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["id"] as? String
            }
            #expect(ids == newestFirst)

            let json = try await client.execute(uri: "/api/invoices/export?format=json", method: .get, headers: try roles.bearer("exporter"))
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [[String: Any]])?.compactMap { $0["id"] as? String } == newestFirst)
            let filtered = try await client.execute(uri: "/api/invoices/export?format=jsonl&q=work%201233", method: .get, headers: try roles.bearer("exporter"))
            #expect(String(buffer: filtered.body).split(separator: "\n").count == 1)
            let bad = try await client.execute(uri: "/api/invoices/export?format=jsonl&from=yesterday", method: .get, headers: try roles.bearer("exporter"))
            #expect(bad.status == .badRequest && bad.headers[.contentType] == "application/problem+json")
        }
        try await renderer.shutdown()
    }

    @Test func gatewayRole() async throws {
        let roles = try Roles()
        defer { roles.http.shutdown() }
        let router = try GatewayRole.buildRouter(
            settings: roles.settings, upstreams: Upstreams(auth: "http://127.0.0.1:1", user: "http://127.0.0.1:1", invoice: "http://127.0.0.1:1"),
            tokens: roles.gatewayTokens, publishedKeys: JWKSet(keys: []), http: roles.http, timeout: .seconds(2)
        )
        try await Application(router: router).test(.router) { client in
            let document = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(document.status == .ok && document.headers[.cacheControl] == "public, max-age=300")
            #expect(try (Self.object(document))["openapi"] as? String == "3.1.0")
            let keys = try await client.execute(uri: "/.well-known/jwks.json", method: .get)
            #expect(try keys.status == .ok && (Self.object(keys))["keys"] as? [Any] != nil)
            // Forwarded operations with every upstream refusing: a 502 problem; a path the document lacks: a 404.
            let proxied = try await client.execute(uri: "/api/users/me", method: .get, headers: try roles.bearer("u"))
            #expect(proxied.status == .badGateway && proxied.headers[.contentType] == "application/problem+json")
            #expect(try await client.execute(uri: "/api/invoices/x/bogus", method: .get, headers: try roles.bearer("u")).status == .notFound)
            // Sign-in validates the body at the gateway before any upstream call.
            let malformed = try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{\"email\": 1}"))
            #expect(malformed.status == .unprocessableContent)
        }
    }

    /// The web app at the gateway: every client-side route is index.html with the app's CSP; assets are versioned,
    /// cached for a year under the current version, revalidated otherwise; ETags answer 304; the embedded files are
    /// exactly the WebApp folder; other paths stay 404 problems.
    @Test func gatewayServesTheWebApp() async throws {
        let roles = try Roles()
        defer { roles.http.shutdown() }
        let router = try GatewayRole.buildRouter(
            settings: roles.settings, upstreams: Upstreams(auth: "http://127.0.0.1:1", user: "http://127.0.0.1:1", invoice: "http://127.0.0.1:1"),
            tokens: roles.gatewayTokens, publishedKeys: JWKSet(keys: []), http: roles.http, timeout: .seconds(2)
        )
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/Gateway/WebApp")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
        try await Application(router: router).test(.router) { client in
            var version = ""
            for page in ["/", "/signin", "/auth/callback", "/invoices/new", "/invoices/0123456789abcdef0123456789abcdef", "/settings"] {
                let response = try await client.execute(uri: page, method: .get)
                #expect(response.status == .ok && response.headers[.contentType] == "text/html; charset=utf-8", "\(page)")
                let csp = try #require(response.headers[.contentSecurityPolicy])
                #expect(csp.contains("script-src 'self'") && csp.contains("require-trusted-types-for 'script'") && csp.contains("frame-ancestors 'none'"))
                #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
                #expect(response.headers[.cacheControl] == "no-cache")
                let html = String(buffer: response.body)
                #expect(!html.contains("<script>") && html.firstMatch(of: #/ on[a-z]+=/#) == nil, "no inline script or handler")
                let match = try #require(html.firstMatch(of: /"\/assets\/([0-9a-f]{12})\/app\.js"/))
                version = String(match.1)
            }
            let index = try await client.execute(uri: "/", method: .get)
            let etag = try #require(index.headers[.eTag])
            let unchanged = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag])
            #expect(unchanged.status == .notModified && unchanged.body.readableBytes == 0)
            // Every file of the folder is served (nothing in the folder is left out of the binary), and nothing else.
            for file in files where file != "index.html" {
                let current = try await client.execute(uri: "/assets/\(version)/\(file)", method: .get)
                #expect(current.status == .ok && current.headers[.cacheControl] == "public, max-age=31536000, immutable", "\(file)")
                #expect(current.body == ByteBuffer(bytes: try Data(contentsOf: folder.appendingPathComponent(file))), "\(file) differs from the folder")
                let stale = try await client.execute(uri: "/assets/0000000000aa/\(file)", method: .get)
                #expect(stale.status == .ok && stale.headers[.cacheControl] == "no-cache")
                #expect(
                    try await client.execute(uri: "/assets/\(file)", method: .get, headers: [.ifNoneMatch: try #require(current.headers[.eTag])]).status
                        == .notModified)
            }
            #expect(try await client.execute(uri: "/assets/app.js", method: .get).headers[.contentType] == "text/javascript; charset=utf-8")
            // gzip, compressed once at start, for a browser that accepts it: its own entity tag, and q=0 refuses it.
            let plain = try await client.execute(uri: "/assets/\(version)/app.js", method: .get)
            let gzipped = try await client.execute(uri: "/assets/\(version)/app.js", method: .get, headers: [.acceptEncoding: "br;q=1, gzip;q=0.8"])
            #expect(gzipped.headers[.contentEncoding] == "gzip" && gzipped.headers[.vary] == "Accept-Encoding")
            #expect(Array(gzipped.body.readableBytesView.prefix(2)) == [0x1f, 0x8b] && gzipped.body.readableBytes < plain.body.readableBytes / 2)
            #expect(gzipped.headers[.eTag] != plain.headers[.eTag])
            let revalidated = try await client.execute(
                uri: "/assets/\(version)/app.js", method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: try #require(gzipped.headers[.eTag])])
            #expect(revalidated.status == .notModified)
            #expect(try await client.execute(uri: "/", method: .get, headers: [.acceptEncoding: "gzip;q=0"]).headers[.contentEncoding] == nil)
            let missing = try await client.execute(uri: "/assets/\(version)/secrets.txt", method: .get)
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json")
            #expect(try await client.execute(uri: "/invoices", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/assets/%2e%2e/Package.swift", method: .get).status == .badRequest)
        }
    }
}
