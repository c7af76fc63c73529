import Hummingbird
import JWT
import WireFormat

/// Verifies the bearer access token on every request it guards and puts the user in the context.
/// Every role runs this itself: no role trusts another to have checked, and the user comes only from `sub`.
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let tokens: TokenService

    public init(tokens: TokenService) { self.tokens = tokens }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.bearerToken(request) else { throw Problem.unauthorized() }
        let claims: AccessTokenClaims
        do {
            claims = try await self.tokens.verifyAccessToken(token)
        } catch let error as JWTError where error.code == .keySetUnavailable {
            throw Problem.unavailable("The signing keys could not be fetched; try again shortly.")
        } catch {
            context.logger.debug("token rejected", metadata: ["reason": .string("\(error)")])
            throw Problem(.unauthorized, detail: "The bearer token is invalid or expired.", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        var context = context
        // `sub` is present and non-empty: the verification rules require it.
        context.user = AuthenticatedUser(id: claims.sub ?? "", email: claims.email, name: claims.name, token: token)
        return try await next(request, context)
    }

    /// `Authorization: Bearer <token>`, read by `HeaderValues.bearerToken` (the gateway's limiter reads it the same way).
    /// Several Authorization fields are ambiguous and are no credentials at all.
    public static func bearerToken(_ request: Request) -> String? {
        let values = request.headers[values: .authorization]
        guard values.count == 1, let header = values.first else { return nil }
        return HeaderValues.bearerToken(header)
    }
}

/// Guards the auth role's internal endpoints: only a service token (from the gateway) opens them.
public struct ServiceAuthMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let tokens: TokenService

    public init(tokens: TokenService) { self.tokens = tokens }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = BearerAuthMiddleware.bearerToken(request), (try? await self.tokens.verifyServiceToken(token)) != nil else {
            throw Problem.unauthorized("This endpoint is for the gateway only.")
        }
        return try await next(request, context)
    }
}
