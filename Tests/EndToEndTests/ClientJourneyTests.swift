import Foundation
import HTTPClient
import HTTPTypes
import OpenAPIRuntime
import Testing
import VoiceInvoiceClient

/// The journey as a client app makes it: through `VoiceInvoiceClient`, generated from the public document alone with
/// the generator's default configuration (what a developer gets from `/openapi.json`), over the four roles as separate
/// servers. Every call is typed: a response the document does not describe fails to decode here.
@Suite("The journey through the generated client")
struct ClientJourneyTests {
    /// `Authorization: Bearer …` on every call, as an app's middleware would add it.
    struct BearerMiddleware: ClientMiddleware {
        let token: String
        func intercept(
            _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
            next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
        ) async throws -> (HTTPResponse, HTTPBody?) {
            var request = request
            request.headerFields[.authorization] = "Bearer \(self.token)"
            return try await next(request, body, baseURL)
        }
    }

    @Test func signUpDraftEditFinalizePayAndDownload() async throws {
        try await Cluster.run { c in
            let http = CurlHTTPClient()
            defer { http.shutdown() }
            let server = try #require(URL(string: c.gateway))
            let anonymous = Client(serverURL: server, transport: CurlClientTransport(http: http))

            // Sign up: tokens for the new account.
            let tokens = try await anonymous.register(body: .json(.init(email: "client@example.com", password: "correct horse battery", name: "Cleo"))).created
                .body.json
            #expect(tokens.tokenType == .bearer && tokens.user.email == "client@example.com")
            let api = Client(serverURL: server, transport: CurlClientTransport(http: http), middlewares: [BearerMiddleware(token: tokens.accessToken)])
            #expect(try await api.me().ok.body.json.name == "Cleo")

            // The business profile: currency, tax and terms that drafts take.
            let profile = try await api.updateProfile(body: .json(.init(companyName: "Cleo Studio", defaultCurrency: "EUR", taxRate: 20))).ok.body.json
            #expect(profile.companyName == "Cleo Studio" && profile.defaultCurrency == "EUR" && profile.taxRate == 20)

            // Words → a draft; the server computed every amount, in integer minor units.
            let created = try await api.createFromTranscript(body: .json(.init(transcript: "Bill Globex for 10 hours of consulting at 120 euros"))).created
            let draft = try created.body.json
            #expect(created.headers.location == "/api/invoices/\(draft.id)")
            #expect(draft.status == .draft && draft.number == nil && draft.to.name == "Globex" && draft.currency == "EUR")
            #expect(draft.subtotal == 120_000 && draft.tax == 24_000 && draft.total == 144_000 && draft.balance == 144_000)
            let etag = try #require(created.headers.eTag)
            // The spans say where each value was heard.
            let price = try #require(draft.sources?.first { $0.field == "items[0].unitPrice" })
            #expect(price.text == "120 euros" && price.start == 42 && price.end == 51 && price.confidence > 0.5)

            // GET → PATCH with what was read changes nothing: same revision, same amounts.
            let read = try await api.getInvoice(path: .init(id: draft.id)).ok
            let items = try read.body.json.items.map {
                Components.Schemas.LineItemInput(
                    description: $0.description, quantity: $0.quantity, unit: $0.unit, unitPrice: $0.unitPrice, discountRate: $0.discountRate,
                    taxRate: $0.taxRate)
            }
            let same = try await api.updateInvoice(path: .init(id: draft.id), headers: .init(ifMatch: read.headers.eTag), body: .json(.init(items: items))).ok
            let unchanged = try same.body.json
            #expect(unchanged.revision == draft.revision && unchanged.total == draft.total && same.headers.eTag == etag)
            // A real edit: 12 hours; a stale If-Match afterwards is a 412.
            var twelve = items
            twelve[0].quantity = 12
            let edited = try await api.updateInvoice(path: .init(id: draft.id), headers: .init(ifMatch: etag), body: .json(.init(items: twelve))).ok.body.json
            #expect(edited.total == 172_800 && edited.revision == draft.revision + 1)
            let stale = try await api.updateInvoice(path: .init(id: draft.id), headers: .init(ifMatch: etag), body: .json(.init(notes: "late")))
            guard case .preconditionFailed(let refused) = stale else {
                Issue.record("a stale If-Match was accepted: \(stale)")
                return
            }
            #expect(try refused.body.applicationProblemJson.status == 412)

            // Finalize: the first number of the year; then a partial and a final payment.
            let finalized = try await api.finalizeInvoice(path: .init(id: draft.id)).ok.body.json
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(finalized.status == .finalized && finalized.number == "INV-\(year)-0001")
            let partial = try await api.recordPayment(path: .init(id: draft.id), body: .json(.init(amount: 72_800, method: "bank"))).ok.body.json
            #expect(partial.balance == 100_000 && partial.status == .finalized)
            let paid = try await api.recordPayment(path: .init(id: draft.id), body: .json(.init(amount: 100_000))).ok.body.json
            #expect(paid.balance == 0 && paid.status == .paid && paid.payments.count == 2)

            // The PDF, then a revalidation without a download.
            let pdf = try await api.invoicePDF(path: .init(id: draft.id)).ok
            let bytes = try await [UInt8](collecting: pdf.body.pdf, upTo: 10 * 1024 * 1024)
            #expect(bytes.starts(with: Array("%PDF-".utf8)))
            #expect(pdf.headers.contentDisposition == "attachment; filename=\"invoice-INV-\(year)-0001.pdf\"")
            let again = try await api.invoicePDF(path: .init(id: draft.id), headers: .init(ifNoneMatch: pdf.headers.eTag))
            guard case .notModified = again else {
                Issue.record("If-None-Match did not revalidate: \(again)")
                return
            }

            // The list and the address book know it.
            let page = try await api.listInvoices(query: .init(status: .paid)).ok.body.json
            #expect(page.items.map(\.id) == [draft.id])
            #expect(try await api.listClients().ok.body.json.items.map(\.name) == ["Globex"])

            // Sign out everywhere: the refresh token is dead.
            guard case .noContent = try await api.logoutAll() else {
                Issue.record("logout-all failed")
                return
            }
            let refreshed = try await anonymous.refresh(body: .json(.init(refreshToken: tokens.refreshToken)))
            guard case .unauthorized = refreshed else {
                Issue.record("a revoked refresh token still works: \(refreshed)")
                return
            }
        }
    }
}
