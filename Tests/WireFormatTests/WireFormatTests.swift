import NIOCore
import Testing

@testable import WireFormat

@Suite("Header values and request paths")
struct WireFormatTests {
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

@Suite("Multipart form reader")
struct MultipartFormReaderTests {
    static let limits = MultipartFormReader.Limits(parts: 8, headersPerPart: 8, headerBytes: 1024, otherPartBytes: 64)
    static let form = Array(
        ("preamble\r\n--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--b\r\n"
            + "Content-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n-- not a delimiter --b-x\r\n--b--\r\nepilogue")
            .utf8
    )

    func read(_ bytes: [UInt8], chunk: Int) throws -> MultipartFormReader.Part? {
        var reader = MultipartFormReader(boundary: "b", keep: "audio", limits: Self.limits)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            try reader.feed(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
        }
        #expect(reader.isComplete)
        return reader.kept
    }

    @Test(arguments: [1, 2, 3, 7, 64, 100_000])
    func keepsThePartWhateverTheChunks(chunk: Int) throws {
        let part = try #require(try self.read(Self.form, chunk: chunk))
        #expect(part.headers["content-type"] == "audio/wav")
        #expect(part.name == "audio")
        #expect(String(buffer: part.body) == "RIFF\r\n-- not a delimiter --b-x")
    }

    @Test func aWholeBodyIsKeptAsAView() throws {
        var whole = ByteBuffer(bytes: Self.form)
        var reader = MultipartFormReader(boundary: "b", keep: "audio", limits: Self.limits)
        try reader.feed(whole)
        let part = try #require(reader.kept)
        // Same storage: the part's bytes were not copied out of the body.
        let same = part.body.withUnsafeReadableBytes { kept in
            whole.withUnsafeReadableBytes { all in kept.baseAddress! >= all.baseAddress! && kept.baseAddress! < all.baseAddress! + all.count }
        }
        #expect(same)
        whole.clear()
    }

    @Test func malformedAndOverLimitFormsAreRefused() {
        let cases: [String] = [
            "--b\r\nX\u{00E9}: 1\r\n\r\nx\r\n--b--",  // a non-ASCII header name (MultipartKit 4.7.1 trapped here)
            "--b\r\nNo colon here\r\n\r\nx\r\n--b--",
            "--b\r\n" + String(repeating: "A: b\r\n", count: 9) + "\r\nx\r\n--b--",
            "--b\r\nA: " + String(repeating: "b", count: 2000) + "\r\n\r\nx\r\n--b--",
            String(repeating: "--b\r\n\r\nx\r\n", count: 10) + "--b--",
            "--bXY",
        ]
        for text in cases {
            var reader = MultipartFormReader(boundary: "b", keep: "audio", limits: Self.limits)
            #expect(throws: MultipartFormReader.Malformed.self, "\(text.prefix(40))") { try reader.feed(ByteBuffer(string: text)) }
        }
        // Unterminated: nothing kept, nothing thrown until the caller sees the body end.
        var reader = MultipartFormReader(boundary: "b", keep: "audio", limits: Self.limits)
        #expect(throws: Never.self) { try reader.feed(ByteBuffer(string: "--b\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nRIFF")) }
        #expect(reader.kept == nil && !reader.isComplete)
    }
}
