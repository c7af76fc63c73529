import Foundation
import OpenSSLSupport
import Testing
import WireFormat

@testable import JWT

/// RFC 7515 appendix A: the published examples verify with their published keys and fail when one byte changes.
@Suite("RFC 7515 appendix A examples")
struct RFC7515Tests {
    static let payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    /// Inside the examples' validity: they expire at 1300819380 (2011-03-22).
    static let rules = VerificationRules(
        type: .jwtOrAbsent, issuers: ["joe"], audiences: nil, requireSubject: false, leeway: 0, now: { Date(timeIntervalSince1970: 1_300_819_000) }
    )

    static let a1 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\(payload).dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let a1Key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"

    static let a2 =
        "eyJhbGciOiJSUzI1NiJ9.\(payload)."
        + "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--"
        + "f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUi"
        + "pUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
    static let a2Modulus =
        "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2j"
        + "Z47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK"
        + "-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"

    static let a3 =
        "eyJhbGciOiJFUzI1NiJ9.\(payload).DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
    static let a3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
    static let a3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"

    static func collection(_ algorithm: any JWTAlgorithm) -> JWTKeyCollection {
        var keys = JWTKeyCollection()
        keys.add(algorithm, kid: "example")
        return keys
    }

    static func keys() throws -> [(String, JWTKeyCollection)] {
        [
            (a1, collection(try HS256(secret: Base64URL.decode(a1Key)!))),
            (a2, collection(try RS256(key: PKey.rsaPublic(modulus: Base64URL.decode(a2Modulus)!, exponent: Base64URL.decode("AQAB")!)))),
            (a3, collection(try ES256(key: PKey.p256Public(x: Base64URL.decode(a3X)!, y: Base64URL.decode(a3Y)!)))),
        ]
    }

    @Test(arguments: [0, 1, 2])
    func verifiesWithThePublishedKey(index: Int) throws {
        let (token, keys) = try Self.keys()[index]
        let claims = try keys.verify(token, as: BasicClaims.self, rules: Self.rules)
        #expect(claims.iss == "joe")
        #expect(claims.exp == 1_300_819_380)
    }

    /// Changing any one character of the header, payload or signature makes verification fail.
    @Test(arguments: [0, 1, 2])
    func failsWhenOneByteChanges(index: Int) throws {
        let (token, keys) = try Self.keys()[index]
        var bytes = Array(token.utf8)
        let dots = bytes.indices.filter { bytes[$0] == 0x2E }
        // A position in each segment; the character is swapped for another alphabet character.
        for position in [3, dots[0] + 5, dots[1] + 10, bytes.count / 2] where bytes[position] != 0x2E {
            let original = bytes[position]
            bytes[position] = original == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(throws: JWTError.self, "changed byte \(position)") {
                try keys.verify(String(decoding: bytes, as: UTF8.self), as: BasicClaims.self, rules: Self.rules)
            }
            bytes[position] = original
        }
    }

    @Test func expiredAfterItsTime() throws {
        let (token, keys) = try Self.keys()[0]
        var later = Self.rules
        later.now = { Date(timeIntervalSince1970: 1_300_819_400) }
        #expect { try keys.verify(token, as: BasicClaims.self, rules: later) } throws: { ($0 as? JWTError)?.code == .claimInvalid }
    }

    /// RFC 7638 §3.1: the thumbprint of the example RSA key.
    @Test func jwkThumbprint() {
        let jwk = JWK(
            kty: "RSA", alg: nil,
            n:
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            e: "AQAB"
        )
        #expect(jwk.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }
}

@Suite("RS256 and ES256 on OpenSSL")
struct AsymmetricTests {
    static let rules = VerificationRules(type: "at+jwt", issuer: "vi", audience: "api")

    static func claims(lifetime: TimeInterval = 900) -> AccessTokenClaims {
        AccessTokenClaims(issuer: "vi", subject: "u1", audience: "api", issuedAt: Date(), lifetime: lifetime, id: "j")
    }

    @Test(arguments: ["RS256", "ES256"])
    func signVerifyAndPublish(alg: String) throws {
        let key = try PKey.generate(alg == "RS256" ? .rsa(bits: 2048) : .p256)
        let algorithm = try jwtAlgorithm(for: key)
        #expect(algorithm.name == alg)
        var signer = JWTKeyCollection()
        let kid = try signer.add(publicKey: algorithm, signing: true)
        let token = try signer.sign(Self.claims(), type: "at+jwt")
        // A verifier that knows only the published JWK Set accepts it.
        let published = signer.jwks
        #expect(published.keys.count == 1 && published.keys[0].kid == kid && published.keys[0].alg == alg)
        var verifier = JWTKeyCollection()
        try verifier.add(jwks: published)
        #expect(try verifier.verify(token, as: AccessTokenClaims.self, rules: Self.rules).sub == "u1")
        // The public key PEM round-trips and the private half is not in it.
        let publicOnly = try PKey.pem(key.publicPEM())
        #expect(!publicOnly.hasPrivateKey && key.hasPrivateKey)
        #expect(throws: (any Error).self) { try jwtAlgorithm(for: publicOnly).sign([1, 2, 3]) }
    }

