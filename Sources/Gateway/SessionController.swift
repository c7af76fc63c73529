import AuthInternalAPI
import Foundation
import HTTPClient
import HTTPTypes
import Hummingbird
import JWT
import OpenSSLSupport
import ServiceKit
import WireFormat

/// Sign-in at the gateway, the only token issuer. The gateway speaks the sign-in protocols (passwords, refresh,
/// Google web and mobile) and signs access tokens; the auth role owns the identities and the refresh-token families
/// and answers the gateway's internal calls (made with a one-minute service token) with a grant
/// {user, refreshToken, refreshExpiresIn}, to which the gateway adds the access token.
///
/// - `POST /api/auth/register` {email, password, name} → 201 tokens
/// - `POST /api/auth/login` {email, password} → tokens
/// - `POST /api/auth/refresh` {refreshToken} → tokens (rotated; a reused token revokes its family → 401)
/// - `POST /api/auth/exchange` {code} → tokens, for the one-time code of the Google web flow
/// - `POST /api/auth/google/token` {idToken} → tokens, for mobile apps' Google ID tokens
/// - `POST /api/auth/google/link` {idToken, password} → tokens, linking Google to a password account whose address
///   Google is not authoritative for (the password proves the account is the caller's)
/// - `GET /api/auth/google/start` → 302 to Google; `GET /api/auth/google/callback` → 302 to `CLIENT_URL`
/// - `GET /.well-known/jwks.json` → the public keys (empty with HS256)
struct SessionController {
    let auth: ServiceClient
    let tokens: TokenService
    let google: GoogleClient
    let clientURL: String?
    let publishedKeys: JWKSet

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/auth/register", use: self.register)
        router.post("/api/auth/login", use: self.login)
        router.post("/api/auth/refresh", use: self.refresh)
        router.post("/api/auth/exchange", use: self.exchange)
        router.post("/api/auth/google/token", use: self.googleToken)
        router.post("/api/auth/google/link", use: self.googleLink)
        router.get("/api/auth/google/start", use: self.googleStart)
        router.get("/api/auth/google/callback", use: self.googleCallback)
        router.get("/.well-known/jwks.json") { _, _ in
            try Body.json(self.publishedKeys, headers: [.cacheControl: "public, max-age=300"])
        }
    }

    // MARK: Grants from the auth role

    typealias Grant = AuthInternalAPI.Components.Schemas.SessionGrant

    struct TokenResponse: Encodable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
        var refreshToken: String
        var refreshExpiresIn: Int
        var user: AuthInternalAPI.Components.Schemas.Account
    }

    /// The auth role's internal API, through the client generated from OpenAPI/internal.json, with a one-minute
    /// service token. What the auth role refuses (401, 409, 422, 429, its 503) reaches the client as the same problem
    /// (`UpstreamProblemMiddleware`); anything else it answers is this gateway's 502.
    func authAPI(_ context: AppRequestContext) throws -> AuthInternalAPI.Client {
        AuthInternalAPI.Client(
            serverURL: ServiceClient.placeholderURL, configuration: OpenAPIServing.configuration, transport: self.auth,
            middlewares: [
                UpstreamProblemMiddleware(service: "auth"), ServiceCallMiddleware(bearer: try self.tokens.issueServiceToken(caller: "gateway"), context: context),
            ]
        )
    }

    /// A grant with the access token this gateway signs.
    func tokenResponse(_ grant: Grant, status: HTTPResponse.Status = .ok) throws -> Response {
        let accessToken = try self.tokens.issueAccessToken(userID: grant.user.id, email: grant.user.email, name: grant.user.name)
        return try Body.json(
            TokenResponse(
                accessToken: accessToken, expiresIn: Int(self.tokens.accessTokenLifetime), refreshToken: grant.refreshToken,
                refreshExpiresIn: grant.refreshExpiresIn, user: grant.user
            ),
            status: status
        )
    }

    static let bodyLimit = Body.signInLimit

    struct RegisterInput: Decodable {
        var email: String
        var password: String
        var name: String
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await Body.decode(RegisterInput.self, from: request, limit: Self.bodyLimit)
        let grant = try await self.authAPI(context).createAccount(body: .json(.init(email: input.email, password: input.password, name: input.name))).created.body.json
        return try self.tokenResponse(grant, status: .created)
    }

    struct LoginInput: Decodable {
        var email: String
        var password: String
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await Body.decode(LoginInput.self, from: request, limit: Self.bodyLimit)
        return try self.tokenResponse(try await self.authAPI(context).verifyCredentials(body: .json(.init(email: input.email, password: input.password))).ok.body.json)
    }

    struct RefreshInput: Decodable {
        var refreshToken: String
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await Body.decode(RefreshInput.self, from: request, limit: Self.bodyLimit)
        return try self.tokenResponse(try await self.authAPI(context).rotateRefreshToken(body: .json(.init(refreshToken: input.refreshToken))).ok.body.json)
    }

    typealias GoogleIdentity = AuthInternalAPI.Components.Schemas.GoogleIdentity

    // MARK: The one-time code of the web flow

    /// The code is bound to the browser that signed in: the callback gives that browser a random binding in an
    /// HttpOnly cookie scoped to the exchange endpoint, the auth role stores it (hashed) with the code, and the code is
    /// redeemed only with it. A code that leaks (a referrer, a log, a shoulder) is useless from another browser.
    var bindingCookieName: String { self.secureCookies ? "__Secure-vi_code_binding" : "vi_code_binding" }
    static let exchangePath = "/api/auth/exchange"

    func bindingCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: self.bindingCookieName, value: value, maxAge: maxAge, path: Self.exchangePath, secure: self.secureCookies, httpOnly: true, sameSite: .lax)
    }

    struct ExchangeInput: Decodable {
        var code: String
    }

    /// `POST /api/auth/exchange` {code}, from the browser that holds the code's binding cookie.
    @Sendable func exchange(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await Body.decode(ExchangeInput.self, from: request, limit: 4096)
        guard let binding = request.cookies[self.bindingCookieName]?.value, !binding.isEmpty else {
            throw Problem.unauthorized("The sign-in code must be exchanged by the browser that signed in.")
        }
        let grant = try await self.authAPI(context).redeemCode(body: .json(.init(code: input.code, binding: binding))).ok.body.json
        var tokens = try self.tokenResponse(grant)
        tokens.setCookie(self.bindingCookie("", maxAge: 0))
        return tokens
    }

    // MARK: Google, mobile

    struct GoogleTokenInput: Decodable {
        var idToken: String
    }

    @Sendable func googleToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard self.google.mobileConfigured else { throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600) }
        let input = try await Body.decode(GoogleTokenInput.self, from: request, limit: 16 * 1024)
        let claims: GoogleIDTokenClaims
        do {
            claims = try await self.google.verify(idToken: input.idToken, audiences: self.google.acceptedClientIDs, nonce: nil)
        } catch let error as GoogleError {
            context.logger.info("google id token rejected", metadata: ["reason": .string(error.description)])
            throw Problem(.unauthorized, detail: error.code == "email_not_verified" ? "Google has not verified this email address." : "The Google ID token is invalid.")
        }
        let identity = GoogleIdentity(subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, hostedDomain: claims.hd)
        return try self.tokenResponse(try await self.authAPI(context).signInWithGoogle(body: .json(identity)).ok.body.json)
    }

    struct GoogleLinkInput: Decodable {
        var idToken: String
        var password: String
    }

    /// Links a Google identity to the password account with the same address, proven by that account's password.
    @Sendable func googleLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard self.google.mobileConfigured else { throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600) }
        let input = try await Body.decode(GoogleLinkInput.self, from: request, limit: Self.bodyLimit)
        let claims: GoogleIDTokenClaims
        do {
            claims = try await self.google.verify(idToken: input.idToken, audiences: self.google.acceptedClientIDs, nonce: nil)
        } catch let error as GoogleError {
            context.logger.info("google id token rejected", metadata: ["reason": .string(error.description)])
            throw Problem(.unauthorized, detail: "The Google ID token is invalid.")
        }
        let identity = GoogleIdentity(
            subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, hostedDomain: claims.hd, password: input.password
        )
        return try self.tokenResponse(try await self.authAPI(context).signInWithGoogle(body: .json(identity)).ok.body.json)
    }

    // MARK: Google, web

    /// The browser-bound state lives in a cookie, signed by the gateway: nothing is stored server-side.
    var stateCookieName: String { self.secureCookies ? "__Host-vi_google_state" : "vi_google_state" }
    var secureCookies: Bool { self.google.redirectURI?.lowercased().hasPrefix("https://") ?? false }

    func stateCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(name: self.stateCookieName, value: value, maxAge: maxAge, path: "/", secure: self.secureCookies, httpOnly: true, sameSite: .lax)
    }

    @Sendable func googleStart(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard self.google.webConfigured, self.clientURL != nil else { throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600) }
        let state = Base64URL.encode(OpenSSL.randomBytes(32))
        let nonce = Base64URL.encode(OpenSSL.randomBytes(32))
        let verifier = Base64URL.encode(OpenSSL.randomBytes(32))
        let challenge = Base64URL.encode(OpenSSL.sha256(Array(verifier.utf8)))
        let signed = try self.tokens.issueOAuthState(state: state, nonce: nonce, verifier: verifier)
        var response = Response(status: .found, headers: [.location: self.google.authorizationURL(state: state, nonce: nonce, codeChallenge: challenge), .cacheControl: "no-store"])
        response.setCookie(self.stateCookie(signed, maxAge: 600))
        return response
    }

    @Sendable func googleCallback(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard self.google.webConfigured, let clientURL = self.clientURL else { throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600) }
        func redirect(_ query: String) -> Response {
            var response = Response(status: .found, headers: [.location: "\(clientURL)/auth/callback?\(query)", .cacheControl: "no-store", .referrerPolicy: "no-referrer"])
            response.setCookie(self.stateCookie("", maxAge: 0))
            return response
        }
        func fail(_ code: String, _ reason: String) -> Response {
            context.logger.info("google sign-in failed", metadata: ["error": .string(code), "reason": .string(reason)])
            return redirect("error=\(code)")
        }
        let query = request.uri.queryParameters
        if let error = query["error"] {
            return fail(error == "access_denied" ? "access_denied" : "google_error", "Google answered \(error)")
        }
        guard let code = query["code"].map(String.init), let state = query["state"].map(String.init), !code.isEmpty else {
            return fail("invalid_request", "missing code or state")
        }
        guard let cookie = request.cookies[self.stateCookieName]?.value, !cookie.isEmpty,
            let bound = try? await self.tokens.verifyOAuthState(cookie),
            OpenSSL.constantTimeEquals(Array(bound.state.utf8), Array(state.utf8))
        else { return fail("invalid_state", "state does not match the browser's signed state") }
        do {
            let idToken = try await self.google.exchange(code: code, verifier: bound.verifier)
            let claims = try await self.google.verify(idToken: idToken, audiences: Set([self.google.webClientID].compactMap { $0 }), nonce: bound.nonce)
            let binding = Base64URL.encode(OpenSSL.randomBytes(32))
            let identity = GoogleIdentity(
                subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, hostedDomain: claims.hd, binding: binding
            )
            let grant: AuthInternalAPI.Components.Schemas.CodeGrant
            do { grant = try await self.authAPI(context).issueGoogleCode(body: .json(identity)).ok.body.json } catch {
                let status = Problem.from(error).problem.status
                return fail(status == .conflict ? "account_conflict" : "sign_in_failed", "auth role answered \(status.code)")
            }
            var landing = redirect("code=\(GoogleClient.formEncode(grant.code))")
            landing.setCookie(self.bindingCookie(binding, maxAge: Int(60)))
            return landing
        } catch let error as GoogleError {
            return fail(error.code, error.description)
        } catch {
            return fail("server_error", "\(error)")
        }
    }
}
