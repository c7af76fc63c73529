import Hummingbird

/// Puts the Hummingbird request context where the generated handlers can read it (`OpenAPIServing.current()`).
public struct ContextMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    public init() {}
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await OpenAPIServing.$context.withValue(context) { try await next(request, context) }
    }
}
