#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A reader for the small, flat JSON objects that JWT headers and claim sets are.
///
/// Written by hand because Foundation's `JSONDecoder` costs several microseconds per token — more than HMAC-SHA256
/// itself — and every request of every role verifies a token. `visit` validates the whole object in one pass (strict
/// JSON: escapes, UTF-8, number grammar, nesting depth) and hands each member to the caller as raw bytes, so only the
/// members a caller wants become Swift values. Callers refuse duplicated registered claims (RFC 7515 §4 lets verifiers
/// refuse duplicates, and they would make `aud` or `sub` ambiguous).
public enum FlatJSON {
    /// The kind of a member's value.
    public enum Kind: Sendable { case string, number, trueValue, falseValue, null, array, object }

    // MARK: Visiting without storing (the token-verification hot path)

    /// One member as the visitor sees it: raw bytes of the key and the value (strings without their quotes).
    public struct Field {
        let key: UnsafeBufferPointer<UInt8>
        let keyEscaped: Bool
        let kind: Kind
        let value: UnsafeBufferPointer<UInt8>
        let escaped: Bool

        /// Whether the key is `name` (which must not need escaping).
        public func isKey(_ name: StaticString) -> Bool {
            if self.keyEscaped { return FlatJSON.decodeString(self.key) == name.description }
            guard self.key.count == name.utf8CodeUnitCount else { return false }
            guard let base = self.key.baseAddress else { return name.utf8CodeUnitCount == 0 }
            return memcmp(base, name.utf8Start, self.key.count) == 0
        }

        public var string: String? {
            self.kind == .string ? (self.escaped ? FlatJSON.decodeString(self.value) : String(decoding: self.value, as: UTF8.self)) : nil
        }

        public var integer: Int64? {
            guard self.kind == .number else { return nil }
            var value: Int64 = 0
            var negative = false
            for (offset, byte) in self.value.enumerated() {
                if byte == UInt8(ascii: "-") && offset == 0 {
                    negative = true
                    continue
                }
                guard byte >= 0x30 && byte <= 0x39 else {
                    // A fraction or an exponent: accept only whole values.
                    guard let number = Double(String(decoding: self.value, as: UTF8.self)), number.rounded(.down) == number, abs(number) < 9e15 else {
                        return nil
                    }
                    return Int64(number)
                }
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(Int64(byte - 0x30))
                guard !overflow1 && !overflow2 else { return nil }
                value = plus
            }
            return negative ? -value : value
        }

        /// A string, or an array of strings.
        public var strings: [String]? {
            switch self.kind {
            case .string: return self.string.map { [$0] }
            case .array:
                var parser = Parser(count: self.value.count)
                parser.index = 1
                var strings: [String] = []
                if parser.expect(self.value, UInt8(ascii: "]")) { return strings }
                repeat {
                    parser.skipWhitespace(self.value)
                    guard parser.index < self.value.count, self.value[parser.index] == UInt8(ascii: "\""), let string = parser.unescapeString(self.value) else {
                        return nil
                    }
                    strings.append(string)
                } while parser.expect(self.value, UInt8(ascii: ","))
                return strings
            default: return nil
            }
        }
    }

