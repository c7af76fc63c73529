import Foundation
import HTTPTypes
import Invoicing
import OpenAPIRuntime
import ServiceKit

/// The invoice role's whole surface: the operations tagged `invoices` and `clients` in the API document, as the
/// generated `APIProtocol` (Generated/, from scripts/generate-openapi.sh) declares them — a route, parameter or
/// response the document lacks cannot be written here. Each handler is thin: the generated code has decoded the
/// input; the handler calls the controller (rules and storage) and says which documented response it is. The user
/// is the access token's `sub`, verified by `BearerAuthMiddleware` before a handler runs.
struct InvoiceAPI: APIProtocol {
    let invoices: InvoiceController
    let clients: ClientController
    let catalog: CatalogController

    static func etag(_ invoice: Invoice) -> String { "\"\(invoice.id)-\(invoice.revision)\"" }
    static func location(_ invoice: Invoice) -> String { "/api/invoices/\(invoice.id)" }

    // MARK: Drafting

    func createInvoice(_ input: Operations.CreateInvoice.Input) async throws -> Operations.CreateInvoice.Output {
        let context = try OpenAPIServing.current()
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let invoice = try await self.invoices.createManual(body, user: try context.requireUser(), context: context)
        return .created(.init(headers: .init(eTag: Self.etag(invoice), location: Self.location(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func createFromTranscript(_ input: Operations.CreateFromTranscript.Input) async throws -> Operations.CreateFromTranscript.Output {
        let context = try OpenAPIServing.current()
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let invoice = try await self.invoices.createFromTranscript(body.transcript, user: try context.requireUser(), context: context)
        return .created(.init(headers: .init(eTag: Self.etag(invoice), location: Self.location(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func createFromVoice(_ input: Operations.CreateFromVoice.Input) async throws -> Operations.CreateFromVoice.Output {
        let context = try OpenAPIServing.current()
        let user = try context.requireUser()
        _ = try self.invoices.requireTranscriber()
        guard case .multipartForm(let form) = input.body else { throw OpenAPIServing.undocumentedBody }
        let audio = try await AudioUpload.first(in: form, limit: self.invoices.maximumAudioBytes) { part in
            if case .audio(let file) = part { return (file.payload.body, file.filename) }
            if case .undocumented(let other) = part { return (other.body, nil) }
            return nil
        } isAudio: {
            if case .audio = $0 { true } else { false }
        }
        let invoice = try await self.invoices.createFromVoice(audio, user: user, context: context)
        return .created(.init(headers: .init(eTag: Self.etag(invoice), location: Self.location(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func transcribe(_ input: Operations.Transcribe.Input) async throws -> Operations.Transcribe.Output {
        let context = try OpenAPIServing.current()
        let user = try context.requireUser()
        _ = try self.invoices.requireTranscriber()
        guard case .multipartForm(let form) = input.body else { throw OpenAPIServing.undocumentedBody }
        let audio = try await AudioUpload.first(in: form, limit: self.invoices.maximumAudioBytes) { part in
            if case .audio(let file) = part { return (file.payload.body, file.filename) }
            if case .undocumented(let other) = part { return (other.body, nil) }
            return nil
        } isAudio: {
            if case .audio = $0 { true } else { false }
        }
        return .ok(.init(body: .json(.init(text: try await self.invoices.transcription(audio, user: user, context: context)))))
    }

    func regenerateInvoice(_ input: Operations.RegenerateInvoice.Input) async throws -> Operations.RegenerateInvoice.Output {
        let context = try OpenAPIServing.current()
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let invoice = try await self.invoices.regenerate(
            id: input.path.id, ifMatch: input.headers.ifMatch, transcript: body.transcript, user: try context.requireUser(), context: context
        )
        return .ok(.init(headers: .init(eTag: Self.etag(invoice)), body: .json(self.invoices.view(invoice))))
    }

    // MARK: Reading

    static func listQuery(status: String?, clientId: String?, from: String?, to: String?, q: String?) -> InvoiceController.ListQuery {
        .init(status: status, clientId: clientId, from: from, to: to, q: q)
    }

    func listInvoices(_ input: Operations.ListInvoices.Input) async throws -> Operations.ListInvoices.Output {
        let context = try OpenAPIServing.current()
        let q = input.query
        let page = try await self.invoices.list(
            Self.listQuery(status: q.status?.rawValue, clientId: q.clientId, from: q.from, to: q.to, q: q.q), limit: q.limit, cursor: q.cursor,
            user: try context.requireUser(), context: context
        )
        return .ok(.init(body: .json(page)))
    }

    func exportInvoices(_ input: Operations.ExportInvoices.Input) async throws -> Operations.ExportInvoices.Output {
        let context = try OpenAPIServing.current()
        let q = input.query
        let query = Self.listQuery(status: q.status?.rawValue, clientId: q.clientId, from: q.from, to: q.to, q: q.q)
        let user = try context.requireUser()
        let format = q.format ?? .csv
        let headers = Operations.ExportInvoices.Output.Ok.Headers(contentDisposition: "attachment; filename=\"invoices.\(format.rawValue)\"")
        let now = self.invoices.clock.now()
        switch format {
        case .json:
            return .ok(.init(headers: headers, body: .json(try await self.invoices.export(query, user: user, context: context).map(self.invoices.view))))
        case .jsonl:
            // One line per invoice, encoded as the JSON responses are (same encoder settings), a page at a time.
            let controller = self.invoices
            let encoder = OpenAPIServing.jsonEncoder()
            let pages = try await self.invoices.exportPages(query, user: user, context: context)
            let body = ExportBody(pages: pages, prefix: []) { page in
                var bytes: [UInt8] = []
                for invoice in page {
                    bytes += try encoder.encode(controller.view(invoice))
                    bytes.append(10)
                }
                return bytes
            }
            return .ok(.init(headers: headers, body: .applicationJsonl(HTTPBody(body, length: .unknown, iterationBehavior: .single))))
        case .csv:
            let pages = try await self.invoices.exportPages(query, user: user, context: context)
            let body = ExportBody(pages: pages, prefix: Array(InvoiceCSV.header.utf8)) { Array(InvoiceCSV.rows($0, now: now).utf8) }
            return .ok(.init(headers: headers, body: .textCsvCharsetUtf8(HTTPBody(body, length: .unknown, iterationBehavior: .single))))
        }
    }

    func getInvoice(_ input: Operations.GetInvoice.Input) async throws -> Operations.GetInvoice.Output {
        let invoice = try await self.invoices.load(id: input.path.id, user: try OpenAPIServing.user())
        return .ok(.init(headers: .init(eTag: Self.etag(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func invoicePDF(_ input: Operations.InvoicePDF.Input) async throws -> Operations.InvoicePDF.Output {
        // Private: the invoice is the user's; no-cache: revalidate with If-None-Match, answered without rendering.
        let cacheControl = "private, no-cache"
        switch try await self.invoices.pdf(id: input.path.id, ifNoneMatch: input.headers.ifNoneMatch, user: try OpenAPIServing.user()) {
        case .notModified(let etag):
            return .notModified(.init(headers: .init(eTag: etag, cacheControl: cacheControl)))
        case .document(let bytes, let etag, let fileName):
            return .ok(
                .init(
                    headers: .init(eTag: etag, contentDisposition: "attachment; filename=\"\(fileName)\"", cacheControl: cacheControl),
                    body: .pdf(HTTPBody(bytes))
                )
            )
        }
    }

    // MARK: Editing and the lifecycle

    func updateInvoice(_ input: Operations.UpdateInvoice.Input) async throws -> Operations.UpdateInvoice.Output {
        guard case .json(let patch) = input.body else { throw OpenAPIServing.undocumentedBody }
        let invoice = try await self.invoices.update(id: input.path.id, ifMatch: input.headers.ifMatch, patch: patch, user: try OpenAPIServing.user())
        return .ok(.init(headers: .init(eTag: Self.etag(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func deleteInvoice(_ input: Operations.DeleteInvoice.Input) async throws -> Operations.DeleteInvoice.Output {
        try await self.invoices.delete(id: input.path.id, user: try OpenAPIServing.user())
        return .noContent(.init())
    }

    func finalizeInvoice(_ input: Operations.FinalizeInvoice.Input) async throws -> Operations.FinalizeInvoice.Output {
        let context = try OpenAPIServing.current()
        let invoice = try await self.invoices.finalize(id: input.path.id, ifMatch: input.headers.ifMatch, user: try context.requireUser(), context: context)
        return .ok(.init(headers: .init(eTag: Self.etag(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func sendInvoice(_ input: Operations.SendInvoice.Input) async throws -> Operations.SendInvoice.Output {
        let invoice = try await self.invoices.transition(id: input.path.id, ifMatch: input.headers.ifMatch, user: try OpenAPIServing.user()) {
            invoice, now throws(LifecycleError) in try invoice.markSent(at: now)
        }
        return .ok(.init(headers: .init(eTag: Self.etag(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func voidInvoice(_ input: Operations.VoidInvoice.Input) async throws -> Operations.VoidInvoice.Output {
        let invoice = try await self.invoices.transition(id: input.path.id, ifMatch: input.headers.ifMatch, user: try OpenAPIServing.user()) {
            invoice, now throws(LifecycleError) in try invoice.markVoid(at: now)
        }
        return .ok(.init(headers: .init(eTag: Self.etag(invoice)), body: .json(self.invoices.view(invoice))))
    }

    func recordPayment(_ input: Operations.RecordPayment.Input) async throws -> Operations.RecordPayment.Output {
        guard case .json(let payment) = input.body else { throw OpenAPIServing.undocumentedBody }
        let invoice = try await self.invoices.pay(id: input.path.id, ifMatch: input.headers.ifMatch, input: payment, user: try OpenAPIServing.user())
        return .ok(.init(headers: .init(eTag: Self.etag(invoice)), body: .json(self.invoices.view(invoice))))
    }

    // MARK: The address book and the catalog

    func listClients(_ input: Operations.ListClients.Input) async throws -> Operations.ListClients.Output {
        let page = try await self.clients.list(
            limit: input.query.limit, cursor: input.query.cursor, recent: input.query.sort == .recent, user: try OpenAPIServing.user())
        return .ok(.init(body: .json(page)))
    }

    func createClient(_ input: Operations.CreateClient.Input) async throws -> Operations.CreateClient.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let client = try await self.clients.create(body, user: try OpenAPIServing.user())
        return .created(.init(headers: .init(location: "/api/clients/\(client.id)"), body: .json(ClientView(client))))
    }

    func getClient(_ input: Operations.GetClient.Input) async throws -> Operations.GetClient.Output {
        .ok(.init(body: .json(ClientView(try await self.clients.load(id: input.path.id, user: try OpenAPIServing.user())))))
    }

    func updateClient(_ input: Operations.UpdateClient.Input) async throws -> Operations.UpdateClient.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(ClientView(try await self.clients.update(id: input.path.id, input: body, user: try OpenAPIServing.user())))))
    }

    func deleteClient(_ input: Operations.DeleteClient.Input) async throws -> Operations.DeleteClient.Output {
        try await self.clients.delete(id: input.path.id, user: try OpenAPIServing.user())
        return .noContent(.init())
    }

    func updateCatalogEntry(_ input: Operations.UpdateCatalogEntry.Input) async throws -> Operations.UpdateCatalogEntry.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(try await self.catalog.update(id: input.path.id, patch: body, user: try OpenAPIServing.user()))))
    }

    func listCatalog(_ input: Operations.ListCatalog.Input) async throws -> Operations.ListCatalog.Output {
        .ok(.init(body: .json(try await self.catalog.list(limit: input.query.limit, user: try OpenAPIServing.user()))))
    }

    func deleteCatalogEntry(_ input: Operations.DeleteCatalogEntry.Input) async throws -> Operations.DeleteCatalogEntry.Output {
        try await self.catalog.delete(id: input.path.id, user: try OpenAPIServing.user())
        return .noContent(.init())
    }
}

/// A streamed export's bytes: the prefix (a CSV header), then each page of invoices as `render` writes it, read from
/// the store only when the response is ready for more (HTTPBody pulls, Hummingbird's writer waits on the socket).
struct ExportBody: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let pages: ExportPages
    let prefix: [UInt8]
    let render: @Sendable ([Invoice]) throws -> [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        var pages: ExportPages.AsyncIterator
        var prefix: [UInt8]?
        let render: @Sendable ([Invoice]) throws -> [UInt8]

        mutating func next() async throws -> ArraySlice<UInt8>? {
            if let prefix = self.prefix.take(), !prefix.isEmpty { return prefix[...] }
            guard let page = try await self.pages.next() else { return nil }
            return try self.render(page)[...]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pages: self.pages.makeAsyncIterator(), prefix: self.prefix, render: self.render) }
}
