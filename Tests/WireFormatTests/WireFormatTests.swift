import NIOCore
import Testing

@testable import WireFormat

@Suite("Header values and request paths")
struct WireFormatTests {
    @Test func hexIsLowerCaseTwoDigitsPerByteMostSignificantFirst() {
        #expect(Hex.lowercase([0x00, 0x0f, 0xa0, 0xff] as [UInt8]) == "000fa0ff")
        #expect(Hex.lowercase([UInt8]()) == "")
        #expect(Hex.lowercase(0 as UInt64) == "0000000000000000")
        #expect(Hex.lowercase(0x0123_4567_89ab_cdef as UInt64) == "0123456789abcdef")
        #expect(Hex.lowercase(UInt64.max) == "ffffffffffffffff")
    }

    @Test(arguments: [";", "", " ", "/", "application", ";;;", "application/", "/json", "a/b/c", "\u{0}", "application/json\u{301}"])
    func malformedMediaTypesAreNoMediaType(_ value: String) {
        #expect(HeaderValues.mediaType(value) == nil)
        #expect(!HeaderValues.isJSON(value))
    }

    @Test func mediaTypes() {
        #expect(HeaderValues.mediaType("Application/JSON; charset=utf-8") == "application/json")
        #expect(HeaderValues.isJSON("application/problem+json"))
        #expect(HeaderValues.isJSON("  application/json  "))
        #expect(!HeaderValues.isJSON("text/json"))
        #expect(HeaderValues.mediaType("multipart/form-data; boundary=x") == "multipart/form-data")
    }

    @Test func parameters() {
        #expect(HeaderValues.parameter("boundary", in: "multipart/form-data; boundary=\"abc\"") == "abc")
        #expect(HeaderValues.parameter("name", in: "form-data; NAME=audio; filename=a.wav") == "audio")
        #expect(HeaderValues.parameter("name", in: "form-data; name") == nil)
        #expect(HeaderValues.parameter("name", in: "form-data; name=\"") == "\"")
        #expect(HeaderValues.parameter("name", in: ";;;;") == nil)
    }

    @Test func bearerSpellingsAllReadTheSameToken() {
        for header in ["Bearer abc.def", "bearer abc.def", "BEARER abc.def", "Bearer   abc.def", "Bearer\tabc.def", "bEaReR abc.def  "] {
            #expect(HeaderValues.bearerToken(header) == "abc.def", "\(header)")
        }
        for header in ["Bearer", "Bearer ", "Basic abc", "Bearerabc", "Bearer a b", "Bearer a\u{0}b", "Bearer é", "Token abc"] {
            #expect(HeaderValues.bearerToken(header) == nil, "\(header)")
        }
    }

    @Test func acceptedCodings() {
        #expect(HeaderValues.acceptsCoding("gzip, deflate, br", "gzip"))
        #expect(HeaderValues.acceptsCoding("br;q=1, GZIP;q=0.8", "gzip"))
        #expect(HeaderValues.acceptsCoding("*", "gzip"))
        #expect(!HeaderValues.acceptsCoding("gzip;q=0", "gzip"))
        #expect(!HeaderValues.acceptsCoding("gzip; q=0.000", "gzip"))
        #expect(!HeaderValues.acceptsCoding("br, identity", "gzip"))
        #expect(!HeaderValues.acceptsCoding("", "gzip"))
        // Only the first 32 entries count: a long list is not work to do.
        #expect(!HeaderValues.acceptsCoding(String(repeating: "br, ", count: 40) + "gzip", "gzip"))
    }

    @Test func entityTags() {
        #expect(HeaderValues.entityTags("\"a\", W/\"b\"") == ["\"a\"", "\"b\""])
        #expect(HeaderValues.entityTags("*") == ["*"])
        #expect(HeaderValues.entityTags("a") == nil)
        #expect(HeaderValues.entityTags("\"") == nil)
        #expect(HeaderValues.entityTags(String(repeating: "\"a\",", count: 100)) == nil)
        #expect(HeaderValues.matches("W/\"x-1\"", etag: "\"x-1\""))
        #expect(!HeaderValues.matches("\"x-2\"", etag: "\"x-1\""))
    }

    @Test func declaredLengths() {
        #expect(HeaderValues.declaredLength([]) == .absent)
        #expect(HeaderValues.declaredLength(["12"]) == .length(12))
        #expect(HeaderValues.declaredLength(["12, 12"]) == .length(12))
        #expect(HeaderValues.declaredLength(["12", "13"]) == .invalid)
        #expect(HeaderValues.declaredLength(["-1"]) == .invalid)
        #expect(HeaderValues.declaredLength(["99999999999999999999999"]) == .invalid)
        #expect(HeaderValues.declaredLength([""]) == .invalid)
        #expect(HeaderValues.decimal("922337203685477580") == 922_337_203_685_477_580)
    }

    @Test(arguments: [
        "//api/auth/login", "/api/auth/login/", "/api//auth", "/api/./auth", "/api/../auth", "/api/%2e%2e/x", "/api/%6Cogin", "/api/a%2Fb",
        "api/auth", "", "/api/%", "/api/%G0", "/api/a b", "/api/\u{7F}", "/api/%00",
    ])
    func nonCanonicalPathsAreRefused(_ path: String) {
        #expect(!RequestPath.isCanonical(path))
    }

    @Test(arguments: ["/", "/api/auth/login", "/api/invoices/0123abcd/pdf", "/api/clients/%C3%A9", "/.well-known/jwks.json", "/api/a%20b"])
    func canonicalPathsPass(_ path: String) {
        #expect(RequestPath.isCanonical(path))
    }
}
