import Foundation
import Invoicing
import AIProvider
import PDF
import ServiceKit

/// The invoice role's whole surface (bearer access token on every route; every query is scoped to the token's user):
///
/// - `POST /api/invoices/transcript` {transcript} → 201 draft invoice
/// - `GET /api/invoices?limit=&cursor=` → {items, nextCursor}, newest first
/// - `GET /api/invoices/{id}`, `DELETE /api/invoices/{id}`
/// - `GET /api/invoices/{id}/pdf` → application/pdf
struct InvoiceController {
    static let maximumTranscriptCharacters = 10_000
    static let maximumPageSize = 100

    let invoices: InvoiceRepository
    let profiles: ProfileClient
    let extractor: any InvoiceExtractor
    let renderer: InvoicePDFRenderer
    let tokens: TokenService
    /// The AI provider for transcription; nil without `OPENAI_API_KEY` (voice is then a 503 "not configured").
    let transcriber: OpenAIClient?
    let maximumAudioBytes: Int
    /// For idempotency records (the role's own store).
    let store: any DocumentStore

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
            .add(middleware: BearerAuthMiddleware(tokens: self.tokens))
            .add(middleware: IdempotencyMiddleware(store: self.store, maximumBodyBytes: self.maximumAudioBytes + 64 * 1024))
        routes.post("transcript", use: self.createFromTranscript)
        routes.post("voice", use: self.createFromVoice)
        routes.get(use: self.list)
        routes.get(":id", use: self.show)
        routes.delete(":id", use: self.delete)
        routes.patch(":id", use: self.update)
        routes.post(":id/finalize", use: self.finalize)
        routes.post(":id/send", use: self.send)
        routes.post(":id/payments", use: self.pay)
        routes.post(":id/void", use: self.void)
        routes.get(":id/pdf", use: self.pdf)
        return routes
    }

    struct TranscriptInput: Decodable {
        var transcript: String
    }

    @Sendable func createFromTranscript(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        // 4 bytes per character is the UTF-8 worst case, plus room for the JSON around it.
        let input = try await Body.decode(TranscriptInput.self, from: request, limit: Self.maximumTranscriptCharacters * 4 + 1024)
        return try await self.createDraft(transcript: input.transcript, user: user, context: context)
    }

    /// `POST /api/invoices/voice`: multipart `audio` → transcript (the provider) → draft.
    @Sendable func createFromVoice(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let transcript = try await self.transcribe(request, context: context)
        return try await self.createDraft(transcript: transcript, user: user, context: context)
    }

    /// `POST /api/transcriptions`: multipart `audio` → {text}.
    @Sendable func transcription(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireUser()
        struct Transcription: Encodable { var text: String }
        return try Body.json(Transcription(text: try await self.transcribe(request, context: context)))
    }

    func transcribe(_ request: Request, context: AppRequestContext) async throws -> String {
        guard let transcriber = self.transcriber else {
            throw Problem(.serviceUnavailable, title: "Not configured", detail: "Voice input needs an AI provider (OPENAI_API_KEY) on this server.")
        }
        let audio = try await AudioUpload.read(request, limit: self.maximumAudioBytes)
        do {
            return try await transcriber.transcribe(audio: audio.bytes, fileName: audio.fileName, contentType: audio.contentType, prompt: nil)
        } catch let error as AIProviderError {
            throw Self.problem(error, context: context)
        }
    }

    static func problem(_ error: AIProviderError, context: AppRequestContext) -> Problem {
        context.logger.warning("AI provider failed", metadata: ["reason": .string(error.description)])
        switch error.code {
        case .rateLimited, .unavailable: return Problem.unavailable("The AI provider is unavailable; try again shortly.", retryAfter: error.retryAfter ?? 5)
        case .failed, .invalidResponse: return Problem(.badGateway, detail: "The AI provider could not process this input.")
        }
    }

    func createDraft(transcript raw: String, user: AuthenticatedUser, context: AppRequestContext) async throws -> Response {
        let transcript = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard transcript.count <= Self.maximumTranscriptCharacters else {
            throw Problem(.contentTooLarge, detail: "A transcript may have at most \(Self.maximumTranscriptCharacters) characters.")
        }
        guard !transcript.isEmpty else {
            throw Problem.unprocessable("The transcript is empty.", errors: [.init(field: "transcript", message: "must not be empty")])
        }

        let profile = try await self.profiles.profile(for: user, requestID: context.requestID)
        let now = Date.storeNow
        let extracted: ExtractedInvoice
        do {
            extracted = try await self.extractor.extract(transcript: transcript, context: ExtractionContext(today: CalendarDate(now), defaultCurrency: profile.defaultCurrency))
        } catch let error as AIProviderError {
            throw Self.problem(error, context: context)
        }
        // A draft has no number: numbers are assigned at finalization, so a draft that is deleted leaves no gap.
        let invoice = try self.draft(extracted, profile: profile, user: user, transcript: transcript, now: now)
        try await self.invoices.insert(invoice)
        context.logger.info("invoice drafted", metadata: ["invoiceId": .string(invoice.id), "items": .stringConvertible(invoice.items.count)])
        return try Self.respond(invoice, status: .created, headers: [.location: "/api/invoices/\(invoice.id)"])
    }

    func draft(_ extracted: ExtractedInvoice, profile: BusinessProfile, user: AuthenticatedUser, transcript: String, now: Date) throws -> Invoice {
        do {
            return try DraftBuilder().draft(
                from: extracted, profile: profile, today: CalendarDate(now), id: DocumentID.make(), ownerId: user.id,
                transcript: transcript, now: now
            )
        } catch {
            throw Problem.unprocessable(error.description, errors: [.init(field: "transcript", message: error.description)])
        }
    }

    struct Page: Encodable {
        var items: [InvoiceView]
        var nextCursor: String?
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var limit = 20
        if let text = request.uri.queryParameters["limit"] {
            guard let value = Int(String(text)), (1...Self.maximumPageSize).contains(value) else {
                throw Problem.badRequest("limit must be an integer from 1 to \(Self.maximumPageSize).")
            }
            limit = value
        }
        var cursor: InvoiceRepository.Cursor?
        if let text = request.uri.queryParameters["cursor"] {
            guard let parsed = InvoiceRepository.Cursor(String(text)) else { throw Problem.badRequest("cursor is not one this API returned.") }
            cursor = parsed
        }
        // One extra row tells whether another page exists without a count query.
        var items = try await self.invoices.list(ownerID: user.id, after: cursor, limit: limit + 1)
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map { InvoiceRepository.Cursor(createdAt: $0.createdAt, id: $0.id).encoded }
        }
        let today = CalendarDate(Date())
        return try Body.json(Page(items: items.map { InvoiceView(invoice: $0, today: today) }, nextCursor: next))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let invoice = try await self.load(request, context: context, user: user)
        return try Self.respond(invoice)
    }

    /// Drafts only: a finalized invoice is voided, never deleted (its number must not disappear).
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let invoice = try await self.load(request, context: context, user: user)
        guard invoice.status == .draft else { throw Problem.conflict("Only drafts can be deleted; void a finalized invoice instead.") }
        guard try await self.invoices.deleteDraft(id: invoice.id, ownerID: user.id) else { throw Problem.notFound("No invoice with this id.") }
        return Response(status: .noContent)
    }

    // MARK: Lifecycle

    func load(_ request: Request, context: AppRequestContext, user: AuthenticatedUser) async throws -> Invoice {
        guard let invoice = try await self.invoices.find(id: try context.parameters.require("id"), ownerID: user.id) else {
            throw Problem.notFound("No invoice with this id.")
        }
        return invoice
    }

    static func etag(_ invoice: Invoice) -> String { "\"\(invoice.id)-\(invoice.revision)\"" }

    /// The invoice with its ETag and the derived `overdue` flag.
    static func respond(_ invoice: Invoice, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.eTag] = Self.etag(invoice)
        return try Body.json(InvoiceView(invoice: invoice, today: CalendarDate(Date())), status: status, headers: headers)
    }

    /// `If-Match` when given must name the current revision (412 otherwise): a client never overwrites what it has not seen.
    static func checkPrecondition(_ request: Request, _ invoice: Invoice) throws {
        guard let condition = request.headers[.ifMatch] else { return }
        let tags = condition.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "") }
        guard tags.contains("*") || tags.contains(Self.etag(invoice)) else {
            throw Problem(.preconditionFailed, detail: "The invoice changed since you read it; fetch it again.")
        }
    }

    struct ItemInput: Decodable {
        var description: String
        var quantity: Quantity
        var unit: String?
        /// Decimal text or number in the currency's major unit ("85", "85.50").
        var unitPrice: DecimalText
    }

    struct PatchInput: Decodable {
        var clientName: String?
        var items: [ItemInput]?
        var notes: String?
        var dueDate: CalendarDate?
        var taxRate: TaxRate?
        var currency: Currency?
    }

    /// `PATCH /api/invoices/{id}`: drafts only; every amount is recomputed by the server.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var invoice = try await self.load(request, context: context, user: user)
        try Self.checkPrecondition(request, invoice)
        guard invoice.status == .draft else { throw Problem.conflict("Only drafts can be edited; this invoice is \(invoice.status.rawValue).") }
        let patch = try await Body.decode(PatchInput.self, from: request, limit: 256 * 1024)
        let expected = invoice.revision
        if let name = patch.clientName?.trimmingCharacters(in: .whitespacesAndNewlines) {
            guard !name.isEmpty, name.count <= 500 else { throw Problem.unprocessable("clientName must be 1 to 500 characters.") }
            invoice.to.name = name
        }
        if let currency = patch.currency { invoice.currency = currency }
        if let items = patch.items {
            guard !items.isEmpty, items.count <= DraftBuilder.maximumItems else { throw Problem.unprocessable("An invoice needs 1 to \(DraftBuilder.maximumItems) items.") }
            invoice.items = try items.map { item in
                guard item.quantity.thousandths > 0 else { throw Problem.unprocessable("Quantities must be positive.") }
                let price: Money
                do { price = try Money(parsing: item.unitPrice.text, currency: invoice.currency) } catch {
                    throw Problem.unprocessable("\(item.unitPrice.text) is not a valid \(invoice.currency.code) amount.")
                }
                guard price.minorUnits >= 0 else { throw Problem.unprocessable("Prices must not be negative.") }
                return LineItem(description: String(item.description.prefix(500)), quantity: item.quantity, unit: item.unit, unitPrice: price.minorUnits, amount: 0)
            }
        }
        if let notes = patch.notes { invoice.notes = notes.isEmpty ? nil : String(notes.prefix(2000)) }
        if let due = patch.dueDate {
            guard due >= invoice.issueDate else { throw Problem.unprocessable("dueDate cannot be before the issue date.") }
            invoice.dueDate = due
        }
        if let rate = patch.taxRate { invoice.taxRate = rate }
        do { try invoice.recompute() } catch { throw Problem.unprocessable("The amounts are too large.") }
        invoice.revision += 1
        invoice.updatedAt = .storeNow
        guard try await self.invoices.save(invoice, expectedRevision: expected) else {
            throw Problem(.preconditionFailed, detail: "The invoice changed while you edited it; fetch it again.")
        }
        return try Self.respond(invoice)
    }

    /// `POST /api/invoices/{id}/finalize`: the number is assigned now, gaplessly, with the sender as of today.
    @Sendable func finalize(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let invoice = try await self.load(request, context: context, user: user)
        try Self.checkPrecondition(request, invoice)
        guard invoice.status == .draft else { throw Problem.conflict("Only drafts can be finalized; this invoice is \(invoice.status.rawValue).") }
        let profile = try await self.profiles.profile(for: user, requestID: context.requestID)
        let now = Date.storeNow
        guard let finalized = try await self.invoices.finalize(invoice, prefix: "INV", year: CalendarDate(now).year, sender: profile.asSender, now: now) else {
            throw Problem.conflict("The invoice changed while it was being finalized; fetch it again.")
        }
        context.logger.info("invoice finalized", metadata: ["invoiceId": .string(finalized.id), "number": .string(finalized.number ?? "")])
        return try Self.respond(finalized)
    }

    /// Status-only transitions of finalized invoices.
    func transition(_ request: Request, context: AppRequestContext, change: (inout Invoice) throws -> Void) async throws -> Response {
        let user = try context.requireUser()
        var invoice = try await self.load(request, context: context, user: user)
        try Self.checkPrecondition(request, invoice)
        let expected = invoice.revision
        try change(&invoice)
        invoice.revision += 1
        invoice.updatedAt = .storeNow
        guard try await self.invoices.save(invoice, expectedRevision: expected) else {
            throw Problem.conflict("The invoice changed at the same time; fetch it again.")
        }
        return try Self.respond(invoice)
    }

    @Sendable func send(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await self.transition(request, context: context) { invoice in
            guard invoice.status == .finalized || invoice.status == .sent else {
                throw Problem.conflict("Only finalized invoices can be sent; this one is \(invoice.status.rawValue).")
            }
            invoice.status = invoice.balance == 0 ? .paid : .sent
        }
    }

    @Sendable func void(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await self.transition(request, context: context) { invoice in
            guard invoice.status == .finalized || invoice.status == .sent else {
                throw Problem.conflict("Only finalized or sent invoices can be voided; this one is \(invoice.status.rawValue).")
            }
            guard invoice.payments.isEmpty else { throw Problem.conflict("An invoice with payments cannot be voided.") }
            invoice.status = .void
        }
    }

    struct PaymentInput: Decodable {
        var amount: DecimalText
        var date: CalendarDate?
        var method: String?
    }

    /// `POST /api/invoices/{id}/payments` {amount, date, method}: partial payments keep a balance; the last one pays it.
    @Sendable func pay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await Body.decode(PaymentInput.self, from: request, limit: 4096)
        return try await self.transition(request, context: context) { invoice in
            guard invoice.status == .finalized || invoice.status == .sent else {
                throw Problem.conflict("Payments are recorded on finalized or sent invoices; this one is \(invoice.status.rawValue).")
            }
            let amount: Money
            do { amount = try Money(parsing: input.amount.text, currency: invoice.currency) } catch {
                throw Problem.unprocessable("amount is not a valid \(invoice.currency.code) amount.", errors: [.init(field: "amount", message: "invalid amount")])
            }
            guard amount.minorUnits > 0 else { throw Problem.unprocessable("amount must be positive.", errors: [.init(field: "amount", message: "must be positive")]) }
            guard amount.minorUnits <= invoice.balance else {
                throw Problem.unprocessable("amount exceeds the balance of \(invoice.money(invoice.balance).formatted).", errors: [.init(field: "amount", message: "exceeds the balance")])
            }
            let method = String((input.method ?? "other").prefix(50))
            invoice.payments.append(Payment(id: DocumentID.make(), amount: amount.minorUnits, date: input.date ?? CalendarDate(Date()), method: method, recordedAt: .storeNow))
            invoice.amountPaid += amount.minorUnits
            invoice.balance = invoice.total - invoice.amountPaid
            if invoice.balance == 0 { invoice.status = .paid }
        }
    }

    @Sendable func pdf(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let invoice = try await self.invoices.find(id: try context.parameters.require("id"), ownerID: user.id) else {
            throw Problem.notFound("No invoice with this id.")
        }
        let bytes = try await self.renderer.render(invoice)
        let fileName = "invoice-\(invoice.number ?? "draft-" + invoice.id.prefix(8)).pdf".filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/pdf",
                .contentDisposition: "attachment; filename=\"\(fileName)\"",
                .cacheControl: "private, no-store",
                .eTag: Self.etag(invoice),
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

/// Reads the sender's business profile from the user role, on behalf of the user (forwarding their token).
struct ProfileClient: Sendable {
    let client: ServiceClient

    func profile(for user: AuthenticatedUser, requestID: String) async throws -> BusinessProfile {
        let response = try await self.client.send("GET", "/api/users/me", bearer: user.token, requestID: requestID)
        switch response.status {
        case 200: return try ServiceClient.decode(BusinessProfile.self, from: response)
        case 401: throw Problem.unauthorized("The user service did not accept the token.")
        default: throw Problem(.badGateway, detail: "The user service answered \(response.status).")
        }
    }
}


/// An amount or price as JSON text or number, kept as its decimal text so no binary floating point touches money.
struct DecimalText: Decodable {
    let text: String
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.text = text
        } else {
            let number = try container.decode(Double.self)
            guard number.isFinite else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a finite number")) }
            // Shortest round-trip text of the number ("85.5"), then parsed exactly; more decimals than the currency has is a 422.
            self.text = "\(number)".replacingOccurrences(of: "e", with: "E").contains("E") ? String(format: "%.6f", number) : "\(number)"
        }
    }
}

/// The invoice as the API shows it: the stored document plus what is derived (overdue).
struct InvoiceView: Encodable {
    let invoice: Invoice
    let today: CalendarDate

    func encode(to encoder: any Encoder) throws {
        try self.invoice.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(self.invoice.isOverdue(today: self.today), forKey: .overdue)
    }

    enum Key: String, CodingKey { case overdue }
}
