import AIProvider
import Foundation
import HTTPClient
import Hummingbird
import Invoicing
import Logging
import OpenAPIHummingbird
import PDF
import ServiceKit
import Storage

/// Builds the invoice role.
public enum InvoiceRole {
    public static let collections =
        InvoiceRepository.collections + ClientRepository.collections + CatalogRepository.collections + IdempotencyMiddleware.collections

    public static func buildRouter(
        store: any DocumentStore, tokens: TokenService, userService: ServiceClient, renderer: InvoicePDFRenderer,
        extractor: any InvoiceExtractor = RuleBasedExtractor(), transcriber: OpenAIClient? = nil, maximumAudioBytes: Int = 25 * 1024 * 1024,
        maximumTranscriptCharacters: Int = 10_000, idempotencyLease: TimeInterval = 60, options: EdgeOptions = EdgeOptions(),
        clock: InvoiceClock = InvoiceClock { .storeNow }
    ) throws -> Router<AppRequestContext> {
        let router = RoleApplication.makeRouter(role: .invoice, store: store, options: options)
        let memory = MemoryRepository(clients: ClientRepository(store: store), catalog: CatalogRepository(store: store))
        let controller = InvoiceController(
            invoices: InvoiceRepository(store: store), memory: memory, profiles: ProfileClient(service: userService), extractor: extractor, renderer: renderer,
            transcriber: transcriber, maximumAudioBytes: maximumAudioBytes, maximumTranscriptCharacters: maximumTranscriptCharacters, clock: clock
        )
        let api = InvoiceAPI(invoices: controller, clients: ClientController(clients: memory.clients), catalog: CatalogController(catalog: memory.catalog))
        // Bearer first, then the idempotency records (per user, with each route's body limit), then the generated
        // handlers, which read the body only after BodyLimitMiddleware applied the same limit.
        let limit = controller.bodyLimit
        let group = router.group()
            .add(middleware: BearerAuthMiddleware(tokens: tokens))
            .add(middleware: IdempotencyMiddleware(store: store, lease: idempotencyLease, limit: limit))
            .add(middleware: ContextMiddleware())
        let audio = maximumAudioBytes + 64 * 1024
        let limits = BodyLimitMiddleware(
            limits: [
                "createFromVoice": audio, "transcribe": audio, "recordPayment": Body.paymentLimit, "createFromTranscript": controller.transcriptLimit,
                "regenerateInvoice": controller.transcriptLimit, "createClient": ClientController.bodyLimit, "updateClient": ClientController.bodyLimit,
            ],
            defaultLimit: Body.apiJSONLimit
        )
        try api.registerHandlers(on: group, configuration: OpenAPIServing.configuration, middlewares: OpenAPIServing.middlewares(limits))
        return router
    }

    public static func buildApplication(
        settings: Settings, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try settings.validate(for: .invoice)
        let store = try StoreFactory.open(settings: settings, role: .invoice, logger: logger)
        let http = CurlHTTPClient()
        let renderer = InvoicePDFRenderer()
        guard let userService = ServicePool(setting: settings.userServiceURL, name: "user") else {
            throw SettingsError(problems: ["USER_SERVICE_URL is invalid"])
        }
        // The AI provider when a key is configured; the embedded rule-based extractor (and no voice) otherwise.
        let provider = settings.openAIKey.map { key in
            OpenAIClient(
                configuration: OpenAIConfiguration(
                    apiKey: key, baseURL: settings.openAIBaseURL, transcribeModel: settings.openAITranscribeModel,
                    extractModel: settings.openAIExtractModel, timeout: settings.openAITimeout
                ),
                http: http
            )
        }
        let extractor: any InvoiceExtractor = provider.map { AIExtractor(client: $0) } ?? RuleBasedExtractor()
        logger.info("extractor", metadata: ["kind": .string(settings.openAIKey == nil ? "rules" : "ai")])
        let router = try buildRouter(
            store: store, tokens: try settings.tokenService(for: .invoice, http: http),
            userService: ServiceClient(pool: userService, http: http, timeout: settings.upstreamTimeout),
            renderer: renderer, extractor: extractor, transcriber: provider, maximumAudioBytes: settings.maxAudioBytes,
            maximumTranscriptCharacters: settings.maxTranscriptCharacters, idempotencyLease: settings.idempotencyLease, options: EdgeOptions(settings: settings)
        )
        return RoleApplication.make(
            role: .invoice, router: router, settings: settings, logger: logger,
            services: [
                Sweeper("idempotency keys", logger: logger) { try await IdempotencyMiddleware.sweep(store) },
                ShutdownHook {
                    http.shutdown()
                    try? await renderer.shutdown()
                },
            ],
            beforeServerStarts: [{ try await store.prepare(collections) }],
            onServerRunning: onServerRunning
        )
    }
}
