#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader for the small, flat JSON objects that JWT headers and claim sets are.
///
/// Written by hand because Foundation's `JSONDecoder` costs several microseconds per token — more than HMAC-SHA256
/// itself — and every request of every role verifies a token. It validates the whole object in one pass (strict JSON:
/// escapes, UTF-8, number grammar, nesting depth, no duplicate members — RFC 7515 §4 lets verifiers refuse those, and
/// they would make `aud` or `sub` ambiguous), remembers where each member's value lies, and turns only the members a
/// caller asks for into Swift values.
public struct FlatJSON: Sendable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case number(Double)
        case bool(Bool)
        case null
        case strings([String])
        case other
    }

    enum Kind: Sendable { case string, number, trueValue, falseValue, null, array, object }

    struct Member: Sendable {
        var keyStart: Int
        var keyEnd: Int
        var keyEscaped: Bool
        var kind: Kind
        var start: Int
        var end: Int
        var escaped: Bool
    }

    let bytes: [UInt8]
    let members: [Member]

    /// Parses `bytes`; nil when they are not exactly one valid JSON object.
    public init?(_ bytes: [UInt8]) {
        var parser = Parser(bytes: bytes)
        guard let members = bytes.withUnsafeBufferPointer({ parser.parseTopObject($0) }) else { return nil }
        self.bytes = bytes
        self.members = members
        guard !self.hasDuplicateKeys() else { return nil }
    }

    private func hasDuplicateKeys() -> Bool {
        if self.members.contains(where: \.keyEscaped) {
            let keys = self.members.map { self.text($0.keyStart, $0.keyEnd, escaped: $0.keyEscaped) }
            return Set(keys).count != keys.count
        }
        for (index, member) in self.members.enumerated() {
            for other in self.members[(index + 1)...] where other.keyEnd - other.keyStart == member.keyEnd - member.keyStart {
                if self.bytes[member.keyStart..<member.keyEnd].elementsEqual(self.bytes[other.keyStart..<other.keyEnd]) { return true }
            }
        }
        return false
    }

    func member(_ key: String) -> Member? {
        var key = key
        return key.withUTF8 { wanted in
            self.bytes.withUnsafeBufferPointer { all in
                for member in self.members {
                    if member.keyEscaped {
                        if self.text(member.keyStart, member.keyEnd, escaped: true).utf8.elementsEqual(wanted) { return member }
                    } else if member.keyEnd - member.keyStart == wanted.count,
                        wanted.count == 0 || memcmp(all.baseAddress! + member.keyStart, wanted.baseAddress!, wanted.count) == 0
                    {
                        return member
                    }
                }
                return nil
            }
        }
    }

    /// Each member's key, materialised (short keys are small strings: no allocation), with its position.
    func forEachKey(_ body: (String, Member) throws -> Void) rethrows {
        for member in self.members { try body(self.text(member.keyStart, member.keyEnd, escaped: member.keyEscaped), member) }
    }

    func string(_ member: Member) -> String? {
        member.kind == .string ? self.text(member.start, member.end, escaped: member.escaped) : nil
    }

    func integer(_ member: Member) -> Int64? {
        switch self.number(member) {
        case .integer(let value)?: return value
        case .number(let value)? where value.rounded(.down) == value && abs(value) < 9e15: return Int64(value)
        default: return nil
        }
    }

    func strings(_ member: Member) -> [String]? {
        switch member.kind {
        case .string: return [self.text(member.start, member.end, escaped: member.escaped)]
        case .array: return self.stringArray(member)
        default: return nil
        }
    }

    public func contains(_ key: String) -> Bool { self.member(key) != nil }

    public subscript(_ key: String) -> Value? {
        guard let member = self.member(key) else { return nil }
        switch member.kind {
        case .string: return .string(self.text(member.start, member.end, escaped: member.escaped))
        case .number: return self.number(member)
        case .trueValue: return .bool(true)
        case .falseValue: return .bool(false)
        case .null: return .null
        case .array: return self.stringArray(member).map(Value.strings) ?? .other
        case .object: return .other
        }
    }

    public func string(_ key: String) -> String? {
        guard let member = self.member(key), member.kind == .string else { return nil }
        return self.text(member.start, member.end, escaped: member.escaped)
    }

    public func integer(_ key: String) -> Int64? {
        guard let member = self.member(key) else { return nil }
        switch self.number(member) {
        case .integer(let value)?: return value
        case .number(let value)? where value.rounded(.down) == value && abs(value) < 9e15: return Int64(value)
        default: return nil
        }
    }

    public func bool(_ key: String) -> Bool? {
        switch self.member(key)?.kind {
        case .trueValue?: return true
        case .falseValue?: return false
        default: return nil
        }
    }

    /// A string or an array of strings (`aud`).
    public func strings(_ key: String) -> [String]? {
        guard let member = self.member(key) else { return nil }
        switch member.kind {
        case .string: return [self.text(member.start, member.end, escaped: member.escaped)]
        case .array: return self.stringArray(member)
        default: return nil
        }
    }

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

        public var string: String? { self.kind == .string ? (self.escaped ? FlatJSON.decodeString(self.value) : String(decoding: self.value, as: UTF8.self)) : nil }

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
                    guard let number = Double(String(decoding: self.value, as: UTF8.self)), number.rounded(.down) == number, abs(number) < 9e15 else { return nil }
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
                    guard parser.index < self.value.count, self.value[parser.index] == UInt8(ascii: "\""), let string = parser.unescapeString(self.value) else { return nil }
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
                    field = Field(key: key, keyEscaped: keyEscaped, kind: .string, value: UnsafeBufferPointer(rebasing: b[start..<(parser.index - 1)]), escaped: escaped)
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

    // MARK: Materialising values (the parser already validated them)

    private func text(_ start: Int, _ end: Int, escaped: Bool) -> String {
        guard escaped else { return String(decoding: self.bytes[start..<end], as: UTF8.self) }
        return self.bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: self.bytes)
            parser.index = start - 1
            return parser.unescapeString(buffer) ?? ""
        }
    }

    private func number(_ member: Member) -> Value? {
        guard member.kind == .number else { return nil }
        var value: Int64 = 0
        var negative = false
        var isInteger = true
        for index in member.start..<member.end {
            let byte = self.bytes[index]
            if byte == UInt8(ascii: "-") && index == member.start {
                negative = true
            } else if byte >= 0x30 && byte <= 0x39 {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(Int64(byte - 0x30))
                if overflow1 || overflow2 { isInteger = false }
                value = plus
            } else {
                isInteger = false
            }
        }
        if isInteger { return .integer(negative ? -value : value) }
        return Double(String(decoding: self.bytes[member.start..<member.end], as: UTF8.self)).map(Value.number)
    }

    private func stringArray(_ member: Member) -> [String]? {
        self.bytes.withUnsafeBufferPointer { buffer -> [String]? in
            var parser = Parser(bytes: self.bytes)
            parser.index = member.start + 1
            var strings: [String] = []
            if parser.expect(buffer, UInt8(ascii: "]")) { return strings }
            repeat {
                parser.skipWhitespace(buffer)
                guard parser.index < buffer.count, buffer[parser.index] == UInt8(ascii: "\""), let string = parser.unescapeString(buffer) else { return nil }
                strings.append(string)
            } while parser.expect(buffer, UInt8(ascii: ","))
            return strings
        }
    }

    // MARK: The validating parser

    struct Parser {
        let count: Int
        var index = 0

        init(bytes: [UInt8]) { self.count = bytes.count }
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

        mutating func parseTopObject(_ b: UnsafeBufferPointer<UInt8>) -> [Member]? {
            guard self.expect(b, UInt8(ascii: "{")) else { return nil }
            var members: [Member] = []
            members.reserveCapacity(12)
            if !self.expect(b, UInt8(ascii: "}")) {
                repeat {
                    self.skipWhitespace(b)
                    let keyStart = self.index + 1
                    guard let keyEscaped = self.scanString(b) else { return nil }
                    let keyEnd = self.index - 1
                    guard self.expect(b, UInt8(ascii: ":")) else { return nil }
                    self.skipWhitespace(b)
                    guard self.index < self.count else { return nil }
                    let first = b[self.index]
                    var member = Member(keyStart: keyStart, keyEnd: keyEnd, keyEscaped: keyEscaped, kind: .null, start: self.index, end: 0, escaped: false)
                    switch first {
                    case UInt8(ascii: "\""):
                        member.kind = .string
                        member.start = self.index + 1
                        guard let escaped = self.scanString(b) else { return nil }
                        member.escaped = escaped
                        member.end = self.index - 1
                    default:
                        guard let kind = self.scanValue(b, depth: 1) else { return nil }
                        member.kind = kind
                        member.end = self.index
                    }
                    members.append(member)
                } while self.expect(b, UInt8(ascii: ","))
                guard self.expect(b, UInt8(ascii: "}")) else { return nil }
            }
            self.skipWhitespace(b)
            return self.index == self.count ? members : nil
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
