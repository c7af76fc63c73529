import Foundation
import HTTPClient
import Hummingbird
import JWT
import Logging
import Metrics
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceKit

/// Builds the gateway: sign-in and token issuing, the JWK Set, the reverse proxy, and the services' health.
public enum GatewayRole {
    /// The web app's routes (pages and assets): the gateway's own, outside the API document.
    public static let webAppPaths = Set(WebAppController.pages + ["/assets/{part}", "/assets/{part}/{name}"])

    public static func buildRouter(
        settings: Settings, upstreams: Upstreams, tokens: TokenService, publishedKeys: JWKSet, http: CurlHTTPClient, timeout: Duration
    ) throws -> Router<AppRequestContext> {
        let router = RoleApplication.makeRouter(role: .gateway, options: EdgeOptions(settings: settings))
        // The edge, in this order (after RoleApplication's request, metrics and canonical-path middleware): CORS answers
        // preflights; rate limits come before any work.
        if !settings.corsOrigins.isEmpty { router.add(middleware: CORSPolicyMiddleware(origins: Set(settings.corsOrigins))) }
        let maximumKeys = settings.rateLimitMaxKeys
        router.add(
            middleware: RateLimitMiddleware(
                address: RateLimitRule(name: "address", text: settings.rateLimitAddress).map { RateLimiter(rule: $0, maximumKeys: maximumKeys) },
                signIn: RateLimitRule(name: "sign-in", text: settings.rateLimitSignIn).map { RateLimiter(rule: $0, maximumKeys: maximumKeys) },
                user: RateLimitRule(name: "user", text: settings.rateLimitUser).map { RateLimiter(rule: $0, maximumKeys: maximumKeys) },
                tokens: tokens,
                onReject: { limit in Counter(label: "rate_limit_rejections_total", dimensions: [("limit", limit)]).increment() }
            )
        )
        // Specific routes first in reading order; the router prefers literal paths over the proxy's wildcards anyway.
        let session = SessionController(
            auth: ServiceClient(pool: upstreams.auth, http: http, timeout: timeout), tokens: tokens, google: GoogleClient(settings: settings, http: http),
            clientURL: settings.clientURL, publishedKeys: publishedKeys
        )
        session.addRoutes(to: router)
        // The web app: its pages and assets (not under /api, so never proxied).
        WebAppController(googleSignIn: session.google.webConfigured && settings.clientURL != nil).addRoutes(to: router)
        // The gateway's own operations of the document, generated; the document itself is one of them.
        let document = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(PackageResources.openapi_json))
        try GatewayAPI(session: session, health: HealthController(upstreams: upstreams, http: http), document: document).registerHandlers(
            on: router.group().add(middleware: ContextMiddleware()), configuration: OpenAPIServing.configuration,
            middlewares: OpenAPIServing.middlewares(BodyLimitMiddleware(defaultLimit: Body.signInLimit))
        )
        ProxyController(
            upstreams: upstreams, http: http, timeout: timeout, longTimeout: settings.upstreamLongTimeout, maximumBodyBytes: settings.maxUploadBytes,
            concurrency: .init(settings.maxConcurrentUpstream)
        ).addRoutes(to: router, table: try RouteTable.publicAPI())
        return router
    }

    public static func buildApplication(
        settings: Settings, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try settings.validate(for: .gateway)
        // As many connections per upstream as requests may be forwarded at once (MAX_CONCURRENT_UPSTREAM is the one
        // cap): with curl's default of 64 per host, the 65th concurrent request waited in curl's pending queue, and at
        // 256 connections proxy.sh measured half a second at p99 (nginx opens upstream connections as needed too).
        let http = CurlHTTPClient(maximumConnectionsPerHost: settings.maxConcurrentUpstream)
        let keys = try KeySetup(settings: settings, role: .gateway)
        let router = try buildRouter(
            settings: settings, upstreams: try Upstreams(settings: settings), tokens: settings.tokenService(keys: keys, http: http),
            publishedKeys: keys.publishedKeys, http: http, timeout: settings.upstreamTimeout
        )
        return RoleApplication.make(
            role: .gateway, router: router, settings: settings, logger: logger, services: [ShutdownHook { http.shutdown() }],
            onServerRunning: onServerRunning
        )
    }
}
