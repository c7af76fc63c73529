import Foundation
import OpenSSLSupport
import WireFormat

/// A public JSON Web Key (RFC 7517): RSA (`n`, `e`) or EC P-256 (`crv`, `x`, `y`).
public struct JWK: Codable, Sendable, Hashable {
    public var kty: String
    public var use: String?
    public var alg: String?
    public var kid: String?
    public var n: String?
    public var e: String?
    public var crv: String?
    public var x: String?
    public var y: String?

    public init(
        kty: String, use: String? = "sig", alg: String?, kid: String? = nil, n: String? = nil, e: String? = nil, crv: String? = nil, x: String? = nil,
        y: String? = nil
    ) {
        self.kty = kty
        self.use = use
        self.alg = alg
        self.kid = kid
        self.n = n
        self.e = e
        self.crv = crv
        self.x = x
        self.y = y
    }

    /// RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, base64url. Used as our `kid`,
    /// so a key's id follows from the key itself and never collides across rotations.
    public var thumbprint: String? {
        let canonical: String
        switch self.kty {
        case "RSA":
            guard let e = self.e, let n = self.n else { return nil }
            canonical = #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
        case "EC":
            guard let crv = self.crv, let x = self.x, let y = self.y else { return nil }
            canonical = #"{"crv":"\#(crv)","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        default:
            return nil
        }
        return Base64URL.encode(OpenSSL.sha256(Array(canonical.utf8)))
    }

    /// The verifying algorithm for this key, or nil for keys we do not use (other types, curves, `use: enc`).
    public func algorithm() throws -> (any JWTAlgorithm)? {
        if let use = self.use, use != "sig" { return nil }
        switch (self.kty, self.alg) {
        case ("RSA", "RS256"), ("RSA", nil):
            guard let n = self.n.flatMap(Base64URL.decode), let e = self.e.flatMap(Base64URL.decode) else {
                throw JWTError.invalidKey("RSA JWK without n or e")
            }
            return try RS256(key: try PKey.rsaPublic(modulus: n, exponent: e))
        case ("EC", "ES256"), ("EC", nil):
            guard self.crv == "P-256", let x = self.x.flatMap(Base64URL.decode), let y = self.y.flatMap(Base64URL.decode) else { return nil }
            return try ES256(key: try PKey.p256Public(x: x, y: y))
        default:
            return nil
        }
    }
}

/// A JWK Set, as served at `/.well-known/jwks.json`.
public struct JWKSet: Codable, Sendable, Hashable {
    public var keys: [JWK]
    public init(keys: [JWK]) { self.keys = keys }
}
