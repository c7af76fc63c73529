import Foundation
import HTTPClient
import Invoicing
import Metrics
import NIOCore

/// Settings of the AI provider: OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LocalAI) by base URL.
public struct OpenAIConfiguration: Sendable {
    public var apiKey: String
    public var baseURL: String
    public var transcribeModel: String
    public var extractModel: String
    public var timeout: Duration
    /// Attempts after the first, on 429, 5xx, refused connections and timeouts.
    public var maxRetries: Int
    /// The longest `Retry-After` worth waiting for inside one request; beyond it the request fails at once.
    public var maxRetryAfter: Duration

    public init(
        apiKey: String, baseURL: String = "https://api.openai.com/v1", transcribeModel: String = "gpt-4o-mini-transcribe",
        extractModel: String = "gpt-4o-mini", timeout: Duration = .seconds(60), maxRetries: Int = 2, maxRetryAfter: Duration = .seconds(10)
    ) {
        self.apiKey = apiKey
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transcribeModel = transcribeModel
        self.extractModel = extractModel
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.maxRetryAfter = maxRetryAfter
    }
}

/// Why the provider gave no usable answer; the API maps these to 503 (rate limited, unavailable) or 502 (failed).
public struct AIProviderError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable { case rateLimited, unavailable, failed, invalidResponse }
    public let code: Code
    public let detail: String
    /// Seconds the provider asked us to wait, when it said.
    public let retryAfter: Int?
    public var description: String { "AIProviderError.\(self.code): \(self.detail)" }
}

/// The OpenAI API over libcurl (through `CurlHTTPClient`): transcription (multipart) and structured extraction
/// (`/chat/completions` with a strict JSON schema). Retries with backoff on 429 and 5xx, honouring `Retry-After`.
/// Never logs audio, transcripts or the key.
public struct OpenAIClient: Sendable {
    public let configuration: OpenAIConfiguration
    let http: CurlHTTPClient

    public init(configuration: OpenAIConfiguration, http: CurlHTTPClient) {
        self.configuration = configuration
        self.http = http
    }

    // MARK: Transcription

    struct TranscriptionResponse: Decodable {
        var text: String
    }

    /// `POST /audio/transcriptions`, multipart, with a prompt seeded with names the user is likely to say.
    public func transcribe(audio: [UInt8], fileName: String, contentType: String, prompt: String?) async throws -> String {
        try await self.transcribe(audio: ByteBuffer(bytes: audio), fileName: fileName, contentType: contentType, prompt: prompt)
    }

    /// The audio is sent as it is held (the upload's own buffer): the multipart framing goes around it in small
    /// buffers of its own, and curl reads the pieces in turn, so the audio is never copied into a request body.
    public func transcribe(audio: ByteBuffer, fileName: String, contentType: String, prompt: String?) async throws -> String {
        var form = MultipartForm()
        form.addFile(name: "file", fileName: fileName, contentType: contentType, data: audio)
        form.addField(name: "model", value: self.configuration.transcribeModel)
        form.addField(name: "response_format", value: "json")
        if let prompt, !prompt.isEmpty { form.addField(name: "prompt", value: String(prompt.prefix(800))) }
        let response = try await self.send(path: "/audio/transcriptions", contentType: form.contentType, body: .parts(form.finished))
        do { return try JSONDecoder().decode(TranscriptionResponse.self, from: Data(response.body)).text } catch {
            throw AIProviderError(code: .invalidResponse, detail: "transcription response has no text", retryAfter: nil)
        }
    }

    // MARK: Extraction

