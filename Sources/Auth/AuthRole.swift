import AuthInternalAPI
import Foundation
import HTTPClient
import Hummingbird
import Logging
import OpenAPIHummingbird
import ServiceKit
import Storage

/// Builds the auth role: accounts, password checks, Google links, refresh-token families, one-time codes.
public enum AuthRole {
    public static let collections = AccountRepository.collections + RefreshTokenStore.collections + SignInThrottle.collections

    /// The router, for in-process tests and for `buildApplication`.
    public static func buildRouter(
        store: any DocumentStore, hasher: PasswordHasher, tokens: TokenService, refreshFamilyMaxAge: TimeInterval = 90 * 86_400,
        options: EdgeOptions = EdgeOptions()
    ) throws -> Router<AppRequestContext> {
        let router = RoleApplication.makeRouter(role: .auth, store: store, options: options)
        let controller = AuthController(
            accounts: AccountRepository(store: store),
            refreshTokens: RefreshTokenStore(store: store, lifetime: tokens.refreshTokenLifetime, maximumAge: refreshFamilyMaxAge), hasher: hasher,
            tokens: tokens,
            throttle: SignInThrottle(store: store)
        )
        let groups = SecurityGroups(
            secured: router.group().add(middleware: BearerAuthMiddleware(tokens: tokens)).add(middleware: ContextMiddleware()),
            open: router.group().add(middleware: ContextMiddleware()), openOperations: AuthAPI.openOperations
        )
        try AuthAPI(controller: controller).registerHandlers(
            on: groups, configuration: OpenAPIServing.configuration, middlewares: OpenAPIServing.middlewares(BodyLimitMiddleware(defaultLimit: 4096))
        )
        // The internal hop: the gateway's service token, then the handlers of OpenAPI/internal.json.
        let internalGroup = router.group().add(middleware: ServiceAuthMiddleware(tokens: tokens)).add(middleware: ContextMiddleware())
        try AuthInternalHandlers(controller: controller).registerHandlers(
            on: internalGroup, configuration: OpenAPIServing.configuration,
            middlewares: OpenAPIServing.middlewares(BodyLimitMiddleware(defaultLimit: Body.signInLimit))
        )
        return router
    }

    public static func buildApplication(
        settings: Settings, logger: Logger, hasher: PasswordHasher = PasswordHasher(), onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try settings.validate(for: .auth)
        let store = try StoreFactory.open(settings: settings, role: .auth, logger: logger)
        let http = CurlHTTPClient()
        let tokens = try settings.tokenService(for: .auth, http: http)
        let router = try buildRouter(
            store: store, hasher: hasher, tokens: tokens, refreshFamilyMaxAge: settings.refreshFamilyMaxAge, options: EdgeOptions(settings: settings))
        return RoleApplication.make(
            role: .auth, router: router, settings: settings, logger: logger,
            services: [
                Sweeper("sign-in throttles", logger: logger) { try await SignInThrottle(store: store).sweep() },
                ShutdownHook {
                    http.shutdown()
                    try? await hasher.shutdown()
                },
            ],
            beforeServerStarts: [{ try await store.prepare(collections) }],
            onServerRunning: onServerRunning
        )
    }
}
