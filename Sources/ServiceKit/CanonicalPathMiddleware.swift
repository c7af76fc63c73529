import Hummingbird
import WireFormat

/// Refuses every spelling of a path but the canonical one (`RequestPath`), before limits or routing see it: the raw
/// request target is checked, not the router's normalised view of it, so what is limited, logged and forwarded is
/// exactly the route that answers.
public struct CanonicalPathMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let target = request.head.path ?? ""
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard RequestPath.isCanonical(path), path == request.uri.path else {
            throw Problem(
                .badRequest, title: "Non-canonical path",
                detail: "The path must be in canonical form: no empty segments, trailing slash, dot segments or needless percent-encoding."
            )
        }
        // GET, HEAD, DELETE and OPTIONS carry no body in this API; one that does is refused here, never forwarded as
        // something else.
        if request.method == .get || request.method == .head || request.method == .delete || request.method == .options {
            let declared = HeaderValues.declaredLength(request.headers[values: .contentLength])
            if request.headers[.transferEncoding] != nil || (declared != .absent && declared != .length(0)) {
                throw Problem(.badRequest, detail: "A \(request.method.rawValue) request may not have a body.", headers: [.connection: "close"])
            }
        }
        return try await next(request, context)
    }
}