    /// `POST /chat/completions` with `response_format: json_schema, strict: true`. The model reports what was said;
    /// it never computes amounts or numbers invoices (the schema has no field for either).
    public func extract(transcript: String, context: ExtractionContext) async throws -> ExtractedInvoice {
        let request = ChatRequest(
            model: self.configuration.extractModel,
            messages: [
                .init(role: "system", content: Self.instructions(context)),
                .init(role: "user", content: transcript),
            ],
            responseFormat: .init(type: "json_schema", jsonSchema: .init(name: "invoice_extraction", strict: true, schema: ExtractionSchema.schema)),
            temperature: 0
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let response = try await self.send(path: "/chat/completions", contentType: "application/json", body: .bytes(Array(try encoder.encode(request))))
        let completion: ChatResponse
        do { completion = try JSONDecoder().decode(ChatResponse.self, from: Data(response.body)) } catch {
            throw AIProviderError(code: .invalidResponse, detail: "chat completion is not the expected JSON", retryAfter: nil)
        }
        guard let message = completion.choices.first?.message else { throw AIProviderError(code: .invalidResponse, detail: "no choices", retryAfter: nil) }
        if message.refusal != nil { throw AIProviderError(code: .invalidResponse, detail: "the model refused", retryAfter: nil) }
        guard let content = message.content, let result = try? JSONDecoder().decode(ExtractionSchema.Result.self, from: Data(content.utf8)) else {
            throw AIProviderError(code: .invalidResponse, detail: "the extraction does not follow the schema", retryAfter: nil)
        }
        return result
    }

    static func instructions(_ context: ExtractionContext) -> String {
        var lines = [
            "You turn one spoken sentence into the facts of an invoice, exactly as they were said.",
            "Report quantities and unit prices as decimal text as said (\"12\", \"85.50\"); never multiply, add or compute totals.",
            "Never invent an invoice number. Report a currency only if one was said (ISO 4217 code).",
            "Report dates as they were said (\"next Friday\", \"March 3rd\", \"end of the month\"): the server resolves them. Payment terms said as a number of days (\"net 30\", \"in two weeks\") go in dueInDays.",
            "Give tax rates and discounts as percentage text only if they were said; a rate said for one line goes on that line.",
            "Put anything unclear in warnings with the field it concerns, and give your confidence per part from 0 to 1 (null if not said).",
            "The user's default currency is \(context.defaultCurrency.code).",
        ]
        if !context.knownClients.isEmpty { lines.append("Known clients: " + context.knownClients.prefix(10).joined(separator: "; ")) }
        if !context.knownServices.isEmpty { lines.append("Known services: " + context.knownServices.prefix(15).joined(separator: "; ")) }
        return lines.joined(separator: "\n")
    }

    // MARK: Transport with retries

    /// Times each call (`ai_provider_request_duration_seconds{endpoint}`, retries included) and counts failures by kind.
    /// A request body: bytes, or buffers sent one after the other without being joined.
    enum RequestBody: Sendable {
        case bytes([UInt8])
        case parts([ByteBuffer])
    }

    func send(path: String, contentType: String, body: RequestBody) async throws -> CurlResponse {
        let endpoint = path.hasPrefix("/audio") ? "transcriptions" : "chat_completions"
        let start = ContinuousClock.now
        do {
            let response = try await self.sendWithRetries(path: path, contentType: contentType, body: body)
            let elapsed = ContinuousClock.now - start
            Timer(label: "ai_provider_request_duration_seconds", dimensions: [("endpoint", endpoint)])
                .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
            return response
        } catch let error as AIProviderError {
            Counter(label: "ai_provider_failures_total", dimensions: [("endpoint", endpoint), ("code", "\(error.code)")]).increment()
            throw error
        } catch {
            Counter(label: "ai_provider_failures_total", dimensions: [("endpoint", endpoint), ("code", "transport")]).increment()
            throw error
        }
    }

    /// One attempt: bytes as the request body, or parts streamed through an `UploadStream` (a new one per attempt,
    /// over the same buffers).
    func attempt(path: String, contentType: String, body: RequestBody) async throws -> CurlResponse {
        let headers = [("Authorization", "Bearer \(self.configuration.apiKey)"), ("Content-Type", contentType), ("Accept", "application/json")]
        let url = self.configuration.baseURL + path
        switch body {
        case .bytes(let bytes):
            return try await self.http.execute(CurlRequest(method: "POST", url: url, headers: headers, body: bytes, timeout: self.configuration.timeout))
        case .parts(let parts):
            let upload = UploadStream()
            let length = parts.reduce(0) { $0 + $1.readableBytes }
            return try await withThrowingTaskGroup(of: CurlResponse?.self) { group in
                group.addTask {
                    for part in parts { await upload.write(part) }
                    upload.finish()
                    return nil
                }
                group.addTask {
                    try await self.http.execute(
                        CurlRequest(method: "POST", url: url, headers: headers, timeout: self.configuration.timeout, upload: upload, uploadLength: length)
                    )
                }
                var response: CurlResponse?
                do {
                    while let next = try await group.next() { if let next { response = next } }
                } catch {
                    upload.fail()
                    throw error
                }
                guard let response else { throw HTTPClientError(code: .transport, detail: "no response") }
                return response
            }
        }
    }

    func sendWithRetries(path: String, contentType: String, body: RequestBody) async throws -> CurlResponse {
        var attempt = 0
        while true {
            let outcome: Result<CurlResponse, any Error>
            do {
                outcome = .success(try await self.attempt(path: path, contentType: contentType, body: body))
            } catch {
                outcome = .failure(error)
            }
            let failure: AIProviderError
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                return response
            case .success(let response):
                let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                switch response.status {
                case 429: failure = AIProviderError(code: .rateLimited, detail: "the AI provider is rate limiting", retryAfter: retryAfter)
                case 500...599: failure = AIProviderError(code: .unavailable, detail: "the AI provider answered \(response.status)", retryAfter: retryAfter)
                default:
                    // 400/401/403/404: retrying cannot help (bad key, bad model, bad request).
                    throw AIProviderError(code: .failed, detail: "the AI provider answered \(response.status)", retryAfter: nil)
                }
            case .failure(let error as HTTPClientError) where error.code == .connectFailed || error.code == .timedOut:
                failure = AIProviderError(
                    code: .unavailable, detail: "the AI provider \(error.code == .timedOut ? "timed out" : "could not be reached")", retryAfter: nil)
            case .failure(let error):
                throw error
            }
            attempt += 1
            let wait: Duration = failure.retryAfter.map { .seconds($0) } ?? .milliseconds(250 * (1 << min(attempt, 6)))
            guard attempt <= self.configuration.maxRetries, wait <= self.configuration.maxRetryAfter else { throw failure }
            try await Task.sleep(for: wait)
        }
    }
}

