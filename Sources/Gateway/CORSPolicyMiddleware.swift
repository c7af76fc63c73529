import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// CORS for the SPAs' origins (`CLIENT_URL`, comma-separated): the request's origin is echoed when it is one of them
/// (with `Vary: Origin`, so caches keep one answer per origin); any other origin gets no CORS headers at all, and the
/// browser refuses the response. Preflights are answered here, before rate limits and tokens.
///
/// Hand-written: Hummingbird's `CORSMiddleware` takes its allowed origins as a variadic argument (`.oneOf("a", "b")`),
/// which a list read from the environment cannot be passed to, and it answers preflights from any origin with the
/// allowed methods and headers.
///
/// Credentials are allowed for the listed origins only: the Google web flow's code exchange must carry its HttpOnly
/// binding cookie (`credentials: "include"`), and the API's other routes use bearer tokens, which a browser never
/// attaches on its own, so allowing credentials exposes nothing else.
struct CORSPolicyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let origins: Set<String>

    static let methods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowedHeaders = "Authorization, Content-Type, Accept, Idempotency-Key, If-Match, If-None-Match, X-Request-Id, traceparent, tracestate"
    static let exposedHeaders = "ETag, Location, Content-Disposition, Retry-After, RateLimit, RateLimit-Policy, X-Request-Id, Idempotent-Replayed"
    static let maxAge = "600"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = self.origins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            // A preflight: answered whether or not the origin is allowed (without CORS headers it fails in the browser).
            var response = Response(status: .noContent)
            response.headers[.vary] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            if allowed {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.accessControlAllowMethods] = Self.methods
                response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
                response.headers[.accessControlMaxAge] = Self.maxAge
                response.headers[.accessControlAllowCredentials] = "true"
            }
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // A refusal (429, 401, …) must carry CORS headers too, or the SPA cannot read why; internal errors go on to
            // the request middleware, which logs them.
            let (problem, isInternal) = Problem.from(error)
            if isInternal { throw error }
            response = problem.response(path: request.uri.path, requestID: context.requestID)
        }
        Self.vary(&response.headers)
        if allowed {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
            response.headers[.accessControlAllowCredentials] = "true"
        }
        return response
    }

    static func vary(_ headers: inout HTTPFields) {
        if let vary = headers[.vary], !vary.lowercased().contains("origin") {
            headers[.vary] = vary + ", Origin"
        } else if headers[.vary] == nil {
            headers[.vary] = "Origin"
        }
    }
}