    /// Validates `bytes` as one JSON object and calls `body` for each member, in order; false when the JSON is
    /// invalid or `body` returned false. Nothing is allocated for members the caller does not read.
    public static func visit(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Field) -> Bool) -> Bool {
        var parser = Parser(count: bytes.count)
        let b = bytes
        guard parser.expect(b, UInt8(ascii: "{")) else { return false }
        if !parser.expect(b, UInt8(ascii: "}")) {
            repeat {
                parser.skipWhitespace(b)
                let keyStart = parser.index + 1
                guard let keyEscaped = parser.scanString(b) else { return false }
                let key = UnsafeBufferPointer(rebasing: b[keyStart..<(parser.index - 1)])
                guard parser.expect(b, UInt8(ascii: ":")) else { return false }
                parser.skipWhitespace(b)
                guard parser.index < b.count else { return false }
                let field: Field
                if b[parser.index] == UInt8(ascii: "\"") {
                    let start = parser.index + 1
                    guard let escaped = parser.scanString(b) else { return false }
                    field = Field(
                        key: key, keyEscaped: keyEscaped, kind: .string, value: UnsafeBufferPointer(rebasing: b[start..<(parser.index - 1)]), escaped: escaped)
                } else {
                    let start = parser.index
                    guard let kind = parser.scanValue(b, depth: 1) else { return false }
                    field = Field(key: key, keyEscaped: keyEscaped, kind: kind, value: UnsafeBufferPointer(rebasing: b[start..<parser.index]), escaped: false)
                }
                guard body(field) else { return false }
            } while parser.expect(b, UInt8(ascii: ","))
            guard parser.expect(b, UInt8(ascii: "}")) else { return false }
        }
        parser.skipWhitespace(b)
        return parser.index == b.count
    }

    static func decodeString(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        // Re-wrap in quotes and run the strict decoder.
        var quoted = [UInt8](repeating: UInt8(ascii: "\""), count: raw.count + 2)
        for index in 0..<raw.count { quoted[index + 1] = raw[index] }
        return quoted.withUnsafeBufferPointer { buffer in
            var parser = Parser(count: buffer.count)
            return parser.unescapeString(buffer)
        }
    }

    // MARK: The validating parser

    struct Parser {
        let count: Int
        var index = 0

        init(count: Int) { self.count = count }

        mutating func skipWhitespace(_ b: UnsafeBufferPointer<UInt8>) {
            while self.index < self.count {
                switch b[self.index] {
                case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
                default: return
                }
            }
        }

        mutating func expect(_ b: UnsafeBufferPointer<UInt8>, _ byte: UInt8) -> Bool {
            self.skipWhitespace(b)
            guard self.index < self.count, b[self.index] == byte else { return false }
            self.index += 1
            return true
        }

        /// Validates any value at the cursor and returns its kind.
        mutating func scanValue(_ b: UnsafeBufferPointer<UInt8>, depth: Int) -> Kind? {
            guard depth < 32 else { return nil }
            self.skipWhitespace(b)
            guard self.index < self.count else { return nil }
            switch b[self.index] {
            case UInt8(ascii: "\""): return self.scanString(b) != nil ? .string : nil
            case UInt8(ascii: "t"): return self.literal(b, "true") ? .trueValue : nil
            case UInt8(ascii: "f"): return self.literal(b, "false") ? .falseValue : nil
            case UInt8(ascii: "n"): return self.literal(b, "null") ? .null : nil
            case UInt8(ascii: "["):
                self.index += 1
                if self.expect(b, UInt8(ascii: "]")) { return .array }
                repeat {
                    guard self.scanValue(b, depth: depth + 1) != nil else { return nil }
                } while self.expect(b, UInt8(ascii: ","))
                return self.expect(b, UInt8(ascii: "]")) ? .array : nil
            case UInt8(ascii: "{"):
                self.index += 1
                if self.expect(b, UInt8(ascii: "}")) { return .object }
                repeat {
                    self.skipWhitespace(b)
                    guard self.scanString(b) != nil, self.expect(b, UInt8(ascii: ":")), self.scanValue(b, depth: depth + 1) != nil else { return nil }
                } while self.expect(b, UInt8(ascii: ","))
                return self.expect(b, UInt8(ascii: "}")) ? .object : nil
            default:
                return self.scanNumber(b) ? .number : nil
            }
        }

        mutating func literal(_ b: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
            let length = text.utf8CodeUnitCount
            guard self.index + length <= self.count else { return false }
            for offset in 0..<length where b[self.index + offset] != text.utf8Start[offset] { return false }
            self.index += length
            return true
        }

        /// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func scanNumber(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            func digit(_ i: Int) -> Bool { i < self.count && b[i] >= 0x30 && b[i] <= 0x39 }
            if self.index < self.count, b[self.index] == UInt8(ascii: "-") { self.index += 1 }
            guard digit(self.index) else { return false }
            if b[self.index] == 0x30 {
                self.index += 1
            } else {
                while digit(self.index) { self.index += 1 }
            }
            if self.index < self.count, b[self.index] == UInt8(ascii: ".") {
                self.index += 1
                guard digit(self.index) else { return false }
                while digit(self.index) { self.index += 1 }
            }
            if self.index < self.count, b[self.index] == UInt8(ascii: "e") || b[self.index] == UInt8(ascii: "E") {
                self.index += 1
                if self.index < self.count, b[self.index] == UInt8(ascii: "+") || b[self.index] == UInt8(ascii: "-") { self.index += 1 }
                guard digit(self.index) else { return false }
                while digit(self.index) { self.index += 1 }
            }
            return true
        }

        /// Validates a string at the cursor (at its opening quote), leaving the cursor after the closing quote.
        /// Returns whether it contains escapes, or nil when it is invalid.
        mutating func scanString(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
            guard self.index < self.count, b[self.index] == UInt8(ascii: "\"") else { return nil }
            self.index += 1
            var escaped = false
            var nonASCII = false
            let start = self.index
            while self.index < self.count {
                let byte = b[self.index]
                if byte == UInt8(ascii: "\"") {
                    if nonASCII || escaped {
                        // Validate escapes and UTF-8 the slow way.
                        let end = self.index + 1
                        self.index = start - 1
                        guard self.unescapeString(b) != nil, self.index == end else { return nil }
                    } else {
                        self.index += 1
                    }
                    return escaped
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    self.index += 2
                    continue
                }
                if byte < 0x20 { return nil }
                if byte >= 0x80 { nonASCII = true }
                self.index += 1
            }
            return nil
        }

        /// Decodes the string at the cursor (at its opening quote), with escapes; nil when invalid.
        mutating func unescapeString(_ b: UnsafeBufferPointer<UInt8>) -> String? {
            guard self.index < self.count, b[self.index] == UInt8(ascii: "\"") else { return nil }
            self.index += 1
            var out: [UInt8] = []
            while self.index < self.count {
                let byte = b[self.index]
                self.index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    // Invalid UTF-8 is refused rather than replaced, so nothing compares altered text.
                    return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard self.index < self.count else { return nil }
                    let escape = b[self.index]
                    self.index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var code = self.hex4(b) else { return nil }
                        if (0xD800...0xDBFF).contains(code) {
                            guard self.literal(b, "\\u"), let low = self.hex4(b), (0xDC00...0xDFFF).contains(low) else { return nil }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(code) {
                            return nil
                        }
                        guard let scalar = Unicode.Scalar(code) else { return nil }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    out.append(byte)
                }
            }
            return nil
        }

        mutating func hex4(_ b: UnsafeBufferPointer<UInt8>) -> UInt32? {
            guard self.index + 4 <= self.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = b[self.index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: return nil
                }
                value = value << 4 | digit
                self.index += 1
            }
            return value
        }
    }
}

