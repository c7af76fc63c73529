import AIProvider
import Foundation
import HTTPTypes
import Hummingbird
import Invoicing
import PDF
import ServiceKit
import Storage
import WireFormat

/// The invoice role's whole surface (bearer access token on every route; every query is scoped to the token's user;
/// someone else's id is a 404 like a missing one):
///
/// - `POST /api/invoices` (manual), `/transcript` {transcript}, `/voice` (multipart `audio`) → 201 draft
/// - `GET /api/invoices?status=&clientId=&from=&to=&q=&limit=&cursor=` → {items, nextCursor}, newest first
/// - `GET /api/invoices/export?format=csv|jsonl|json` (same filters; csv and jsonl streamed)
/// - `GET|PATCH|DELETE /api/invoices/{id}` (PATCH and DELETE: drafts only; `If-Match` → 412 when stale)
/// - `POST /api/invoices/{id}/regenerate` {transcript} (drafts), `/finalize`, `/send`, `/payments`, `/void`
/// - `GET /api/invoices/{id}/pdf` → application/pdf (`ETag`; `If-None-Match` → 304)
/// - `POST /api/transcriptions` (multipart `audio`) → {text}
struct InvoiceController {
    static let maximumExportRows = 10_000

    let invoices: InvoiceRepository
    let memory: MemoryRepository
    let profiles: ProfileClient
    let extractor: any InvoiceExtractor
    let renderer: InvoicePDFRenderer
    /// The AI provider for transcription; nil without `OPENAI_API_KEY` (voice is then a 503 "not configured").
    let transcriber: OpenAIClient?
    let maximumAudioBytes: Int
    let maximumTranscriptCharacters: Int
    /// Where "now" comes from (the store's millisecond clock in production, a fixed one in tests).
    let clock: InvoiceClock

    static let jsonLimit = Body.apiJSONLimit
    static let paymentLimit = Body.paymentLimit

    /// The body limit of each route, known before the body is read (the idempotency middleware applies it too).
    var bodyLimit: @Sendable (String) -> Int {
        let audio = self.maximumAudioBytes + 64 * 1024
        let transcript = self.transcriptLimit
        return { path in
            if path.hasSuffix("/voice") { return audio }
            if path.hasSuffix("/payments") { return Self.paymentLimit }
            if path.hasSuffix("/transcript") || path.hasSuffix("/regenerate") { return transcript }
            return Self.jsonLimit
        }
    }

    /// 4 bytes per character is the UTF-8 worst case, plus room for the JSON around it.
    var transcriptLimit: Int { self.maximumTranscriptCharacters * 4 + 1024 }

    /// A keyed create that already stored its invoice (a retry after the first attempt's process died) answers with
    /// that invoice, as the first attempt would have.
    func resumed(user: AuthenticatedUser) async throws -> Invoice? {
        guard let key = IdempotencyMiddleware.current else { return nil }
        return try await self.invoices.find(idempotencyKey: key, ownerID: user.id)
    }

    /// `POST /api/invoices/transcript`: a draft from words.
    func createFromTranscript(_ transcript: String, user: AuthenticatedUser, context: AppRequestContext) async throws -> Invoice {
        if let resumed = try await self.resumed(user: user) { return resumed }
        return try await self.createDraft(transcript: transcript, source: .transcript, user: user, context: context)
    }

    /// `POST /api/invoices/voice`: a draft from an upload.
    func createFromVoice(_ audio: AudioUpload, user: AuthenticatedUser, context: AppRequestContext) async throws -> Invoice {
        if let resumed = try await self.resumed(user: user) { return resumed }
        // The memory is read once: its vocabulary seeds the transcription, then the same snapshot drafts the invoice.
        let snapshot = try await self.memory.snapshot(ownerID: user.id)
        let transcript = try await self.transcribe(audio, vocabulary: snapshot.vocabulary, context: context)
        return try await self.createDraft(transcript: transcript, source: .voice, user: user, context: context, snapshot: snapshot)
    }

