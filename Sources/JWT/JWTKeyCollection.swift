import Foundation
import OpenSSLSupport
import WireFormat

/// Signing and verifying keys by `kid`, with the verification order fixed (RFC 8725):
/// size and strict base64url → header → key by `kid` → header `alg` equals the key's algorithm → signature →
/// claims. A value type: built once (or per JWKS fetch), shared freely between tasks.
public struct JWTKeyCollection: Sendable {
    /// Tokens larger than this are refused before any parsing.
    public static let maximumTokenBytes = 8 * 1024

    private var keys: [String: any JWTAlgorithm] = [:]
    private var order: [String] = []
    public private(set) var signingKid: String?

    public init() {}

    public var kids: [String] { self.order }
    public var isEmpty: Bool { self.keys.isEmpty }

    /// Adds a key. The first key added, or one added with `signing: true`, signs new tokens.
    public mutating func add(_ algorithm: any JWTAlgorithm, kid: String, signing: Bool = false) {
        if self.keys.updateValue(algorithm, forKey: kid) == nil { self.order.append(kid) }
        if signing || self.signingKid == nil { self.signingKid = kid }
    }

    /// Adds a public key under its RFC 7638 thumbprint; returns the kid.
    @discardableResult
    public mutating func add(publicKey algorithm: any JWTAlgorithm, signing: Bool = false) throws -> String {
        guard let kid = algorithm.publicJWK?.thumbprint else { throw JWTError.invalidKey("the key has no public JWK") }
        self.add(algorithm, kid: kid, signing: signing)
        return kid
    }

    /// Adds the usable keys of a JWK Set (other key types and `use: enc` keys are skipped); never a signing key.
    public mutating func add(jwks: JWKSet) throws {
        for jwk in jwks.keys {
            guard let algorithm = try jwk.algorithm() else { continue }
            guard let kid = jwk.kid ?? algorithm.publicJWK?.thumbprint else { continue }
            if self.keys.updateValue(algorithm, forKey: kid) == nil { self.order.append(kid) }
        }
    }

    /// The public keys as a JWK Set, each with its kid (symmetric keys are never published).
    public var jwks: JWKSet {
        JWKSet(
            keys: self.order.compactMap { kid in
                guard var jwk = self.keys[kid]?.publicJWK else { return nil }
                jwk.kid = kid
                return jwk
            })
    }

    public func key(for kid: String) -> (any JWTAlgorithm)? { self.keys[kid] }

    /// Signs `claims` with the signing key, writing `kid` and `typ` into the header.
    public func sign(_ claims: some Encodable, type: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try self.sign(payload: Array(try encoder.encode(claims)), type: type)
    }

