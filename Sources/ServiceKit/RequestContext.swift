import Hummingbird
import Logging
import NIOCore
import W3CTraceContext

/// The signed-in user, taken only from a verified access token's claims.
public struct AuthenticatedUser: Sendable, Equatable {
    public var id: String
    public var email: String?
    public var name: String?
    /// The bearer token as received, so a role can forward it when it calls another role for this user.
    public var token: String

    public init(id: String, email: String?, name: String?, token: String) {
        self.id = id
        self.email = email
        self.name = name
        self.token = token
    }
}

/// Every role's request context: the request id, the remote address, and the user once a token was verified.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var user: AuthenticatedUser?
    public let remoteAddress: SocketAddress?
    /// The client's address as `TrustProxy` decides it (set by `RequestMiddleware`): for logs and rate limits.
    public var clientAddress: String = "unknown"
    /// Whether the client reached the edge over HTTPS (believed only from trusted proxies).
    public var isHTTPS: Bool = false
    /// This hop of the caller's trace (W3C trace context), set by `RequestMiddleware`.
    public var trace: TraceContext?

    /// The `traceparent` to send to another service for this request: same trace, this hop as the parent.
    public var outgoingTraceParent: String? { self.trace?.traceParentHeaderValue }

    /// The connection, so that a refused request can end it (`RequestMiddleware` closes it after a 413 or a framing
    /// error instead of letting the server drain a body it refused).
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The verified user, or a 401. Handlers behind `BearerAuthMiddleware` always have one.
    public func requireUser() throws -> AuthenticatedUser {
        guard let user = self.user else { throw Problem.unauthorized() }
        return user
    }
}
