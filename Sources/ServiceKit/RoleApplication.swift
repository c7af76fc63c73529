import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// What every role's `build…Application` shares: the server, its address, the request middleware, `/healthz`.
public enum RoleApplication {
    /// A router with the request middleware installed (so unknown routes and errors are problem+json too) and the
    /// liveness route every role answers.
    public static func makeRouter(role: Role, store: (any DocumentStore)? = nil, trustProxy: TrustProxy = .none) -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: RequestMiddleware(role: role.rawValue, trustProxy: trustProxy))
        // Liveness: the process answers. Never depends on the database, so a platform never restarts a healthy
        // role because MongoDB is away.
        router.get("/healthz") { _, _ in
            try Body.json(Health(status: "ok", role: role.rawValue))
        }
        // Readiness: the role can serve requests that need its database.
        router.get("/readyz") { _, _ in
            guard let store else { return try Body.json(Readiness(status: "ready", role: role.rawValue, store: nil)) }
            do {
                try await store.ping()
                return try Body.json(Readiness(status: "ready", role: role.rawValue, store: store.engine))
            } catch {
                return try Body.json(
                    Readiness(status: "unavailable", role: role.rawValue, store: store.engine), status: .serviceUnavailable, headers: [.retryAfter: "2"]
                )
            }
        }
        return router
    }

    public struct Readiness: Codable, Sendable {
        public var status: String
        public var role: String
        public var store: String?
    }

    public static func make(
        role: Role,
        router: Router<AppRequestContext>,
        settings: Settings,
        logger: Logger,
        services: [any Service] = [],
        beforeServerStarts: [@Sendable () async throws -> Void] = [],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger
        )
        app.addServices(services)
        for process in beforeServerStarts { app.beforeServerStarts(perform: process) }
        return app
    }

    public struct Health: Codable, Sendable {
        public var status: String
        public var role: String
    }
}

/// Runs `onShutdown` when the service group shuts down, for resources that are not services themselves
/// (the curl driver thread, thread pools).
public struct ShutdownHook: Service {
    let onShutdown: @Sendable () async -> Void
    public init(_ onShutdown: @escaping @Sendable () async -> Void) { self.onShutdown = onShutdown }

    public func run() async throws {
        try? await gracefulShutdown()
        await self.onShutdown()
    }
}
