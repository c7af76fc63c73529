import Foundation
import HTTPClient
import Hummingbird
import Invoicing
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceKit
import Storage

/// Builds the user role.
public enum UserRole {
    public static let collections = ProfileRepository.collections
    /// The profile patch is small: 16 KiB.
    static let bodyLimits = BodyLimitMiddleware(limits: ["updateProfile": 16 * 1024])

    public static func buildRouter(store: any DocumentStore, tokens: TokenService, options: EdgeOptions = EdgeOptions()) throws -> Router<AppRequestContext> {
        let router = RoleApplication.makeRouter(role: .user, store: store, options: options)
        let api = router.group().add(middleware: BearerAuthMiddleware(tokens: tokens)).add(middleware: ContextMiddleware())
        try UserAPI(profiles: ProfileRepository(store: store)).registerHandlers(
            on: api, configuration: OpenAPIServing.configuration, middlewares: OpenAPIServing.middlewares(Self.bodyLimits))
        return router
    }

    public static func buildApplication(
        settings: Settings, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try settings.validate(for: .user)
        let store = try StoreFactory.open(settings: settings, role: .user, logger: logger)
        let http = CurlHTTPClient()
        let router = try buildRouter(store: store, tokens: try settings.tokenService(for: .user, http: http), options: EdgeOptions(settings: settings))
        return RoleApplication.make(
            role: .user, router: router, settings: settings, logger: logger, services: [ShutdownHook { http.shutdown() }],
            beforeServerStarts: [{ try await store.prepare(collections) }],
            onServerRunning: onServerRunning
        )
    }
}