    /// `POST /api/transcriptions`: an upload → its text.
    func transcription(_ audio: AudioUpload, user: AuthenticatedUser, context: AppRequestContext) async throws -> String {
        let vocabulary = try await self.memory.snapshot(ownerID: user.id).vocabulary
        return try await self.transcribe(audio, vocabulary: vocabulary, context: context)
    }

    /// Whether voice input is available (an AI provider is configured); checked before an upload is read.
    func requireTranscriber() throws -> OpenAIClient {
        guard let transcriber = self.transcriber else {
            throw Problem(.serviceUnavailable, title: "Not configured", detail: "Voice input needs an AI provider (OPENAI_API_KEY) on this server.")
        }
        return transcriber
    }

    /// The upload → the provider, with the user's client and service names as the transcription prompt (so
    /// "Acme" is not heard as "Acne").
    func transcribe(_ audio: AudioUpload, vocabulary: (clients: [String], services: [String]), context: AppRequestContext) async throws -> String {
        let transcriber = try self.requireTranscriber()
        let prompt = (vocabulary.clients + vocabulary.services).joined(separator: ", ")
        do {
            return try await transcriber.transcribe(audio: audio.bytes, fileName: audio.fileName, contentType: audio.contentType, prompt: prompt)
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

    /// Transcript → extraction (with the user's vocabulary) → a validated draft; `replacing` regenerates that draft.
    func createDraft(
        transcript raw: String, source: InvoiceSource, user: AuthenticatedUser, context: AppRequestContext, replacing: Invoice? = nil,
        snapshot known: BusinessMemory? = nil
    ) async throws -> Invoice {
        let transcript = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard transcript.count <= self.maximumTranscriptCharacters else {
            throw Problem(.contentTooLarge, detail: "A transcript may have at most \(self.maximumTranscriptCharacters) characters.")
        }
        guard !transcript.isEmpty else {
            throw Problem.unprocessable("The transcript is empty.", errors: [.init(field: "transcript", message: "must not be empty")])
        }

        let profile = try await self.profiles.profile(for: user, context: context)
        let now = self.clock.now()
        let today = profile.today(at: now)
        let snapshot: BusinessMemory
        if let known { snapshot = known } else { snapshot = try await self.memory.snapshot(ownerID: user.id) }
        let vocabulary = snapshot.vocabulary
        let extracted: ExtractedInvoice
        do {
            extracted = try await self.extractor.extract(
                transcript: transcript,
                context: ExtractionContext(
                    today: today, defaultCurrency: profile.defaultCurrency, knownClients: vocabulary.clients, knownServices: vocabulary.services)
            )
        } catch let error as AIProviderError {
            throw Self.problem(error, context: context)
        }
        return try await self.save(
            extracted, source: source, transcript: transcript, profile: profile, now: now, user: user, context: context, snapshot: snapshot,
            replacing: replacing
        )
    }

    /// The one way a draft is made, whatever produced `extracted` (rules, a model, or a manual form): matched against
    /// the address book, checked against usual rates, built by `DraftBuilder`, stored, and remembered.
    func save(
        _ extracted: ExtractedInvoice, source: InvoiceSource, transcript: String?, profile: BusinessProfile, now: Date, user: AuthenticatedUser,
        context: AppRequestContext, snapshot: BusinessMemory, replacing: Invoice? = nil, client explicit: Client? = nil,
        adjust: (inout Invoice) throws -> Void = { _ in }
    ) async throws -> Invoice {
        // What drafting needs of the memory, read by index: the matched client, the billed services, the book's size.
        let snapshot = try await self.memory.forDraft(extracted, base: snapshot, ownerID: user.id, matchName: explicit == nil)
        // The domain drafts (matching, defaults, warnings, maths); this stores and remembers.
        let request = Drafting.Request(
            id: replacing?.id ?? DocumentID.make(), ownerId: user.id, profile: profile, source: replacing?.source ?? source, transcript: transcript,
            client: explicit
        )
        var invoice: Invoice
        do { invoice = try Drafting().draft(extracted, request: request, memory: snapshot, now: now).invoice } catch {
            throw Problem.unprocessable(error.description, errors: [.init(field: error.field, message: error.description)])
        }
        try adjust(&invoice)
        if let replacing {
            // A regenerated draft keeps its identity and history of revisions; nothing else of the old one.
            invoice.createdAt = replacing.createdAt
            invoice.revision = replacing.revision + 1
            if invoice.clientId == nil { invoice.clientId = try await self.memory.client(for: invoice, in: snapshot)?.id }
            guard try await self.invoices.save(invoice, expectedRevision: replacing.revision) else {
                throw Problem(.preconditionFailed, detail: "The invoice changed while it was regenerated; fetch it again.")
            }
            return invoice
        }
        // A draft has no number: numbers are assigned at finalization, so a draft that is deleted leaves no gap.
        if invoice.clientId == nil { invoice.clientId = try await self.memory.client(for: invoice, in: snapshot)?.id }
        invoice.idempotencyKey = IdempotencyMiddleware.current
        do { try await self.invoices.insert(invoice) } catch let error as StoreError where error.code == .duplicateKey {
            // Another attempt with the same key (one whose lease ran out while it was still working) stored first.
            if let resumed = try await self.resumed(user: user) { return resumed }
            throw error
        }
        await self.memory.remember(invoice, at: now, logger: context.logger)
        context.logger.info(
            "invoice drafted",
            metadata: ["invoiceId": .string(invoice.id), "items": .stringConvertible(invoice.items.count), "source": .string(invoice.source.rawValue)])
        return invoice
    }

    // MARK: Manual creation and regeneration

    struct PartyInput: Decodable, Hashable, Sendable {
        var name: String
        var address: String?
        var phone: String?
        var email: String?
    }

    /// A line as a form sends it, in the form every response shows it: `quantity` a JSON number, `unitPrice` integer
    /// minor units, `discountRate` and `taxRate` percentages (numbers). `amount`, if sent back, is ignored: the
    /// server computes it.
    struct ItemInput: Decodable, Hashable, Sendable {
        var description: String
        var quantity: Quantity
        var unit: String?
        var unitPrice: MinorUnits
        var discountRate: TaxRate?
        var taxRate: TaxRate?

        enum CodingKeys: String, CodingKey { case description, quantity, unit, unitPrice, discountRate, taxRate, discountPercent }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // The old name is refused rather than ignored: a discount must never be dropped silently.
            if c.contains(.discountPercent) {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: c.codingPath + [CodingKeys.discountPercent], debugDescription: "use discountRate (a percentage), as responses do"))
            }
            self.description = try c.decode(String.self, forKey: .description)
            self.quantity = try c.decode(Quantity.self, forKey: .quantity)
            self.unit = try c.decodeIfPresent(String.self, forKey: .unit)
            self.unitPrice = try c.decode(MinorUnits.self, forKey: .unitPrice)
            self.discountRate = try c.decodeIfPresent(TaxRate.self, forKey: .discountRate)
            self.taxRate = try c.decodeIfPresent(TaxRate.self, forKey: .taxRate)
        }

