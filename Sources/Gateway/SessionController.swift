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
/// `GatewayAPI` answers the JSON sign-in operations (register, login, refresh, Google token and link) by calling the
/// functions here; these routes are its own, because they read or set cookies:
/// - `POST /api/auth/exchange` {code} → tokens, for the one-time code of the Google web flow (the binding cookie)
/// - `GET /api/auth/google/start` → 302 to Google; `GET /api/auth/google/callback` → 302 to `CLIENT_URL`
struct SessionController {
    let auth: ServiceClient
    let tokens: TokenService
    let google: GoogleClient
    let clientURL: String?
    let publishedKeys: JWKSet

    func addRoutes(to router: Router<AppRequestContext>) {
        // Cookies in and out: hand-written routes (the rest of sign-in is GatewayAPI's, generated).
        router.post("/api/auth/exchange", use: self.exchange)
        router.get("/api/auth/google/start", use: self.googleStart)
        router.get("/api/auth/google/callback", use: self.googleCallback)
    }

    // MARK: Grants from the auth role

    typealias Grant = AuthInternalAPI.Components.Schemas.SessionGrant

    /// The auth role's internal API, through the client generated from OpenAPI/internal.json, with a one-minute
    /// service token. What the auth role refuses (401, 409, 422, 429, its 503) reaches the client as the same problem
    /// (`UpstreamProblemMiddleware`); anything else it answers is this gateway's 502.
    func authAPI(_ context: AppRequestContext) throws -> AuthInternalAPI.Client {
        AuthInternalAPI.Client(
            serverURL: ServiceClient.placeholderURL, configuration: OpenAPIServing.configuration, transport: self.auth,
            middlewares: [
                UpstreamProblemMiddleware(service: "auth"),
                ServiceCallMiddleware(bearer: try self.tokens.issueServiceToken(caller: "gateway"), context: context),
            ]
        )
    }

    /// A grant with the access token this gateway signs.
    func tokenResponse(_ grant: Grant) throws -> TokenResponse {
        let accessToken = try self.tokens.issueAccessToken(userID: grant.user.id, email: grant.user.email, name: grant.user.name)
        return TokenResponse(
            accessToken: accessToken, expiresIn: Int(self.tokens.accessTokenLifetime), refreshToken: grant.refreshToken,
            refreshExpiresIn: grant.refreshExpiresIn,
            user: grant.user
        )
    }

    static let bodyLimit = Body.signInLimit

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
        var tokens = try Body.json(try self.tokenResponse(grant))
        tokens.setCookie(self.bindingCookie("", maxAge: 0))
        return tokens
    }

    // MARK: Google, mobile

    /// `POST /api/auth/google/token` {idToken}: a native app's Google ID token → tokens.
    func googleToken(idToken: String, context: AppRequestContext) async throws -> TokenResponse {
        guard self.google.mobileConfigured else { throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600) }
        let claims: GoogleIDTokenClaims
        do {
            claims = try await self.google.verify(idToken: idToken, audiences: self.google.acceptedClientIDs, nonce: nil)
        } catch let error as GoogleError {
            context.logger.info("google id token rejected", metadata: ["reason": .string(error.description)])
            throw Problem(
                .unauthorized, detail: error.code == "email_not_verified" ? "Google has not verified this email address." : "The Google ID token is invalid.")
        }
        let identity = GoogleIdentity(subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, hostedDomain: claims.hd)
        return try self.tokenResponse(try await self.authAPI(context).signInWithGoogle(body: .json(identity)).ok.body.json)
    }

    /// Links a Google identity to the password account with the same address, proven by that account's password.
    func googleLink(idToken: String, password: String, context: AppRequestContext) async throws -> TokenResponse {
        guard self.google.mobileConfigured else { throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600) }
        let claims: GoogleIDTokenClaims
        do {
            claims = try await self.google.verify(idToken: idToken, audiences: self.google.acceptedClientIDs, nonce: nil)
        } catch let error as GoogleError {
            context.logger.info("google id token rejected", metadata: ["reason": .string(error.description)])
            throw Problem(.unauthorized, detail: "The Google ID token is invalid.")
        }
        let identity = GoogleIdentity(
            subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, hostedDomain: claims.hd, password: password
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
        guard self.google.webConfigured, self.clientURL != nil else {
            throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600)
        }
        let state = Base64URL.encode(OpenSSL.randomBytes(32))
        let nonce = Base64URL.encode(OpenSSL.randomBytes(32))
        let verifier = Base64URL.encode(OpenSSL.randomBytes(32))
        let challenge = Base64URL.encode(OpenSSL.sha256(Array(verifier.utf8)))
        let signed = try self.tokens.issueOAuthState(state: state, nonce: nonce, verifier: verifier)
        var response = Response(
            status: .found, headers: [.location: self.google.authorizationURL(state: state, nonce: nonce, codeChallenge: challenge), .cacheControl: "no-store"])
        response.setCookie(self.stateCookie(signed, maxAge: 600))
        return response
    }

    @Sendable func googleCallback(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard self.google.webConfigured, let clientURL = self.clientURL else {
            throw Problem.unavailable("Google sign-in is not configured on this server.", retryAfter: 3600)
        }
        func redirect(_ query: String) -> Response {
            var response = Response(
                status: .found, headers: [.location: "\(clientURL)/auth/callback?\(query)", .cacheControl: "no-store", .referrerPolicy: "no-referrer"])
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

/// Tokens as the sign-in operations answer them (the document's `Tokens`).
struct TokenResponse: Codable, Hashable, Sendable {
    var accessToken: String
    var tokenType = "Bearer"
    var expiresIn: Int
    var refreshToken: String
    var refreshExpiresIn: Int
    var user: AuthInternalAPI.Components.Schemas.Account
}