/// Claims read straight from the payload's bytes without `JSONDecoder` (the hot path of every request).
public protocol FlatJSONClaims: RegisteredClaims {
    init?(json: UnsafeBufferPointer<UInt8>)
}

extension AccessTokenClaims: FlatJSONClaims {
    /// One pass over the members. A registered claim of the wrong type (a string `exp`, a numeric `sub`) or given
    /// twice makes the payload malformed; unknown members are ignored.
    public init?(json: UnsafeBufferPointer<UInt8>) {
        var claims = AccessTokenClaims(iss: nil, sub: nil, aud: nil, exp: nil, nbf: nil, iat: nil, jti: nil, email: nil, name: nil)
        var seen: UInt16 = 0
        func once(_ bit: UInt16) -> Bool {
            defer { seen |= bit }
            return seen & bit == 0
        }
        let valid = FlatJSON.visit(json) { field in
            if field.isKey("sub") {
                claims.sub = field.string
                return once(1) && claims.sub != nil
            } else if field.isKey("exp") {
                claims.exp = field.integer
                return once(2) && claims.exp != nil
            } else if field.isKey("aud") {
                claims.aud = field.strings.map(Audience.init)
                return once(4) && claims.aud != nil
            } else if field.isKey("iss") {
                claims.iss = field.string
                return once(8) && claims.iss != nil
            } else if field.isKey("iat") {
                claims.iat = field.integer
                return once(16) && claims.iat != nil
            } else if field.isKey("nbf") {
                claims.nbf = field.integer
                return once(32) && claims.nbf != nil
            } else if field.isKey("jti") {
                claims.jti = field.string
                return once(64) && claims.jti != nil
            } else if field.isKey("email") {
                claims.email = field.string
                return once(128) && claims.email != nil
            } else if field.isKey("name") {
                claims.name = field.string
                return once(256) && claims.name != nil
            }
            return true
        }
        guard valid else { return nil }
        self = claims
    }
}
