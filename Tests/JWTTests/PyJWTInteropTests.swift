import Foundation
import OpenSSLSupport
import TestSupport
import Testing
import WireFormat

@testable import JWT

/// Tokens signed here verify with PyJWT, and PyJWT's tokens verify here, for HS256, RS256 and ES256.
@Suite("Interoperability with PyJWT")
struct PyJWTInteropTests {
    @Test func bothDirectionsForAllThreeAlgorithms() throws {
        let secret = Base64URL.encode(OpenSSL.randomBytes(32))
        let rsa = try PKey.generate(.rsa(bits: 2048))
        let ec = try PKey.generate(.p256)
        var ours: [String: JWTKeyCollection] = [:]
        var hs = JWTKeyCollection()
        hs.add(try HS256(secret: Array(secret.utf8)), kid: "hs-1")
        ours["HS256"] = hs
        var rs = JWTKeyCollection()
        let rsKid = try rs.add(publicKey: RS256(key: rsa), signing: true)
        ours["RS256"] = rs
        var es = JWTKeyCollection()
        let esKid = try es.add(publicKey: ES256(key: ec), signing: true)
        ours["ES256"] = es

        let claims = AccessTokenClaims(issuer: "voice-invoice", subject: "user-42", audience: "voice-invoice-api", issuedAt: Date(), lifetime: 600, id: "ours")
        var tokens: [String: String] = [:]
        for (alg, keys) in ours { tokens[alg] = try keys.sign(claims, type: "at+jwt") }
        let request: [String: Any] = [
            "issuer": "voice-invoice", "audience": "voice-invoice-api", "subject": "user-42",
            "keys": [
                "HS256": ["secret": secret, "kid": "hs-1"],
                "RS256": ["private": rsa.privatePEM(), "public": rsa.publicPEM(), "kid": rsKid],
                "ES256": ["private": ec.privatePEM(), "public": ec.publicPEM(), "kid": esKid],
            ],
            "tokens": tokens,
        ]
        let output = try Peers.run("pyjwt_interop.py", input: try JSONSerialization.data(withJSONObject: request))
        let reply = try #require(
            try JSONSerialization.jsonObject(with: output) as? [String: Any], "pyjwt_interop.py printed \(String(decoding: output, as: UTF8.self))")
        let verified = try #require(reply["verified"] as? [String: Any])
        let theirs = try #require(reply["tokens"] as? [String: String])
        let rules = VerificationRules(type: "at+jwt", issuer: "voice-invoice", audience: "voice-invoice-api")
        for alg in ["HS256", "RS256", "ES256"] {
            // PyJWT accepted ours…
            let pyClaims = verified[alg] as? [String: Any]
            #expect(pyClaims?["sub"] as? String == "user-42", "PyJWT on our \(alg): \(String(describing: verified[alg]))")
            // …and we accept PyJWT's.
            let token = try #require(theirs[alg])
            let back = try ours[alg]!.verify(token, as: AccessTokenClaims.self, rules: rules)
            #expect(back.jti == "pyjwt-\(alg)")
            // And a PyJWT token with one signature byte changed is refused.
            var tampered = Array(token.utf8)
            tampered[tampered.count - 5] = tampered[tampered.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(throws: JWTError.self) { try ours[alg]!.verify(String(decoding: tampered, as: UTF8.self), as: AccessTokenClaims.self, rules: rules) }
        }
    }
}
