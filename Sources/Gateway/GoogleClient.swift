import Foundation
import HTTPClient
import JWT
import OpenSSLSupport
import ServiceKit

/// Google as an OpenID Connect provider, behind one small type: the authorization URL, the code exchange (through
/// libcurl) and ID-token verification against Google's JWK Set (fetched through libcurl, cached by `JWTVerifier`).
/// Every endpoint comes from settings, so tests run against a peer on 127.0.0.1.
struct GoogleClient: Sendable {
    let webClientID: String?
    let clientSecret: String?
    let redirectURI: String?
    let acceptedClientIDs: Set<String>
    let authorizationEndpoint: String
    let tokenEndpoint: String
    let http: CurlHTTPClient
    let verifier: JWTVerifier

    init(settings: Settings, http: CurlHTTPClient) {
        self.webClientID = settings.googleClientID
        self.clientSecret = settings.googleClientSecret
        self.redirectURI = settings.googleRedirectURI
        self.acceptedClientIDs = settings.acceptedGoogleClientIDs
        self.authorizationEndpoint = settings.googleAuthURL
        self.tokenEndpoint = settings.googleTokenURL
        self.http = http
        self.verifier = JWTVerifier(keys: JWTKeyCollection(), remote: JWKSFetcher(url: settings.googleJWKSURL, http: http).fetch)
    }

    var webConfigured: Bool { self.webClientID != nil && self.clientSecret != nil && self.redirectURI != nil }
    var mobileConfigured: Bool { !self.acceptedClientIDs.isEmpty }

    /// The code flow with PKCE (S256), `state` and `nonce`, scopes `openid email profile`.
    func authorizationURL(state: String, nonce: String, codeChallenge: String) -> String {
        var components = URLComponents(string: self.authorizationEndpoint)!
        components.queryItems =
            (components.queryItems ?? []) + [
                URLQueryItem(name: "client_id", value: self.webClientID),
                URLQueryItem(name: "redirect_uri", value: self.redirectURI),
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "scope", value: "openid email profile"),
                URLQueryItem(name: "state", value: state),
                URLQueryItem(name: "nonce", value: nonce),
                URLQueryItem(name: "code_challenge", value: codeChallenge),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
                URLQueryItem(name: "prompt", value: "select_account"),
            ]
        return components.string!
    }

    struct TokenResponse: Decodable {
        var idToken: String
        enum CodingKeys: String, CodingKey { case idToken = "id_token" }
    }

    /// Exchanges an authorization code for tokens at the token endpoint; returns the ID token.
    func exchange(code: String, verifier: String) async throws -> String {
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", self.redirectURI ?? ""), ("client_id", self.webClientID ?? ""),
            ("client_secret", self.clientSecret ?? ""), ("code_verifier", verifier),
        ]
        .map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let response = try await self.http.execute(
            CurlRequest(
                method: "POST", url: self.tokenEndpoint, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                body: Array(form.utf8), timeout: .seconds(10)
            )
        )
        guard response.status == 200 else { throw GoogleError.exchangeFailed("token endpoint answered \(response.status)") }
        do { return try JSONDecoder().decode(TokenResponse.self, from: Data(response.body)).idToken } catch {
            throw GoogleError.exchangeFailed("token endpoint sent no id_token")
        }
    }

    /// Verifies an ID token: RS256 signature against Google's keys, `iss`, `aud` (one of `audiences`), `exp`, then
    /// `nonce` when one is expected, and a verified email.
    func verify(idToken: String, audiences: Set<String>, nonce: String?) async throws -> GoogleIDTokenClaims {
        let claims: GoogleIDTokenClaims
        do {
            claims = try await self.verifier.verify(idToken, as: GoogleIDTokenClaims.self, rules: .googleIDToken(clientIDs: audiences))
        } catch let error as JWTError {
            throw GoogleError.invalidIDToken(error.description)
        }
        if let nonce {
            guard let said = claims.nonce, OpenSSL.constantTimeEquals(Array(said.utf8), Array(nonce.utf8)) else {
                throw GoogleError.invalidIDToken("nonce mismatch")
            }
        }
        guard claims.emailVerified == true, claims.email != nil else { throw GoogleError.emailNotVerified }
        return claims
    }

    /// application/x-www-form-urlencoded value encoding (RFC 3986 unreserved characters kept).
    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

enum GoogleError: Error, CustomStringConvertible {
    case exchangeFailed(String)
    case invalidIDToken(String)
    case emailNotVerified

    var description: String {
        switch self {
        case .exchangeFailed(let reason): "code exchange failed: \(reason)"
        case .invalidIDToken(let reason): "ID token rejected: \(reason)"
        case .emailNotVerified: "Google has not verified the email address"
        }
    }

    /// The error code the SPA receives in the redirect.
    var code: String {
        switch self {
        case .exchangeFailed: "token_exchange_failed"
        case .invalidIDToken: "invalid_id_token"
        case .emailNotVerified: "email_not_verified"
        }
    }
}
