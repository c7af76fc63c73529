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

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
            .add(middleware: BearerAuthMiddleware(tokens: self.tokens))
        routes.post("transcript", use: self.createFromTranscript)
        routes.post("voice", use: self.createFromVoice)
        routes.get(use: self.list)
        routes.get(":id", use: self.show)
        routes.delete(":id", use: self.delete)
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
        // Validate before taking a number, so a failed draft does not leave a gap in the numbering.
        let probe = try self.draft(extracted, profile: profile, user: user, number: "", transcript: transcript, now: now)
        let number = try await self.invoices.nextNumber(ownerID: user.id)
        var invoice = probe
        invoice.number = number
        try await self.invoices.insert(invoice)
        context.logger.info("invoice drafted", metadata: ["invoiceId": .string(invoice.id), "items": .stringConvertible(invoice.items.count)])
        return try Body.json(invoice, status: .created, headers: [.location: "/api/invoices/\(invoice.id)"])
    }

    func draft(_ extracted: ExtractedInvoice, profile: BusinessProfile, user: AuthenticatedUser, number: String, transcript: String, now: Date) throws -> Invoice {
        do {
            return try DraftBuilder().draft(
                from: extracted, profile: profile, today: CalendarDate(now), id: DocumentID.make(), ownerId: user.id, number: number,
                transcript: transcript, now: now
            )
        } catch {
            throw Problem.unprocessable(error.description, errors: [.init(field: "transcript", message: error.description)])
        }
    }

    struct Page: Encodable {
        var items: [Invoice]
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
        return try Body.json(Page(items: items, nextCursor: next))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let invoice = try await self.invoices.find(id: try context.parameters.require("id"), ownerID: user.id) else {
            throw Problem.notFound("No invoice with this id.")
        }
        return try Body.json(invoice)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard try await self.invoices.delete(id: try context.parameters.require("id"), ownerID: user.id) else {
            throw Problem.notFound("No invoice with this id.")
        }
        return Response(status: .noContent)
    }

    @Sendable func pdf(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let invoice = try await self.invoices.find(id: try context.parameters.require("id"), ownerID: user.id) else {
            throw Problem.notFound("No invoice with this id.")
        }
        let bytes = try await self.renderer.render(invoice)
        let fileName = "invoice-\(invoice.number).pdf".filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/pdf",
                .contentDisposition: "attachment; filename=\"\(fileName)\"",
                .cacheControl: "private, no-store",
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
