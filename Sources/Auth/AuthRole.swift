import Foundation
import ServiceKit

/// Builds the auth role: accounts and password checks on its own store.
public enum AuthRole {
    public static let collections = AccountRepository.collections

    /// The router, for in-process tests and for `buildApplication`.
    public static func buildRouter(store: any DocumentStore, hasher: PasswordHasher, tokens: TokenService) -> Router<AppRequestContext> {
        let router = RoleApplication.makeRouter(role: .auth)
        let controller = AuthController(accounts: AccountRepository(store: store), hasher: hasher, tokens: tokens)
        router.addRoutes(controller.publicEndpoints, atPath: "/api/auth")
        router.addRoutes(controller.internalEndpoints, atPath: "/internal")
        return router
    }

    public static func buildApplication(
        settings: Settings, logger: Logger, hasher: PasswordHasher = PasswordHasher(), onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try settings.validate(for: .auth)
        let store = try StoreFactory.open(settings: settings, role: .auth, logger: logger)
        let tokens = try settings.tokenService()
        let router = buildRouter(store: store, hasher: hasher, tokens: tokens)
        return RoleApplication.make(
            role: .auth, router: router, settings: settings, logger: logger,
            services: [ShutdownHook { try? await hasher.shutdown() }],
            beforeServerStarts: [{ try await store.prepare(collections) }],
            onServerRunning: onServerRunning
        )
    }
}
