import Foundation
import OpenSSLSupport

/// Signing and verifying keys by `kid`, with the verification order fixed (RFC 8725):
/// size and strict base64url → header → key by `kid` → header `alg` equals the key's algorithm → signature in
/// constant time → claims. A value type: built once at start-up, shared freely between tasks.
public struct JWTKeyCollection: Sendable {
    /// Tokens larger than this are refused before any parsing.
    public static let maximumTokenBytes = 8 * 1024

    private var keys: [String: any JWTAlgorithm] = [:]
    private var signingKid: String?

    public init() {}

    /// Adds a key. The first key added, or one added with `signing: true`, signs new tokens.
    public mutating func add(_ algorithm: any JWTAlgorithm, kid: String, signing: Bool = false) {
        self.keys[kid] = algorithm
        if signing || self.signingKid == nil { self.signingKid = kid }
    }

    /// Signs `claims` with the signing key, writing `kid` and `typ` into the header.
    public func sign(_ claims: some Encodable, type: String) throws -> String {
        guard let kid = self.signingKid, let key = self.keys[kid] else { throw JWTError.invalidKey("no signing key configured") }
        let header = Header(alg: key.name, typ: type, kid: kid)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let input = Base64URL.encode(try encoder.encode(header)) + "." + Base64URL.encode(try encoder.encode(claims))
        let signature = try key.sign(Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    /// Verifies `token` and returns its claims, or throws a `JWTError`.
    public func verify<Claims: RegisteredClaims>(_ token: String, as _: Claims.Type = Claims.self, rules: VerificationRules) throws -> Claims {
        // 1. Size and shape, before touching JSON.
        guard token.utf8.count <= Self.maximumTokenBytes else { throw JWTError.malformed("token too large") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw JWTError.malformed("expected three segments") }
        guard let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw JWTError.malformed("segment is not strict base64url") }

        // 2. Header.
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(headerBytes)) } catch { throw JWTError.malformed("header is not JSON") }
        guard header.crit == nil else { throw JWTError.malformed("crit header not supported") }

        // 3. Key by kid; a token without kid is accepted only when exactly one key exists.
        let key: any JWTAlgorithm
        if let kid = header.kid {
            guard let found = self.keys[kid] else { throw JWTError.unknownKey(kid) }
            key = found
        } else {
            guard self.keys.count == 1, let only = self.keys.values.first else { throw JWTError.unknownKey(nil) }
            key = only
        }

        // 4. The header may not choose the algorithm: it must name the key's own (no `none`, no HS256-with-RSA-key).
        guard header.alg == key.name else { throw JWTError.algorithmMismatch(header: header.alg, key: key.name) }

        // 5. Signature over the exact bytes received, compared in constant time by the algorithm.
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard key.verify(signature, signs: signingInput) else { throw JWTError.signatureInvalid }

        // 6. Claims.
        let claims: Claims
        do { claims = try JSONDecoder().decode(Claims.self, from: Data(payloadBytes)) } catch { throw JWTError.malformed("payload does not match the claims") }
        try rules.check(claims, headerType: header.typ)
        return claims
    }

    struct Header: Codable {
        var alg: String
        var typ: String?
        var kid: String?
        var crit: [String]?
    }
}
