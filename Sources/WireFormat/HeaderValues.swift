/// Parsers for what arrives in request headers and paths, written over UTF-8 bytes with no subscripts that input can
/// push out of range, and in time linear in the input. They live in this target, with no dependencies, so that the
/// fuzz targets (`Fuzz/`) can drive them exactly as the roles do.
///
/// Hand-written because the header grammars are small and no kept library here parses them without bringing a
/// server with it (Hummingbird hands headers over as strings; these are the rules applied to those strings).
public enum HeaderValues {
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Trims spaces and tabs (RFC 9110 OWS) from both ends.
    public static func trimmed(_ text: Substring) -> Substring {
        var scalars = text.unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return Substring(scalars)
    }

    /// The media type of a `Content-Type` value, lower-cased, without parameters: `Application/JSON; charset=utf-8`
    /// → `application/json`. Nil when there is no `type/subtype` (an empty value, `;`, `text`).
    public static func mediaType(_ value: String) -> String? {
        let head = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let type = Self.trimmed(head).lowercased()
        let halves = type.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, Self.isToken(halves[0]), Self.isToken(halves[1]) else { return nil }
        return type
    }

    /// `application/json` or any `application/…+json`.
    public static func isJSON(_ contentType: String) -> Bool {
        guard let type = Self.mediaType(contentType) else { return false }
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// RFC 9110 token characters only, at least one.
    public static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
                case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                    UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
                    UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                    true
                default: false
                }
            }
    }

    /// A parameter of a header value such as `form-data; name="audio"; filename="a.webm"` or
    /// `multipart/form-data; boundary=xyz`: the name compared case-insensitively, a quoted value unquoted.
    /// At most `maximumParameters` parameters are looked at (a header is bounded anyway; this bounds the work).
    public static func parameter(_ name: String, in header: String, maximumParameters: Int = 32) -> String? {
        let wanted = name.lowercased()
        for piece in header.split(separator: ";", omittingEmptySubsequences: true).dropFirst().prefix(maximumParameters) {
            let pair = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, let key = pair.first, let raw = pair.last, Self.trimmed(key).lowercased() == wanted else { continue }
            var value = Self.trimmed(raw)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    /// The token of `Authorization: Bearer <token>`. The scheme is case-insensitive and may be followed by one or more
    /// spaces or tabs (RFC 9110 §11.4); the token is token68 characters only. Every role and the gateway's limiter
    /// read the header through this one function, so no spelling is a token to one and not to the other.
    public static func bearerToken(_ header: String) -> String? {
        let bytes = Array(header.utf8)
        guard bytes.count > 7, bytes.count <= 16 * 1024 else { return nil }
        let scheme = bytes.prefix(6).map { $0 | 0x20 }
        guard scheme == Array("bearer".utf8), Self.isSpace(bytes[6]) else { return nil }
        var start = 7
        while start < bytes.count, Self.isSpace(bytes[start]) { start += 1 }
        var end = bytes.count
        while end > start, Self.isSpace(bytes[end - 1]) { end -= 1 }
        guard start < end else { return nil }
        let token = bytes[start..<end]
        // token68: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" padding.
        guard
            token.allSatisfy({ byte in
                switch byte {
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
                    UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
                    true
                default: false
                }
            })
        else { return nil }
        return String(decoding: token, as: UTF8.self)
    }

    /// The entity tags of an `If-Match` / `If-None-Match` value (`"a", W/"b"`, or `*`), weak markers dropped, at most
    /// `maximumTags` (a longer list is a client's mistake, not work to do). Nil for a malformed list.
    public static func entityTags(_ value: String, maximumTags: Int = 64) -> [String]? {
        var tags: [String] = []
        for piece in value.split(separator: ",", omittingEmptySubsequences: true) {
            guard tags.count < maximumTags else { return nil }
            var tag = Self.trimmed(piece)
            if tag.isEmpty { continue }
            if tag == "*" {
                tags.append("*")
                continue
            }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            guard tag.count >= 2, tag.hasPrefix("\""), tag.hasSuffix("\""), !tag.dropFirst().dropLast().contains("\"") else { return nil }
            tags.append(String(tag))
        }
        return tags
    }

    /// Whether `value` (an `If-Match` or `If-None-Match` header) names `etag` or is `*`. A malformed list names nothing.
    public static func matches(_ value: String, etag: String) -> Bool {
        guard let tags = Self.entityTags(value) else { return false }
        return tags.contains("*") || tags.contains(etag)
    }

    /// Whether an `Accept-Encoding` value admits `coding` (by name, or `*`), i.e. not with `q=0`. At most
    /// `maximumEntries` entries are looked at: a longer list is a client's mistake, not work to do.
    public static func acceptsCoding(_ value: String, _ coding: String, maximumEntries: Int = 32) -> Bool {
        for entry in value.split(separator: ",", maxSplits: maximumEntries, omittingEmptySubsequences: true).prefix(maximumEntries) {
            let parts = entry.split(separator: ";", maxSplits: 8)
            let name = Self.trimmed(parts.first ?? "").lowercased()
            guard name == coding || name == "*" else { continue }
            let refused = parts.dropFirst().contains { parameter in
                let pair = Self.trimmed(parameter).lowercased()
                return pair.hasPrefix("q=") && (Double(pair.dropFirst(2)) ?? 1) == 0
            }
            if !refused { return true }
        }
        return false
    }

    /// A non-negative decimal integer of at most `maximumDigits` digits (`Content-Length`, `limit`): no sign, no
    /// spaces, no overflow.
    public static func decimal(_ text: Substring, maximumDigits: Int = 18) -> Int? {
        guard !text.isEmpty, text.utf8.count <= maximumDigits, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        var value = 0
        for byte in text.utf8 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(byte - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// A request's declared `Content-Length`: nil when absent; `.invalid` when present but not one decimal number
    /// (several differing values, a sign, spaces inside, too many digits).
    public enum DeclaredLength: Equatable, Sendable {
        case absent
        case length(Int)
        case invalid
    }

    public static func declaredLength(_ values: [String]) -> DeclaredLength {
        guard !values.isEmpty else { return .absent }
        var found: Int?
        for value in values {
            for piece in value.split(separator: ",", omittingEmptySubsequences: false) {
                guard let length = Self.decimal(Self.trimmed(piece)) else { return .invalid }
                if let found, found != length { return .invalid }
                found = length
            }
        }
        return found.map { .length($0) } ?? .invalid
    }
}