    @Test func es256SignaturesAreRawAndDERIsRefused() throws {
        let key = try PKey.generate(.p256)
        let es = try ES256(key: key)
        let input = Array("header.payload".utf8)
        let signature = try es.sign(input)
        #expect(signature.count == 64)
        #expect(es.verify(signature, signs: input))
        let der = try #require(PKey.ecdsaDER(fromRaw: signature))
        #expect(!es.verify(der, signs: input))
        #expect(PKey.ecdsaRaw(fromDER: der) == signature)
    }

    @Test func weakOrWrongKeysAreRefused() throws {
        #expect(throws: JWTError.self) { try RS256(key: PKey.generate(.rsa(bits: 1024))) }
        #expect(throws: JWTError.self) { try ES256(key: PKey.generate(.rsa(bits: 2048))) }
        #expect(throws: JWTError.self) { try RS256(key: PKey.generate(.p256)) }
    }

    /// The classic confusion attack: an HS256 token whose secret is the RSA public key's PEM, presented to a verifier
    /// that holds that RSA key. The header's alg is not the key's, so the signature is never even looked at.
    @Test func hs256WithThePublicKeyAsSecretIsRefused() throws {
        let rsa = try RS256(key: PKey.generate(.rsa(bits: 2048)))
        var verifier = JWTKeyCollection()
        let kid = try verifier.add(publicKey: rsa)
        let pem = Array(rsa.key.publicPEM().utf8)
        var forger = JWTKeyCollection()
        forger.add(try HS256(secret: pem), kid: kid)
        let forged = try forger.sign(Self.claims(), type: "at+jwt")
        #expect { try verifier.verify(forged, as: AccessTokenClaims.self, rules: Self.rules) } throws: { ($0 as? JWTError)?.code == .algorithmMismatch }
    }

    @Test func remoteKeySetIsFetchedOnceForUnknownKids() async throws {
        let es = try ES256(key: PKey.generate(.p256))
        var signer = JWTKeyCollection()
        try signer.add(publicKey: es, signing: true)
        let set = signer.jwks
        let token = try signer.sign(Self.claims(), type: "at+jwt")
        var other = JWTKeyCollection()
        try other.add(publicKey: ES256(key: PKey.generate(.p256)), signing: true)
        let stranger = try other.sign(Self.claims(), type: "at+jwt")

        // Within the interval: the first use fetches, known kids never refetch, and a flood of unknown kids cannot
        // make it fetch again.
        let fetches = FetchCounter()
        let verifier = JWTVerifier(
            keys: JWTKeyCollection(),
            remote: {
                await fetches.increment()
                return set
            }, minimumRefetchInterval: .seconds(60))
        for _ in 0..<5 { _ = try await verifier.verify(token, as: AccessTokenClaims.self, rules: Self.rules) }
        for _ in 0..<5 {
            await #expect(throws: JWTError.self) { try await verifier.verify(stranger, as: AccessTokenClaims.self, rules: Self.rules) }
        }
        #expect(await fetches.value == 1)

        // Past the interval (here: none), an unknown kid triggers a refetch, which is how a rotated key is picked up.
        let eager = FetchCounter()
        let eagerVerifier = JWTVerifier(
            keys: JWTKeyCollection(),
            remote: {
                await eager.increment()
                return set
            }, minimumRefetchInterval: .zero)
        _ = try await eagerVerifier.verify(token, as: AccessTokenClaims.self, rules: Self.rules)
        await #expect(throws: JWTError.self) { try await eagerVerifier.verify(stranger, as: AccessTokenClaims.self, rules: Self.rules) }
        #expect(await eager.value == 2)

        // A key set that cannot be fetched at all is its own error (a 503 at the API, not a 401).
        let down = JWTVerifier(keys: JWTKeyCollection(), remote: { throw CancellationError() })
        await #expect { try await down.verify(token, as: AccessTokenClaims.self, rules: Self.rules) } throws: { ($0 as? JWTError)?.code == .keySetUnavailable }
    }

    actor FetchCounter {
        var value = 0
        func increment() { self.value += 1 }
    }
}
