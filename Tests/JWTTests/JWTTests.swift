import Foundation
import OpenSSLSupport
import Testing
import WireFormat

@testable import JWT

@Suite("JWT on OpenSSL")
struct JWTTests {
    static let secret = Array("0123456789abcdef0123456789abcdef".utf8)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func keys(secret: [UInt8] = secret, kid: String = "k1") throws -> JWTKeyCollection {
        var keys = JWTKeyCollection()
        keys.add(try HS256(secret: secret), kid: kid)
        return keys
    }

    static func claims(issuedAt: Date = now, lifetime: TimeInterval = 900, audience: String = "api", issuer: String = "vi") -> AccessTokenClaims {
        AccessTokenClaims(issuer: issuer, subject: "user-1", audience: audience, issuedAt: issuedAt, lifetime: lifetime, id: "j1", email: "a@b.c")
    }

    static func rules(at date: Date = now, type: String = "at+jwt") -> VerificationRules {
        VerificationRules(type: type, issuer: "vi", audience: "api", leeway: 30, now: { date })
    }

    @Test func roundTrip() throws {
        let keys = try Self.keys()
        let token = try keys.sign(Self.claims(), type: "at+jwt")
        let claims = try keys.verify(token, as: AccessTokenClaims.self, rules: Self.rules())
        #expect(claims.sub == "user-1")
        #expect(claims.email == "a@b.c")
    }

    @Test func hmacMatchesRFC4231TestCase2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = OpenSSL.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func refusesShortSecret() {
        #expect(throws: JWTError.self) { try HS256(secret: Array("short".utf8)) }
    }

    @Test func rejectsExpiredToken() throws {
        let keys = try Self.keys()
        let token = try keys.sign(Self.claims(issuedAt: Self.now.addingTimeInterval(-1000), lifetime: 900), type: "at+jwt")
        #expect { try keys.verify(token, as: AccessTokenClaims.self, rules: Self.rules()) } throws: { ($0 as? JWTError)?.code == .claimInvalid }
        // Within the leeway it still passes: expired 10 s ago, leeway 30 s.
        let recent = try keys.sign(Self.claims(issuedAt: Self.now.addingTimeInterval(-910), lifetime: 900), type: "at+jwt")
        _ = try keys.verify(recent, as: AccessTokenClaims.self, rules: Self.rules())
    }

    @Test func rejectsNotYetValid() throws {
        let keys = try Self.keys()
        let token = try keys.sign(Self.claims(issuedAt: Self.now.addingTimeInterval(120)), type: "at+jwt")
        #expect(throws: JWTError.self) { try keys.verify(token, as: AccessTokenClaims.self, rules: Self.rules()) }
    }

    @Test func rejectsWrongSignature() throws {
        let token = try Self.keys(secret: Array("ffffffffffffffffffffffffffffffff".utf8)).sign(Self.claims(), type: "at+jwt")
        #expect { try Self.keys().verify(token, as: AccessTokenClaims.self, rules: Self.rules()) } throws: { ($0 as? JWTError)?.code == .signatureInvalid }
    }

    @Test func rejectsTamperedPayload() throws {
        let keys = try Self.keys()
        let token = try keys.sign(Self.claims(), type: "at+jwt")
        var parts = token.split(separator: ".").map(String.init)
        var payload = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(parts[1])!)) as! [String: Any]
        payload["sub"] = "someone-else"
        parts[1] = Base64URL.encode(try JSONSerialization.data(withJSONObject: payload))
        #expect { try keys.verify(parts.joined(separator: "."), as: AccessTokenClaims.self, rules: Self.rules()) } throws: {
            ($0 as? JWTError)?.code == .signatureInvalid
        }
    }

    @Test func rejectsWrongAudienceIssuerAndType() throws {
        let keys = try Self.keys()
        let otherAudience = try keys.sign(Self.claims(audience: "other"), type: "at+jwt")
        #expect(throws: JWTError.self) { try keys.verify(otherAudience, as: AccessTokenClaims.self, rules: Self.rules()) }
        let otherIssuer = try keys.sign(Self.claims(issuer: "evil"), type: "at+jwt")
        #expect(throws: JWTError.self) { try keys.verify(otherIssuer, as: AccessTokenClaims.self, rules: Self.rules()) }
        let serviceToken = try keys.sign(Self.claims(), type: "svc+jwt")
        #expect(throws: JWTError.self) { try keys.verify(serviceToken, as: AccessTokenClaims.self, rules: Self.rules()) }
    }

    /// A header that names another algorithm than the key's is refused before the signature is looked at,
    /// and `none` never verifies.
    @Test func rejectsAlgorithmConfusionAndNone() throws {
        let keys = try Self.keys()
        let payload = Base64URL.encode(try JSONEncoder().encode(Self.claims()))
        for alg in ["none", "RS256", "HS512", "hs256"] {
            let header = Base64URL.encode(Array(#"{"alg":"\#(alg)","typ":"at+jwt","kid":"k1"}"#.utf8))
            let signingInput = header + "." + payload
            let signature = Base64URL.encode(OpenSSL.hmacSHA256(key: Self.secret, data: Array(signingInput.utf8)))
            for token in [signingInput + "." + signature, signingInput + "."] {
                #expect { try keys.verify(token, as: AccessTokenClaims.self, rules: Self.rules()) } throws: {
                    ($0 as? JWTError)?.code == .algorithmMismatch
                }
            }
        }
    }

    @Test func rejectsUnknownKidAndMalformedInput() throws {
        let keys = try Self.keys()
        let other = try Self.keys(kid: "k2").sign(Self.claims(), type: "at+jwt")
        #expect { try keys.verify(other, as: AccessTokenClaims.self, rules: Self.rules()) } throws: { ($0 as? JWTError)?.code == .unknownKey }
        let good = try keys.sign(Self.claims(), type: "at+jwt")
        for bad in [
            "", "a.b", "a.b.c.d", good + "=", good.replacingOccurrences(of: ".", with: ".+", options: [], range: good.range(of: ".")),
            String(repeating: "a", count: 9000),
        ] {
            #expect(throws: JWTError.self) { try keys.verify(bad, as: AccessTokenClaims.self, rules: Self.rules()) }
        }
    }

    @Test func base64urlIsStrict() {
        #expect(Base64URL.decode("AQID") == [1, 2, 3])
        #expect(Base64URL.decode("AQ") == [1])
        #expect(Base64URL.decode("AQ==") == nil)
        #expect(Base64URL.decode("A+/B") == nil)
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
    }

    @Test func constantTimeEquals() {
        #expect(OpenSSL.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!OpenSSL.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!OpenSSL.constantTimeEquals([1, 2, 3], [1, 2]))
    }

    @Test func scryptMatchesRFC7914Vector() throws {
        // RFC 7914 §12, second vector: P = "password", S = "NaCl", N = 1024, r = 8, p = 16, dkLen = 64.
        let key = try #require(OpenSSL.scrypt(password: Array("password".utf8), salt: Array("NaCl".utf8), n: 1024, r: 8, p: 16, length: 64))
        #expect(key.prefix(8).map { String(format: "%02x", $0) }.joined() == "fdbabe1c9d347200")
    }
}
