import Foundation
import HTTPClient
import Hummingbird
import Invoicing
import Logging
import ServiceKit
import Storage

/// The user role's whole surface: the signed-in user's business profile.
/// `GET /api/users/me` and `PATCH /api/users/me` (bearer access token; the user is the token's `sub`).
struct UserController {
    let profiles: ProfileRepository
    let tokens: TokenService

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
            .add(middleware: BearerAuthMiddleware(tokens: self.tokens))
        routes.get("me", use: self.show)
        routes.patch("me", use: self.update)
        return routes
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let stored = try await self.profiles.find(userID: user.id)
        return try Body.json(ProfileView(userID: user.id, profile: stored?.profile ?? BusinessProfile(), updatedAt: stored?.updatedAt))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let patch = try await Body.decode(ProfilePatch.self, from: request, limit: 16 * 1024)
        let current = try await self.profiles.find(userID: user.id)?.profile ?? BusinessProfile()
        let updated = StoredProfile(id: user.id, profile: try patch.apply(to: current), updatedAt: .storeNow)
        try await self.profiles.save(updated)
        return try Body.json(ProfileView(userID: user.id, profile: updated.profile, updatedAt: updated.updatedAt))
    }
}

/// Builds the user role.
public enum UserRole {
    public static let collections = ProfileRepository.collections

    public static func buildRouter(store: any DocumentStore, tokens: TokenService, options: EdgeOptions = EdgeOptions()) -> Router<AppRequestContext> {
        let router = RoleApplication.makeRouter(role: .user, store: store, options: options)
        router.addRoutes(UserController(profiles: ProfileRepository(store: store), tokens: tokens).endpoints, atPath: "/api/users")
        return router
    }

    public static func buildApplication(
        settings: Settings, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try settings.validate(for: .user)
        let store = try StoreFactory.open(settings: settings, role: .user, logger: logger)
        let http = CurlHTTPClient()
        let router = buildRouter(store: store, tokens: try settings.tokenService(for: .user, http: http), options: EdgeOptions(settings: settings))
        return RoleApplication.make(
            role: .user, router: router, settings: settings, logger: logger, services: [ShutdownHook { http.shutdown() }],
            beforeServerStarts: [{ try await store.prepare(collections) }],
            onServerRunning: onServerRunning
        )
    }
}
