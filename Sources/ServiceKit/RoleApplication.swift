import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Storage

/// What the edge of every role is configured with (from `Settings`; tests use the defaults).
public struct EdgeOptions: Sendable {
    public var trustProxy: TrustProxy
    public var metricsToken: String?
    public var bodyReadTimeout: Duration

    public init(trustProxy: TrustProxy = .none, metricsToken: String? = nil, bodyReadTimeout: Duration = .seconds(30)) {
        self.trustProxy = trustProxy
        self.metricsToken = metricsToken
        self.bodyReadTimeout = bodyReadTimeout
    }

    public init(settings: Settings) {
        self.init(trustProxy: settings.trustProxy, metricsToken: settings.metricsToken, bodyReadTimeout: settings.bodyReadTimeout)
    }
}

/// What every role's `build…Application` shares: the server, its address, the request middleware, `/healthz`.
public enum RoleApplication {
    /// A router with the request middleware installed (so unknown routes and errors are problem+json too) and the
    /// liveness route every role answers.
    public static func makeRouter(role: Role, store: (any DocumentStore)? = nil, options: EdgeOptions = EdgeOptions()) -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: RequestMiddleware(role: role.rawValue, trustProxy: options.trustProxy, bodyReadTimeout: options.bodyReadTimeout))
        // Requests by route template, method and status, with latency histograms (Hummingbird's middleware, exported
        // by swift-prometheus at /metrics).
        router.add(middleware: MetricsMiddleware())
        // One spelling of every path, and no body on GET/HEAD/DELETE, before anything else looks at the request.
        router.add(middleware: CanonicalPathMiddleware())
        Observability.addRoute(to: router, token: options.metricsToken)
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
            // The idle timeout closes connections that send nothing for that long (slow-loris headers, abandoned
            // keep-alive connections); the body deadline (RequestMiddleware) covers bodies that trickle.
            // Header limits: 16 KiB per field, 32 KiB and 100 fields in all (a bearer token and a few cookies fit many times).
            server: .http1(
                configuration: .init(
                    idleTimeout: .seconds(settings.idleTimeout.components.seconds),
                    httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)
                )
            ),
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
