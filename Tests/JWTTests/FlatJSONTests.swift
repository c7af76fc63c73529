import Foundation
import OpenSSLSupport
import Testing
import WireFormat

@testable import JWT

/// The hand-written hot path (flat JSON reader, HMAC with precomputed pads, base64url into a buffer) agrees with the
/// reference implementations and is as strict as the RFCs.
@Suite("Token hot path")
struct FlatJSONTests {
    func claims(_ json: String) -> AccessTokenClaims? {
        Array(json.utf8).withUnsafeBufferPointer { AccessTokenClaims(json: $0) }
    }

    @Test func readsClaimsLikeJSONDecoder() throws {
        let json =
            #"{"iss":"vi","sub":"caf\u00e9 \ud83d\ude00","aud":["a","b"],"exp":1800000000,"nbf":1.7e9,"iat":1700000000,"name":"Ann \"A\"","extra":{"x":[1,{"y":null}]},"e":-0.5}"#
        let fast = try #require(self.claims(json))
        let reference = try JSONDecoder().decode(AccessTokenClaims.self, from: Data(json.utf8))
        #expect(fast == reference)
        #expect(fast.sub == "café 😀")
        #expect(fast.aud?.values == ["a", "b"])
        #expect(fast.nbf == 1_700_000_000)
    }

    @Test func refusesWhatJSONOrTheClaimsForbid() {
        for bad in [
            #"{"sub":"a","sub":"b"}"#,  // duplicate registered claim
            #"{"sub":"a","s\u0075b":"b"}"#,  // the same, hidden behind an escape
            #"{"exp":"1800000000"}"#,  // wrong type
            #"{"sub":1}"#,
            #"{"aud":[1]}"#,
            #"{"exp":01}"#,  // leading zero
            #"{"exp":1.}"#,
            #"{"sub":"a"} x"#,  // trailing garbage
            #"{"sub":"a",}"#,  // trailing comma
            #"{"sub":"\x"}"#,  // bad escape
            #"{"sub":"\ud800"}"#,  // lone surrogate
            "{\"sub\":\"a\tb\"}",  // raw control character
            #"["sub"]"#,
            "",
        ] {
            #expect(self.claims(bad) == nil, "accepted \(bad)")
        }
        // Invalid UTF-8 inside a string.
        let invalid: [UInt8] = Array(#"{"sub":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(invalid.withUnsafeBufferPointer { AccessTokenClaims(json: $0) } == nil)
        // Deep nesting is refused rather than recursed into without bound.
        let deep = "{\"x\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(self.claims(deep) == nil)
    }

    @Test func sha256HexIsTheFIPSVector() {
        // FIPS 180-2, appendix B.1 ("abc"), and the empty message.
        #expect(OpenSSL.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(OpenSSL.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hmacFastPathMatchesOpenSSLsHMAC() {
        for length in [0, 1, 31, 32, 33, 63, 64, 65, 100, 200] {
            let key = OpenSSL.randomBytes(length)
            let data = OpenSSL.randomBytes(length * 7 + 3)
            #expect(OpenSSL.hmacMatchesReference(key: key, data: data), "key length \(length)")
        }
    }

    @Test func base64urlIntoABufferIsCanonical() {
        for count in 0..<40 {
            let bytes = OpenSSL.randomBytes(count)
            let text = Base64URL.encode(bytes)
            #expect(Base64URL.decode(text) == bytes)
            #expect(
                Data(
                    base64Encoded: text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                        + String(repeating: "=", count: (4 - text.count % 4) % 4)) == Data(bytes))
        }
        #expect(Base64URL.decode("AB") == nil)  // unused bits set
        #expect(Base64URL.decode("AQ") == [1])
    }
}