/// The AI provider as an `InvoiceExtractor`, so the invoice role does not know which one it has.
public struct AIExtractor: InvoiceExtractor {
    let client: OpenAIClient
    public init(client: OpenAIClient) { self.client = client }

    public func extract(transcript: String, context: ExtractionContext) async throws -> ExtractedInvoice {
        var extracted = try await self.client.extract(transcript: transcript, context: context)
        // Where the model and the parser disagree on a number said plainly, the draft says so (a few microseconds of
        // parsing next to the provider's round trip).
        extracted.warnings += ExtractionCrossCheck.warnings(model: extracted, transcript: transcript, context: context)
        return extracted
    }
}

// MARK: - Wire types

struct ChatRequest: Encodable {
    struct Message: Encodable {
        var role: String
        var content: String
    }
    struct ResponseFormat: Encodable {
        struct JSONSchema: Encodable {
            var name: String
            var strict: Bool
            var schema: JSONValue
        }
        var type: String
        var jsonSchema: JSONSchema
        enum CodingKeys: String, CodingKey {
            case type
            case jsonSchema = "json_schema"
        }
    }
    var model: String
    var messages: [Message]
    var responseFormat: ResponseFormat
    var temperature: Double
    enum CodingKeys: String, CodingKey {
        case model, messages, temperature
        case responseFormat = "response_format"
    }
}

struct ChatResponse: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            var content: String?
            var refusal: String?
        }
        var message: Message
    }
    var choices: [Choice]
}

/// A JSON value, for writing the schema.
indirect enum JSONValue: Encodable, Sendable {
    case string(String)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in members { try container.encode(value, forKey: Key(key)) }
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// The strict JSON schema the model must answer with, and its decoded form.
enum ExtractionSchema {
    static func object(_ properties: [(String, JSONValue)]) -> JSONValue {
        .object([
            ("type", .string("object")), ("properties", .object(properties)), ("required", .array(properties.map { .string($0.0) })),
            ("additionalProperties", .bool(false)),
        ])
    }
    static let text = JSONValue.object([("type", .string("string"))])
    static let optionalText = JSONValue.object([("type", .array([.string("string"), .string("null")]))])
    static let optionalInteger = JSONValue.object([("type", .array([.string("integer"), .string("null")]))])

    static let optionalNumber = JSONValue.object([("type", .array([.string("number"), .string("null")]))])

    static let schema = object([
        ("clientName", optionalText),
        (
            "items",
            .object([
                ("type", .string("array")),
                (
                    "items",
                    object([
                        ("description", text), ("quantity", text), ("unit", optionalText), ("unitPrice", text), ("currency", optionalText),
                        ("discountPercent", optionalText), ("taxRate", optionalText),
                    ])
                ),
            ])
        ),
        ("currency", optionalText), ("issueDate", optionalText), ("dueDate", optionalText), ("dueInDays", optionalInteger),
        ("taxRate", optionalText), ("discountPercent", optionalText), ("poNumber", optionalText), ("notes", optionalText),
        ("warnings", .object([("type", .string("array")), ("items", object([("field", optionalText), ("message", text)]))])),
        (
            "confidence",
            object([
                ("clientName", optionalNumber), ("items", optionalNumber), ("dates", optionalNumber), ("taxRate", optionalNumber), ("currency", optionalNumber),
            ])
        ),
    ])

    /// The model's answer has exactly the fields of `ExtractedInvoice` (the schema above is written to match it), so
    /// it decodes straight into it; anything else fails decoding and becomes a 502.
    typealias Result = ExtractedInvoice
}

/// multipart/form-data for uploads to the provider (RFC 7578). Writing one is simple enough to do here; parsing the
/// uploads clients send us is left to a library.
struct MultipartForm {
    let boundary = "vi-" + UUID().uuidString
    /// The pieces of the body in order; a file's data is its own buffer, not a copy.
    private(set) var parts: [ByteBuffer] = []

    var contentType: String { "multipart/form-data; boundary=\(self.boundary)" }

    mutating func addField(name: String, value: String) {
        self.parts.append(ByteBuffer(string: "--\(self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"))
    }

    mutating func addFile(name: String, fileName: String, contentType: String, data: ByteBuffer) {
        let safeName = fileName.filter { $0 != "\"" && $0 != "\r" && $0 != "\n" }
        self.parts.append(
            ByteBuffer(
                string:
                    "--\(self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(safeName)\"\r\nContent-Type: \(contentType)\r\n\r\n"))
        self.parts.append(data)
        self.parts.append(ByteBuffer(string: "\r\n"))
    }

    var finished: [ByteBuffer] { self.parts + [ByteBuffer(string: "--\(self.boundary)--\r\n")] }
}
