import Foundation
import HTTPClient
import Hummingbird
import Invoicing
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceKit
import Storage

/// The user role's whole surface: the operations tagged `users` in the API document (the signed-in user's business
/// profile), as the generated `APIProtocol` (Generated/, from scripts/generate-openapi.sh) declares them. The user is
/// the access token's `sub`, verified by `BearerAuthMiddleware` before a handler runs.
struct UserAPI: APIProtocol {
    let profiles: ProfileRepository

    func getProfile(_ input: Operations.GetProfile.Input) async throws -> Operations.GetProfile.Output {
        let user = try OpenAPIServing.user()
        let stored = try await self.profiles.find(userID: user.id)
        return .ok(.init(body: .json(ProfileView(userID: user.id, profile: stored?.profile ?? BusinessProfile(), updatedAt: stored?.updatedAt))))
    }

    func updateProfile(_ input: Operations.UpdateProfile.Input) async throws -> Operations.UpdateProfile.Output {
        let user = try OpenAPIServing.user()
        guard case .json(let patch) = input.body else { throw Problem(.unsupportedMediaType, detail: "Send the body as application/json.") }
        let current = try await self.profiles.find(userID: user.id)?.profile ?? BusinessProfile()
        let updated = StoredProfile(id: user.id, profile: try patch.apply(to: current), updatedAt: .storeNow)
        try await self.profiles.save(updated)
        return .ok(.init(body: .json(ProfileView(userID: user.id, profile: updated.profile, updatedAt: updated.updatedAt))))
    }
}

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
