import Foundation
import JWT
import OpenSSLSupport

/// The token rules of the product, shared by the issuer (gateway) and every verifier.
///
/// Two kinds of token, with separate rules so one can never pass as the other:
/// - access tokens (`typ: at+jwt`, audience `JWT_AUDIENCE`) carry a user to every role;
/// - service tokens (`typ: svc+jwt`, audience `voice-invoice-internal`) let the gateway call the auth role's
///   internal credential endpoints, which no user token opens.
public struct TokenService: Sendable {
    public static let accessType = "at+jwt"
    public static let serviceType = "svc+jwt"
    public static let internalAudience = "voice-invoice-internal"

    public let keys: JWTKeyCollection
    public let issuer: String
    public let audience: String
    public let accessTokenLifetime: TimeInterval
    public let now: @Sendable () -> Date

    public init(keys: JWTKeyCollection, issuer: String, audience: String, accessTokenLifetime: TimeInterval, now: @escaping @Sendable () -> Date = { Date() }) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.accessTokenLifetime = accessTokenLifetime
        self.now = now
    }

    /// An HS256 service from the shared secret.
    public init(secret: [UInt8], issuer: String, audience: String, accessTokenLifetime: TimeInterval, now: @escaping @Sendable () -> Date = { Date() }) throws {
        var keys = JWTKeyCollection()
        // The kid is derived from the secret so that a verifier with another secret fails on the kid, early and clearly.
        let kid = "hs-" + Base64URL.encode(OpenSSL.sha256(secret).prefix(6))
        keys.add(try HS256(secret: secret), kid: kid)
        self.init(keys: keys, issuer: issuer, audience: audience, accessTokenLifetime: accessTokenLifetime, now: now)
    }

    public func issueAccessToken(userID: String, email: String?, name: String?) throws -> String {
        let claims = AccessTokenClaims(
            issuer: self.issuer, subject: userID, audience: self.audience, issuedAt: self.now(), lifetime: self.accessTokenLifetime,
            id: Base64URL.encode(OpenSSL.randomBytes(16)), email: email, name: name
        )
        return try self.keys.sign(claims, type: Self.accessType)
    }

    public func verifyAccessToken(_ token: String) throws -> AccessTokenClaims {
        try self.keys.verify(token, as: AccessTokenClaims.self, rules: VerificationRules(type: Self.accessType, issuer: self.issuer, audience: self.audience, now: self.now))
    }

    /// A one-minute token naming the calling service in `sub`.
    public func issueServiceToken(caller: String) throws -> String {
        let claims = AccessTokenClaims(
            issuer: self.issuer, subject: caller, audience: Self.internalAudience, issuedAt: self.now(), lifetime: 60,
            id: Base64URL.encode(OpenSSL.randomBytes(16))
        )
        return try self.keys.sign(claims, type: Self.serviceType)
    }

    public func verifyServiceToken(_ token: String) throws -> AccessTokenClaims {
        try self.keys.verify(token, as: AccessTokenClaims.self, rules: VerificationRules(type: Self.serviceType, issuer: self.issuer, audience: Self.internalAudience, now: self.now))
    }
}
