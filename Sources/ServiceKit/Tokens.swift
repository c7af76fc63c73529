import Foundation
import HTTPClient
import JWT
import OpenSSLSupport
import WireFormat

/// The token rules of the product, shared by the issuer (the gateway) and every verifier.
///
/// Each kind of token has its own `typ` and audience, so one can never pass as another:
/// - access tokens (`typ: at+jwt`, audience `JWT_AUDIENCE`) carry a user to every role;
/// - service tokens (`typ: svc+jwt`, audience `voice-invoice-auth`, one minute) let the gateway call the auth role's
///   internal endpoints, which accept nothing else. They are signed with `AUTH_SERVICE_KEY`, which only the gateway and
///   the auth role hold: a compromised user or invoice role (which holds `JWT_SECRET` with HS256) cannot mint one;
/// - Google sign-in state (`typ: oauth-state+jwt`, audience `voice-invoice-google-state`, ten minutes) binds a web
///   sign-in to the browser that started it.
/// Refresh tokens and one-time codes are not JWTs at all: they are opaque random values stored hashed by the auth role.
public struct TokenService: Sendable {
    public static let accessType = "at+jwt"
    public static let serviceType = "svc+jwt"
    public static let stateType = "oauth-state+jwt"
    public static let authAudience = "voice-invoice-auth"
    public static let stateAudience = "voice-invoice-google-state"

    /// Only the gateway has signing keys.
    public let signer: JWTKeyCollection?
    /// The service-token key (`AUTH_SERVICE_KEY`): the gateway signs with it, the auth role verifies with it; nil on
    /// the user and invoice roles.
    public let serviceKeys: JWTKeyCollection?
    public let verifier: JWTVerifier
    public let issuer: String
    public let audience: String
    public let accessTokenLifetime: TimeInterval
    public let refreshTokenLifetime: TimeInterval
    public let now: @Sendable () -> Date

    public init(
        signer: JWTKeyCollection?, verifier: JWTVerifier, issuer: String, audience: String, accessTokenLifetime: TimeInterval,
        refreshTokenLifetime: TimeInterval = 30 * 86_400, serviceKeys: JWTKeyCollection? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.signer = signer
        self.serviceKeys = serviceKeys
        self.verifier = verifier
        self.issuer = issuer
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.now = now
    }

    /// An HS256 service that both signs and verifies (tests and tools).
    public init(
        secret: [UInt8], issuer: String, audience: String, accessTokenLifetime: TimeInterval, serviceKey: [UInt8]? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        var keys = JWTKeyCollection()
        keys.add(try HS256(secret: secret), kid: KeySetup.hsKid(secret))
        self.init(
            signer: keys, verifier: JWTVerifier(keys: keys), issuer: issuer, audience: audience, accessTokenLifetime: accessTokenLifetime,
            serviceKeys: try serviceKey.map(Self.serviceKeys), now: now
        )
    }

    /// The one HS256 key of service tokens.
    public static func serviceKeys(_ secret: [UInt8]) throws -> JWTKeyCollection {
        var keys = JWTKeyCollection()
        keys.add(try HS256(secret: secret), kid: "svc-" + KeySetup.hsKid(secret))
        return keys
    }

    private func sign(_ claims: some Encodable, type: String) throws -> String {
        guard let signer = self.signer else { throw JWTError.invalidKey("this role does not sign tokens; only the gateway does") }
        return try signer.sign(claims, type: type)
    }

    private func rules(_ type: String, audience: String) -> VerificationRules {
        VerificationRules(type: .exactly(type), issuers: [self.issuer], audiences: [audience], now: self.now)
    }

    private static func tokenID() -> String { Base64URL.encode(OpenSSL.randomBytes(16)) }

    public func issueAccessToken(userID: String, email: String?, name: String?) throws -> String {
        try self.sign(
            AccessTokenClaims(
                issuer: self.issuer, subject: userID, audience: self.audience, issuedAt: self.now(), lifetime: self.accessTokenLifetime,
                id: Self.tokenID(), email: email, name: name
            ),
            type: Self.accessType
        )
    }

    public func verifyAccessToken(_ token: String) async throws -> AccessTokenClaims {
        try await self.verifier.verify(token, as: AccessTokenClaims.self, rules: self.rules(Self.accessType, audience: self.audience))
    }

    /// A one-minute token naming the calling service in `sub`, for the auth role only.
    public func issueServiceToken(caller: String) throws -> String {
        guard let keys = self.serviceKeys else { throw JWTError.invalidKey("this role holds no AUTH_SERVICE_KEY") }
        return try keys.sign(
            AccessTokenClaims(issuer: self.issuer, subject: caller, audience: Self.authAudience, issuedAt: self.now(), lifetime: 60, id: Self.tokenID()),
            type: Self.serviceType
        )
    }

    /// Only the service key verifies a service token (never the access-token keys, which more roles hold).
    public func verifyServiceToken(_ token: String) async throws -> AccessTokenClaims {
        guard let keys = self.serviceKeys else { throw JWTError.invalidKey("this role holds no AUTH_SERVICE_KEY") }
        return try await JWTVerifier(keys: keys).verify(token, as: AccessTokenClaims.self, rules: self.rules(Self.serviceType, audience: Self.authAudience))
    }

    public func issueOAuthState(state: String, nonce: String, verifier: String, lifetime: TimeInterval = 600) throws -> String {
        try self.sign(
            OAuthStateClaims(
                issuer: self.issuer, audience: Self.stateAudience, issuedAt: self.now(), lifetime: lifetime, state: state, nonce: nonce, verifier: verifier
            ),
            type: Self.stateType
        )
    }

    public func verifyOAuthState(_ token: String) async throws -> OAuthStateClaims {
        try await self.verifier.verify(token, as: OAuthStateClaims.self, rules: self.rules(Self.stateType, audience: Self.stateAudience))
    }
}

extension Settings {
    /// The token service of `role`: the gateway signs; every role verifies, fetching `JWKS_URL` through `http` if set.
    public func tokenService(for role: Role, http: CurlHTTPClient, now: @escaping @Sendable () -> Date = { Date() }) throws -> TokenService {
        self.tokenService(keys: try KeySetup(settings: self, role: role), http: http, now: now)
    }

    /// The same, from keys already read (the gateway also publishes them).
    public func tokenService(keys: KeySetup, http: CurlHTTPClient, now: @escaping @Sendable () -> Date = { Date() }) -> TokenService {
        TokenService(
            signer: keys.signingKeys, verifier: keys.verifier(http: http), issuer: self.jwtIssuer, audience: self.jwtAudience,
            accessTokenLifetime: self.accessTokenTTL, refreshTokenLifetime: self.refreshTokenTTL,
            serviceKeys: self.authServiceKey.flatMap { try? TokenService.serviceKeys($0) }, now: now
        )
    }
}
