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
        router.post("/api/auth/register") { request, context in
            try await self.forwardJSON(request, context: context, to: "/internal/accounts", successStatus: .created)
        }
        router.post("/api/auth/login") { request, context in try await self.forwardJSON(request, context: context, to: "/internal/credentials/verify") }
        router.post("/api/auth/refresh") { request, context in try await self.forwardJSON(request, context: context, to: "/internal/refresh") }
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

    struct Grant: Codable {
        struct User: Codable {
            var id: String
            var email: String
            var name: String
            var hasPassword: Bool?
            var google: Bool?
            var createdAt: String
        }
        var user: User
        var refreshToken: String
        var refreshExpiresIn: Int
    }

    struct TokenResponse: Encodable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
        var refreshToken: String
        var refreshExpiresIn: Int
        var user: Grant.User
    }

    /// Calls an internal endpoint of the auth role with a service token.
    func callAuth(_ path: String, body: [UInt8], context: AppRequestContext) async throws -> CurlResponse {
        let serviceToken = try self.tokens.issueServiceToken(caller: "gateway")
        return try await self.auth.send("POST", path, bearer: serviceToken, requestID: context.requestID, traceParent: context.outgoingTraceParent, body: body)
    }

    func tokenResponse(from response: CurlResponse, status: HTTPResponse.Status) throws -> Response {
        let grant = try ServiceClient.decode(Grant.self, from: response)
        let accessToken = try self.tokens.issueAccessToken(userID: grant.user.id, email: grant.user.email, name: grant.user.name)
        return try Body.json(
            TokenResponse(
                accessToken: accessToken, expiresIn: Int(self.tokens.accessTokenLifetime), refreshToken: grant.refreshToken,
                refreshExpiresIn: grant.refreshExpiresIn, user: grant.user
            ),
            status: status
        )
    }

    /// The auth role's problem documents (401, 409, 422, …) are already what the client should see; anything else
    /// from it is the gateway's 502.
    func passThroughProblem(_ response: CurlResponse, context: AppRequestContext) throws -> Response {
        // 503 (the auth role's database is away) passes through too, with its Retry-After.
        guard (400..<500).contains(response.status) && response.status != 404 || response.status == 503 else {
            context.logger.error("auth role failed", metadata: ["status": .stringConvertible(response.status)])
            throw Problem(.badGateway, detail: "The auth service failed.")
        }
        var headers: HTTPFields = [.contentType: response.header("Content-Type") ?? "application/problem+json", .cacheControl: "no-store"]
        if let retryAfter = response.header("Retry-After") { headers[.retryAfter] = retryAfter }
        return Response(status: HTTPResponse.Status(code: response.status), headers: headers, body: .init(byteBuffer: response.buffer))
    }

    static let bodyLimit = Body.signInLimit

    func forwardJSON(_ request: Request, context: AppRequestContext, to path: String, successStatus: HTTPResponse.Status = .ok) async throws -> Response {
        guard let contentType = request.headers[.contentType], HeaderValues.isJSON(contentType) else {
            throw Problem(.unsupportedMediaType, detail: "Send the body as application/json.")
        }
        let body = try await Body.collect(request, limit: Self.bodyLimit)
        let response = try await self.callAuth(path, body: Array(buffer: body), context: context)
        guard response.status == successStatus.code else { return try self.passThroughProblem(response, context: context) }
        return try self.tokenResponse(from: response, status: successStatus)
    }

    struct GoogleIdentity: Encodable {
        var subject: String
        var email: String
        var emailVerified: Bool
        var name: String?
        var issue: String
        var hostedDomain: String?
        var password: String?
        var binding: String?
    }

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
        struct Redeem: Encodable { var code: String; var binding: String }
        let response = try await self.callAuth("/internal/codes/redeem", body: Array(try JSONEncoder().encode(Redeem(code: input.code, binding: binding))), context: context)
        guard response.status == 200 else { return try self.passThroughProblem(response, context: context) }
        var tokens = try self.tokenResponse(from: response, status: .ok)
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
        let identity = GoogleIdentity(subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, issue: "session", hostedDomain: claims.hd)
        let response = try await self.callAuth("/internal/google", body: Array(try JSONEncoder().encode(identity)), context: context)
        guard response.status == 200 else { return try self.passThroughProblem(response, context: context) }
        return try self.tokenResponse(from: response, status: .ok)
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
            subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, issue: "session", hostedDomain: claims.hd,
            password: input.password
        )
        let response = try await self.callAuth("/internal/google", body: Array(try JSONEncoder().encode(identity)), context: context)
        guard response.status == 200 else { return try self.passThroughProblem(response, context: context) }
        return try self.tokenResponse(from: response, status: .ok)
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
                subject: claims.sub ?? "", email: claims.email ?? "", emailVerified: true, name: claims.name, issue: "code", hostedDomain: claims.hd, binding: binding
            )
            let response = try await self.callAuth("/internal/google", body: Array(try JSONEncoder().encode(identity)), context: context)
            guard response.status == 200 else {
                return fail(response.status == 409 ? "account_conflict" : "sign_in_failed", "auth role answered \(response.status)")
            }
            struct CodeGrant: Decodable { var code: String }
            let grant = try ServiceClient.decode(CodeGrant.self, from: response)
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