    /// Signs an already-encoded JSON payload (for tools that take claims as JSON text).
    public func sign(payload: [UInt8], type: String) throws -> String {
        guard let kid = self.signingKid, let key = self.keys[kid] else { throw JWTError.invalidKey("no signing key configured") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = Header(alg: key.name, typ: type, kid: kid)
        let input = Base64URL.encode(try encoder.encode(header)) + "." + Base64URL.encode(payload)
        let signature = try key.sign(Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    /// The token's `kid`, read without verifying anything: only to decide whether a key set must be refetched.
    public static func unverifiedKid(_ token: String) -> String? {
        guard token.utf8.count <= Self.maximumTokenBytes, let dot = token.firstIndex(of: "."),
            let bytes = Base64URL.decode(token[..<dot]), let header = try? JSONDecoder().decode(Header.self, from: Data(bytes))
        else { return nil }
        return header.kid
    }

    /// Verifies `token` and returns its claims, or throws a `JWTError`.
    public func verify<Claims: RegisteredClaims>(_ token: String, as type: Claims.Type = Claims.self, rules: VerificationRules) throws -> Claims {
        var token = token
        return try token.withUTF8 { try self.verify(UnsafeRawBufferPointer($0), as: type, rules: rules) }
    }

    private func verify<Claims: RegisteredClaims>(_ bytes: UnsafeRawBufferPointer, as _: Claims.Type, rules: VerificationRules) throws -> Claims {
        let utf8 = bytes.bindMemory(to: UInt8.self)
        // 1. Size and shape, before touching JSON.
        guard utf8.count <= Self.maximumTokenBytes else { throw JWTError.malformed("token too large") }
        guard let firstDot = utf8.firstIndex(of: 0x2E), let secondDot = utf8[(firstDot + 1)...].firstIndex(of: 0x2E),
            !utf8[(secondDot + 1)...].contains(0x2E)
        else { throw JWTError.malformed("expected three segments") }
        // The three segments decode into one scratch buffer (tokens are at most 8 KiB), not three arrays.
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { scratch in
            let headerText = UnsafeBufferPointer(rebasing: utf8[0..<firstDot])
            let payloadText = UnsafeBufferPointer(rebasing: utf8[(firstDot + 1)..<secondDot])
            let signatureText = UnsafeBufferPointer(rebasing: utf8[(secondDot + 1)...])
            guard let headerLength = Base64URL.decodedLength(headerText.count), let payloadLength = Base64URL.decodedLength(payloadText.count),
                let signatureLength = Base64URL.decodedLength(signatureText.count)
            else { throw JWTError.malformed("segment is not canonical base64url") }
            let headerOut = UnsafeMutableBufferPointer(rebasing: scratch[0..<headerLength])
            let payloadOut = UnsafeMutableBufferPointer(rebasing: scratch[headerLength..<(headerLength + payloadLength)])
            let signatureOut = UnsafeMutableBufferPointer(rebasing: scratch[(headerLength + payloadLength)..<(headerLength + payloadLength + signatureLength)])
            guard Base64URL.decode(headerText, into: headerOut) == headerLength, Base64URL.decode(payloadText, into: payloadOut) == payloadLength,
                Base64URL.decode(signatureText, into: signatureOut) == signatureLength
            else { throw JWTError.malformed("segment is not canonical base64url") }
            return try self.verifyDecoded(
                bytes, secondDot: secondDot, header: UnsafeBufferPointer(headerOut), payload: UnsafeBufferPointer(payloadOut),
                signature: UnsafeRawBufferPointer(UnsafeBufferPointer(signatureOut)), as: Claims.self, rules: rules
            )
        }
    }

    private func verifyDecoded<Claims: RegisteredClaims>(
        _ bytes: UnsafeRawBufferPointer, secondDot: Int, header headerBytes: UnsafeBufferPointer<UInt8>, payload payloadBytes: UnsafeBufferPointer<UInt8>,
        signature: UnsafeRawBufferPointer, as _: Claims.Type, rules: VerificationRules
    ) throws -> Claims {

        // 2. Header: alg, kid and typ must be strings, each at most once; `crit` is refused.
        var alg: String?
        var kid: String?
        var typ: String?
        let headerValid = FlatJSON.visit(headerBytes) { field in
            if field.isKey("alg") {
                guard alg == nil else { return false }
                alg = field.string
                return alg != nil
            } else if field.isKey("kid") {
                guard kid == nil else { return false }
                kid = field.string
                return kid != nil
            } else if field.isKey("typ") {
                guard typ == nil else { return false }
                typ = field.string
                return typ != nil
            }
            return !field.isKey("crit")
        }
        guard headerValid, let alg else { throw JWTError.malformed("header is not a JSON object with alg (and no crit)") }

        // 3. Key by kid; a token without kid is accepted only when exactly one key exists.
        let key: any JWTAlgorithm
        if let kid {
            guard let found = self.keys[kid] else { throw JWTError.unknownKey(kid) }
            key = found
        } else {
            guard self.keys.count == 1, let only = self.keys.values.first else { throw JWTError.unknownKey(nil) }
            key = only
        }

        // 4. The header may not choose the algorithm: it must name the key's own (no `none`, no HS256-with-RSA-key).
        guard alg == key.name else { throw JWTError.algorithmMismatch(header: alg, key: key.name) }

        // 5. Signature over the exact bytes received.
        guard key.verify(signature, signs: UnsafeRawBufferPointer(rebasing: bytes[0..<secondDot])) else { throw JWTError.signatureInvalid }

        // 6. Claims: read straight from the bytes for our own claim types, JSONDecoder for any other.
        let claims: Claims
        if let flatType = Claims.self as? any FlatJSONClaims.Type {
            guard let parsed = flatType.init(json: payloadBytes) as? Claims else {
                throw JWTError.malformed("payload does not match the claims")
            }
            claims = parsed
        } else {
            do { claims = try JSONDecoder().decode(Claims.self, from: Data(buffer: payloadBytes)) } catch {
                throw JWTError.malformed("payload does not match the claims")
            }
        }
        try rules.check(claims, headerType: typ)
        return claims
    }

    struct Header: Codable {
        var alg: String
        var typ: String?
        var kid: String?
        var crit: [String]?
    }
}