        /// As the draft builder reads lines: decimal text in `currency`, exactly (minor units → "85.00" → 8500).
        func extracted(in currency: Currency) -> ExtractedInvoice.Item {
            .init(
                description: self.description, quantity: self.quantity.description, unit: self.unit,
                unitPrice: Money(minorUnits: self.unitPrice.value, currency: currency).decimalString, currency: nil,
                discountPercent: self.discountRate?.description, taxRate: self.taxRate?.description
            )
        }
    }

    /// The invoice-level discount is `discountRate`, as responses show it; the old `discountPercent` is refused.
    static func refuseOldDiscountName(_ present: Bool) throws {
        if present {
            throw Problem.unprocessable(
                "discountPercent was renamed discountRate (a percentage), as responses show it.",
                errors: [.init(field: "discountPercent", message: "use discountRate")])
        }
    }

    struct ManualInput: Decodable, Hashable, Sendable {
        var clientId: String?
        var client: PartyInput?
        var items: [ItemInput]
        var currency: Currency?
        var issueDate: CalendarDate?
        var dueDate: CalendarDate?
        var taxRate: TaxRate?
        var discountRate: TaxRate?
        var discountPercent: JSONValuePresence?
        var notes: String?
        var terms: String?
        var poNumber: String?
    }

    /// `POST /api/invoices`: a draft from a form, through the same validation and maths as a spoken one.
    func createManual(_ input: ManualInput, user: AuthenticatedUser, context: AppRequestContext) async throws -> Invoice {
        if let resumed = try await self.resumed(user: user) { return resumed }
        var client: Client?
        if let id = input.clientId {
            guard let found = try await self.memory.clients.find(id: id, ownerID: user.id) else {
                throw Problem.unprocessable("clientId is not in your address book.", errors: [.init(field: "clientId", message: "unknown client")])
            }
            client = found
        }
        guard let name = client?.name ?? input.client?.name else {
            throw Problem.unprocessable("Name the client: clientId or client.name.", errors: [.init(field: "client.name", message: "is required")])
        }
        if let issue = input.issueDate, let due = input.dueDate, due < issue {
            throw Problem.unprocessable("dueDate cannot be before issueDate.", errors: [.init(field: "dueDate", message: "is before issueDate")])
        }
        try Self.refuseOldDiscountName(input.discountPercent != nil)
        let profile = try await self.profiles.profile(for: user, context: context)
        // Amounts are minor units of the invoice's currency, so the currency is settled first, as the draft builder
        // would settle it (said, else the client's, else the profile's), and given to it explicitly.
        let currency = input.currency ?? client?.currency ?? profile.defaultCurrency
        let extracted = ExtractedInvoice(
            clientName: name, items: input.items.map { $0.extracted(in: currency) }, currency: currency.code, issueDate: input.issueDate?.description,
            dueDate: input.dueDate?.description, taxRate: input.taxRate?.description, discountPercent: input.discountRate?.description,
            poNumber: input.poNumber, notes: input.notes
        )
        let snapshot = try await self.memory.snapshot(ownerID: user.id)
        return try await self.save(
            extracted, source: .manual, transcript: nil, profile: profile, now: self.clock.now(), user: user, context: context, snapshot: snapshot,
            client: client
        ) { invoice in
            // Details typed for a client not in the book are printed as typed.
            if client == nil, let party = input.client {
                invoice.to = Party(
                    name: DraftBuilder.clean(party.name), address: party.address.map { String($0.prefix(500)) },
                    phone: party.phone.map { String($0.prefix(50)) }, email: party.email.map { String($0.prefix(254)) }
                )
            }
            if let terms = input.terms { invoice.terms = terms.isEmpty ? nil : String(terms.prefix(DraftBuilder.maximumNotesLength)) }
        }
    }

    /// `POST /api/invoices/{id}/regenerate` {transcript}: drafts only; the draft is rebuilt from the new words.
    func regenerate(id: String, ifMatch: String?, transcript: String, user: AuthenticatedUser, context: AppRequestContext) async throws -> Invoice {
        let invoice = try await self.load(id: id, user: user)
        try Self.checkPrecondition(ifMatch, invoice)
        guard invoice.status == .draft else { throw Problem.conflict("Only drafts can be regenerated; this invoice is \(invoice.status.rawValue).") }
        return try await self.createDraft(transcript: transcript, source: invoice.source, user: user, context: context, replacing: invoice)
    }

    /// The list's filters as the query gives them.
    struct ListQuery {
        var status: String?
        var clientId: String?
        var from: String?
        var to: String?
        var q: String?
    }

    /// The list filters: `status` (a status or `overdue`), `clientId`, `from`/`to` (issue dates, inclusive), `q`
    /// (number, client, PO and descriptions; case- and accent-insensitive).
    func filter(_ query: ListQuery, user: AuthenticatedUser, today: CalendarDate) throws -> Filter {
        var filters: [Filter] = [.equal("ownerId", .string(user.id))]
        if let status = query.status {
            if status == "overdue" {
                filters += [
                    .or([.equal("status", .string("finalized")), .equal("status", .string("sent"))]), .less("dueDate", .string(today.description)),
                    .greater("balance", .int(0)),
                ]
            } else {
                guard InvoiceStatus(rawValue: status) != nil else {
                    throw Problem.badRequest("status must be one of \((InvoiceStatus.allCases.map(\.rawValue) + ["overdue"]).joined(separator: ", ")).")
                }
                filters.append(.equal("status", .string(status)))
            }
        }
        if let client = query.clientId { filters.append(.equal("clientId", .string(client))) }
        for (name, bound, value) in [("from", -1, query.from), ("to", 1, query.to)] {
            guard let text = value else { continue }
            guard let date = CalendarDate(text) else { throw Problem.badRequest("\(name) must be a date as YYYY-MM-DD.") }
            // Dates are stored as YYYY-MM-DD text, whose order is date order in both engines.
            filters.append(
                bound < 0 ? .greater("issueDate", .string(date.adding(days: -1).description)) : .less("issueDate", .string(date.adding(days: 1).description)))
        }
        if let text = query.q {
            guard text.count <= 100 else { throw Problem.badRequest("q may have at most 100 characters.") }
            let folded = SearchText.fold(text)
            if !folded.isEmpty { filters.append(.contains("searchText", folded)) }
        }
        return .and(filters)
    }

    /// Today for the list's `overdue` filter: the user's, in their profile's time zone (asked of the user role only
    /// for that filter).
    func today(for query: ListQuery, user: AuthenticatedUser, context: AppRequestContext) async throws -> CalendarDate {
        let now = self.clock.now()
        guard query.status == "overdue" else { return CalendarDate(now) }
        return try await self.profiles.profile(for: user, context: context).today(at: now)
    }

    func list(_ query: ListQuery, limit: Int?, cursor text: String?, user: AuthenticatedUser, context: AppRequestContext) async throws -> InvoicePage {
        let limit = try Query.limit(limit, default: 20)
        var cursor: InvoiceRepository.Cursor?
        if let text {
            guard let parsed = InvoiceRepository.Cursor(text) else { throw Problem.badRequest("cursor is not one this API returned.") }
            cursor = parsed
        }
        // One extra row tells whether another page exists without a count query.
        let today = try await self.today(for: query, user: user, context: context)
        var items = try await self.invoices.list(where: try self.filter(query, user: user, today: today), after: cursor, limit: limit + 1)
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map { InvoiceRepository.Cursor(createdAt: $0.createdAt, id: $0.id).encoded }
        }
        return InvoicePage(items: items.map(self.view), nextCursor: next)
    }

    /// The export's invoices with the list's filters, one page at a time as the response is written (the filters are
    /// checked here, so a bad one is a 400 before the first byte).
    func exportPages(_ query: ListQuery, user: AuthenticatedUser, context: AppRequestContext) async throws -> ExportPages {
        ExportPages(invoices: self.invoices, filter: try self.filter(query, user: user, today: try await self.today(for: query, user: user, context: context)))
    }

    /// `format=json`: one JSON array, built whole, so at most `maximumExportRows` (422 beyond: the streamed formats
    /// take any number).
    func export(_ query: ListQuery, user: AuthenticatedUser, context: AppRequestContext) async throws -> [Invoice] {
        var rows: [Invoice] = []
        for try await page in try await self.exportPages(query, user: user, context: context) {
            rows += page
            guard rows.count <= Self.maximumExportRows else {
                throw Problem.unprocessable(
                    "A JSON export may have at most \(Self.maximumExportRows) invoices; use format=jsonl or csv (streamed, any number), or narrow it with from/to."
                )
            }
        }
        return rows
    }

    /// Drafts only: a finalized invoice is voided, never deleted (its number must not disappear).
    func delete(id: String, user: AuthenticatedUser) async throws {
        let invoice = try await self.load(id: id, user: user)
        guard invoice.status == .draft else { throw Problem.conflict("Only drafts can be deleted; void a finalized invoice instead.") }
        guard try await self.invoices.deleteDraft(id: invoice.id, ownerID: user.id) else { throw Problem.notFound("No invoice with this id.") }
    }

    // MARK: Lifecycle

    func load(id: String, user: AuthenticatedUser) async throws -> Invoice {
        guard let invoice = try await self.invoices.find(id: id, ownerID: user.id) else {
            throw Problem.notFound("No invoice with this id.")
        }
        return invoice
    }

    static func etag(_ invoice: Invoice) -> String { "\"\(invoice.id)-\(invoice.revision)\"" }

    /// The invoice as responses show it: with the derived `overdue` flag of today.
    func view(_ invoice: Invoice) -> InvoiceView { InvoiceView(invoice: invoice, today: invoice.today(at: self.clock.now())) }

    /// `If-Match` when given must name the current revision (412 otherwise): a client never overwrites what it has not seen.
    static func checkPrecondition(_ ifMatch: String?, _ invoice: Invoice) throws {
        guard let condition = ifMatch else { return }
        guard HeaderValues.matches(condition, etag: Self.etag(invoice)) else {
            throw Problem(.preconditionFailed, detail: "The invoice changed since you read it; fetch it again.")
        }
    }

    /// Invoice dates stay within years every engine and every reader handles (and any real invoice has).
    static func checkDates(_ invoice: Invoice) throws {
        guard DraftBuilder.plausibleYears.contains(invoice.issueDate.year), DraftBuilder.plausibleYears.contains(invoice.dueDate.year) else {
            throw Problem.unprocessable(
                "Dates must be in the years \(DraftBuilder.plausibleYears.lowerBound) to \(DraftBuilder.plausibleYears.upperBound).",
                errors: [.init(field: "dueDate", message: "out of range")]
            )
        }
    }

    struct PatchInput: Decodable, Hashable, Sendable {
        var clientName: String?
        var clientId: String?
        var items: [ItemInput]?
        var currency: Currency?
        var issueDate: CalendarDate?
        var dueDate: CalendarDate?
        var taxRate: TaxRate?
        var discountRate: TaxRate?
        var discountPercent: JSONValuePresence?
        var notes: PatchField<String> = .absent
        var terms: PatchField<String> = .absent
        var poNumber: PatchField<String> = .absent
    }

    /// `PATCH /api/invoices/{id}`: drafts only; every amount is recomputed by the server.
    func update(id: String, ifMatch: String?, patch: InvoicePatch, user: AuthenticatedUser) async throws -> Invoice {
        var invoice = try await self.load(id: id, user: user)
        try Self.checkPrecondition(ifMatch, invoice)
        do { try invoice.checkEditable() } catch { throw Self.problem(error) }
        try Self.refuseOldDiscountName(patch.discountPercent != nil)
        let original = invoice
        let expected = invoice.revision
        let builder = DraftBuilder()
        func unprocessable(_ error: DraftError) -> Problem {
            Problem.unprocessable(error.description, errors: [.init(field: error.field, message: error.description)])
        }

        // A clientId sent back unchanged (GET → PATCH) keeps the invoice's own copy of the client.
        if let id = patch.clientId, id != invoice.clientId {
            guard let client = try await self.memory.clients.find(id: id, ownerID: user.id) else {
                throw Problem.unprocessable("clientId is not in your address book.", errors: [.init(field: "clientId", message: "unknown client")])
            }
            invoice.clientId = client.id
            invoice.to = client.party
        }
        if let name = patch.clientName.map(DraftBuilder.clean) {
            guard !name.isEmpty, name.count <= 200 else {
                throw Problem.unprocessable("clientName must be 1 to 200 characters.", errors: [.init(field: "clientName", message: "1 to 200 characters")])
            }
            invoice.to.name = name
        }
        if let currency = patch.currency, currency != invoice.currency, patch.items == nil {
            // Prices keep their value as written ("85.50"), re-read in the new currency; 0-decimal currencies refuse cents.
            let old = invoice.currency
            do {
                invoice.items = try invoice.items.map { item in
                    var item = item
                    item.unitPrice = try Money(parsing: Money(minorUnits: item.unitPrice, currency: old).decimalString, currency: currency).minorUnits
                    return item
                }
            } catch {
                throw Problem.unprocessable(
                    "The prices do not fit \(currency.code); send the items with the new currency.",
                    errors: [.init(field: "currency", message: "prices do not fit")])
            }
        }
        if let currency = patch.currency { invoice.currency = currency }
        if let items = patch.items {
            guard !items.isEmpty, items.count <= DraftBuilder.maximumItems else {
                throw Problem.unprocessable(
                    "An invoice needs 1 to \(DraftBuilder.maximumItems) items.",
                    errors: [.init(field: "items", message: "1 to \(DraftBuilder.maximumItems) items")])
            }
            do {
                invoice.items = try items.enumerated().map { index, item throws(DraftError) in
                    try builder.lineItem(item.extracted(in: invoice.currency), field: "items[\(index)]", currency: invoice.currency)
                }
            } catch { throw unprocessable(error) }
        }
        if let issue = patch.issueDate { invoice.issueDate = issue }
        if let due = patch.dueDate { invoice.dueDate = due }
        guard invoice.dueDate >= invoice.issueDate else {
            throw Problem.unprocessable("dueDate cannot be before the issue date.", errors: [.init(field: "dueDate", message: "is before issueDate")])
        }
        if let rate = patch.taxRate { invoice.taxRate = rate }
        if let discount = patch.discountRate { invoice.discountRate = discount }
        var problems: [Problem.FieldProblem] = []
        if let notes = patch.notes.text("notes", max: DraftBuilder.maximumNotesLength, multiline: true, problems: &problems) { invoice.notes = notes }
        if let terms = patch.terms.text("terms", max: DraftBuilder.maximumNotesLength, multiline: true, problems: &problems) { invoice.terms = terms }
        if let po = patch.poNumber.text("poNumber", max: 50, problems: &problems) { invoice.poNumber = po }
        if !problems.isEmpty { throw Problem.unprocessable("The update is invalid.", errors: problems) }
        do { try invoice.recompute() } catch { throw Problem.unprocessable("The amounts are too large.") }
        try Self.checkDates(invoice)
        // What the client sent back unchanged (GET → PATCH) changes nothing: no new revision, the same ETag.
        if invoice == original { return original }
        invoice.touch(self.clock.now())
        guard try await self.invoices.save(invoice, expectedRevision: expected) else {
            throw Problem(.preconditionFailed, detail: "The invoice changed while you edited it; fetch it again.")
        }
        return invoice
    }

    /// `POST /api/invoices/{id}/finalize`: the number is assigned now, gaplessly, with the sender as of today.
    func finalize(id: String, ifMatch: String?, user: AuthenticatedUser, context: AppRequestContext) async throws -> Invoice {
        let invoice = try await self.load(id: id, user: user)
        try Self.checkPrecondition(ifMatch, invoice)
        guard invoice.status == .draft else { throw Problem.conflict("Only drafts can be finalized; this invoice is \(invoice.status.rawValue).") }
        let profile = try await self.profiles.profile(for: user, context: context)
        let now = self.clock.now()
        guard let finalized = try await self.invoices.finalize(invoice, profile: profile, year: profile.today(at: now).year, now: now) else {
            throw Problem.conflict("The invoice changed while it was being finalized; fetch it again.")
        }
        context.logger.info("invoice finalized", metadata: ["invoiceId": .string(finalized.id), "number": .string(finalized.number ?? "")])
        return finalized
    }

    /// The domain's refusals as the API says them: a wrong state is a 409, a bad value a 422 naming the field.
    static func problem(_ error: LifecycleError) -> Problem {
        switch error.kind {
        case .wrongState: Problem.conflict(error.description)
        case .invalid(let field): Problem.unprocessable(error.description, errors: [.init(field: field, message: error.description)])
        }
    }

    /// Status-only transitions of finalized invoices: the domain's step, then a conditional save.
    func transition(id: String, ifMatch: String?, user: AuthenticatedUser, change: (inout Invoice, Date) throws(LifecycleError) -> Void) async throws -> Invoice
    {
        var invoice = try await self.load(id: id, user: user)
        try Self.checkPrecondition(ifMatch, invoice)
        let expected = invoice.revision
        let original = invoice
        do { try change(&invoice, self.clock.now()) } catch { throw Self.problem(error) }
        // Nothing to do (a keyed payment already recorded): the invoice as it is, with no new revision.
        if invoice == original { return invoice }
        guard try await self.invoices.save(invoice, expectedRevision: expected) else {
            throw Problem.conflict("The invoice changed at the same time; fetch it again.")
        }
        return invoice
    }

    /// `POST /api/invoices/{id}/payments` {amount, date, method}: partial payments keep a balance; the last one pays it.
    func pay(id: String, ifMatch: String?, input: PaymentInput, user: AuthenticatedUser) async throws -> Invoice {
        let key = IdempotencyMiddleware.current
        return try await self.transition(id: id, ifMatch: ifMatch, user: user) { invoice, now throws(LifecycleError) in
            // A retry of a keyed payment that was recorded before its process died is recorded once, answered again.
            try invoice.recordPayment(
                amount: input.amount.value, date: input.date ?? CalendarDate(now), method: input.method ?? "other", id: DocumentID.make(), idempotencyKey: key,
                at: now
            )
        }
    }

    /// What the PDF operation answers: the ETag alone when the client's copy is current, else the document.
    enum PDFResult {
        case notModified(etag: String)
        case document(bytes: [UInt8], etag: String, fileName: String)
    }

    /// `GET /api/invoices/{id}/pdf`: the PDF depends on the stored invoice alone (paper size included), so one
    /// revision always gives the same bytes and the ETag can be answered without rendering.
    func pdf(id: String, ifNoneMatch: String?, user: AuthenticatedUser) async throws -> PDFResult {
        let invoice = try await self.load(id: id, user: user)
        let etag = "\"\(invoice.id)-\(invoice.revision)-pdf\""
        if let condition = ifNoneMatch, HeaderValues.matches(condition, etag: etag) { return .notModified(etag: etag) }
        let bytes = try await self.renderer.render(invoice)
        let fileName = "invoice-\(invoice.number ?? "draft-" + invoice.id.prefix(8)).pdf".filter {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".")
        }
        return .document(bytes: bytes, etag: etag, fileName: fileName)
    }
}

/// A payment as a client sends it.
struct PaymentInput: Decodable, Hashable, Sendable {
    /// Minor units of the invoice's currency, as `balance` and `total` are shown.
    var amount: MinorUnits
    var date: CalendarDate?
    var method: String?
}

// The request bodies under the names the API document gives them (the generated server decodes into these).
typealias ManualInput = InvoiceController.ManualInput
typealias InvoicePatch = InvoiceController.PatchInput

/// Whether a key was present in a JSON body, whatever its value (for refusing a renamed field).
struct JSONValuePresence: Decodable, Hashable, Sendable {
    init(from decoder: any Decoder) throws {}
}
