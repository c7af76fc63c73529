import NIOCore

/// Reads multipart/form-data (RFC 7578, framing of RFC 2046 §5.1) as it arrives, keeping one part (by field name) in
/// full and bounding everything else: the number of parts, headers per part, a header line's size, and what is kept of
/// the other parts. The work is linear in the input: each byte is scanned a bounded number of times (at most the
/// delimiter's length when a delimiter straddles two chunks).
///
/// Hand-written, not MultipartKit's parser: MultipartKit 4.7.1 (the version available here) indexes a 128-entry table
/// with any header-name byte, so one part header with a byte ≥ 0x80 in its name trapped the invoice role — found by
/// the multipart fuzz target within a hundred inputs. The grammar is small; owning it also lets the limits apply as it
/// goes, and the kept part's first body chunk stay a view of the input buffer (a body read whole is held once).
public struct MultipartFormReader {
    public struct Limits: Sendable {
        public var parts: Int
        public var headersPerPart: Int
        public var headerBytes: Int
        public var otherPartBytes: Int
        public init(parts: Int, headersPerPart: Int, headerBytes: Int, otherPartBytes: Int) {
            self.parts = parts
            self.headersPerPart = headersPerPart
            self.headerBytes = headerBytes
            self.otherPartBytes = otherPartBytes
        }
    }

    public struct Part: Sendable {
        /// Header names lower-cased.
        public var headers: [String: String] = [:]
        public var body = ByteBuffer()
        public var name: String? { HeaderValues.parameter("name", in: self.headers["content-disposition"] ?? "") }
    }

    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    enum Phase {
        /// Before the first delimiter (the preamble is ignored).
        case preamble
        /// Just after a delimiter: "--" closes the form, CRLF (after optional transport padding) opens a part.
        case afterDelimiter
        case headers
        case body
        /// After the close delimiter: the epilogue is ignored.
        case done
    }

    let field: String
    let limits: Limits
    /// "--boundary"
    let delimiter: [UInt8]
    /// CRLF "--boundary": what ends a part's body.
    let bodyDelimiter: [UInt8]
    var pending = ByteBuffer()
    var phase = Phase.preamble
    var current = Part()
    var keepingCurrent = false
    var parts = 0
    public private(set) var kept: Part?

    public init(boundary: String, keep field: String, limits: Limits) {
        self.field = field
        self.limits = limits
        self.delimiter = Array("--\(boundary)".utf8)
        self.bodyDelimiter = [13, 10] + self.delimiter
    }

    /// Feeds the next chunk; throws when the form is malformed or over a limit.
    public mutating func feed(_ chunk: ByteBuffer) throws(Malformed) {
        if self.pending.readableBytes == 0 {
            self.pending = chunk
        } else {
            var chunk = chunk
            self.pending.writeBuffer(&chunk)
        }
        while try self.step() {}
    }

    /// Whether the form's close delimiter was seen.
    public var isComplete: Bool { if case .done = self.phase { true } else { false } }

    /// One step of the state machine; false when it needs more input.
    mutating func step() throws(Malformed) -> Bool {
        switch self.phase {
        case .done:
            self.pending.moveReaderIndex(forwardBy: self.pending.readableBytes)
            return false
        case .preamble:
            // The first delimiter may open the body, or follow a preamble after a CRLF.
            if self.pending.readableBytes >= self.delimiter.count, self.starts(with: self.delimiter) {
                self.pending.moveReaderIndex(forwardBy: self.delimiter.count)
                self.phase = .afterDelimiter
                return true
            }
            if let index = self.find(self.bodyDelimiter) {
                self.pending.moveReaderIndex(forwardBy: index + self.bodyDelimiter.count)
                self.phase = .afterDelimiter
                return true
            }
            self.keepOnlyPossibleDelimiterStart()
            return false
        case .afterDelimiter:
            var index = 0
            let bytes = self.pending.readableBytesView
            // Transport padding: spaces and tabs before the CRLF (RFC 2046), at most a few.
            while index < bytes.count, index < 16, let byte = self.byte(at: index), byte == 0x20 || byte == 0x09 { index += 1 }
            guard index + 2 <= bytes.count, let first = self.byte(at: index), let second = self.byte(at: index + 1) else {
                if bytes.count > 18 { throw Malformed(description: "The multipart body is malformed.") }
                return false
            }
            if first == 0x2D, second == 0x2D, index == 0 {
                self.phase = .done
                return true
            }
            guard first == 13, second == 10 else { throw Malformed(description: "The multipart body is malformed.") }
            self.pending.moveReaderIndex(forwardBy: index + 2)
            self.parts += 1
            guard self.parts <= self.limits.parts else { throw Malformed(description: "The form has too many parts.") }
            self.current = Part()
            self.phase = .headers
            return true
        case .headers:
            let sectionLimit = self.limits.headersPerPart * (self.limits.headerBytes + 2) + 2
            // An empty header section is just the CRLF that ends it.
            if self.pending.readableBytes >= 2, self.byte(at: 0) == 13, self.byte(at: 1) == 10 {
                self.pending.moveReaderIndex(forwardBy: 2)
                try self.beginBody()
                return true
            }
            guard let end = self.find([13, 10, 13, 10], within: sectionLimit + 4) else {
                if self.pending.readableBytes > sectionLimit { throw Malformed(description: "A part has too many or too long headers.") }
                return false
            }
            guard let section = self.pending.readBytes(length: end) else { return false }
            self.pending.moveReaderIndex(forwardBy: 4)
            try self.parseHeaders(section)
            try self.beginBody()
            return true
        case .body:
            if let index = self.find(self.bodyDelimiter) {
                if index > 0, let slice = self.pending.readSlice(length: index) { self.append(slice) }
                self.pending.moveReaderIndex(forwardBy: self.bodyDelimiter.count)
                if self.keepingCurrent, self.kept == nil { self.kept = self.current }
                self.current = Part()
                self.phase = .afterDelimiter
                return true
            }
            // Everything but what could be the start of a delimiter is body.
            let safe = self.pending.readableBytes - (self.bodyDelimiter.count - 1)
            if safe > 0, let slice = self.pending.readSlice(length: safe) { self.append(slice) }
            return false
        }
    }

    mutating func beginBody() throws(Malformed) {
        self.keepingCurrent = self.current.name == self.field
        self.phase = .body
    }

    mutating func append(_ slice: ByteBuffer) {
        if self.keepingCurrent {
            // The first chunk is kept as the view it is; only a part arriving in several chunks is gathered.
            if self.current.body.readableBytes == 0 {
                self.current.body = slice
            } else {
                var slice = slice
                self.current.body.writeBuffer(&slice)
            }
        } else if self.current.body.readableBytes + slice.readableBytes <= self.limits.otherPartBytes {
            var slice = slice
            self.current.body.writeBuffer(&slice)
        }
    }

    mutating func parseHeaders(_ section: [UInt8]) throws(Malformed) {
        var count = 0
        var start = 0
        while start <= section.count {
            var end = start
            while end + 1 < section.count, !(section[end] == 13 && section[end + 1] == 10) { end += 1 }
            if end + 1 >= section.count { end = section.count }
            let line = section[start..<end]
            start = end + 2
            if line.isEmpty { continue }
            count += 1
            guard count <= self.limits.headersPerPart, line.count <= self.limits.headerBytes else {
                throw Malformed(description: "A part has too many or too long headers.")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw Malformed(description: "A part header has no name.") }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            guard HeaderValues.isToken(Substring(name)) else { throw Malformed(description: "A part header's name is not a token.") }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
            self.current.headers[name.lowercased()] = String(HeaderValues.trimmed(Substring(value)))
        }
    }

    func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < self.pending.readableBytes else { return nil }
        return self.pending.getInteger(at: self.pending.readerIndex + offset, as: UInt8.self)
    }

    func starts(with prefix: [UInt8]) -> Bool {
        guard self.pending.readableBytes >= prefix.count else { return false }
        return self.pending.withUnsafeReadableBytes { bytes in prefix.indices.allSatisfy { bytes[$0] == prefix[$0] } }
    }

    /// The offset of `needle` in the pending bytes (within the first `limit` bytes when given).
    func find(_ needle: [UInt8], within limit: Int? = nil) -> Int? {
        guard let first = needle.first else { return nil }
        return self.pending.withUnsafeReadableBytes { bytes -> Int? in
            let end = min(bytes.count, limit ?? bytes.count)
            guard end >= needle.count else { return nil }
            var index = 0
            while index <= end - needle.count {
                if bytes[index] == first {
                    var matched = 1
                    while matched < needle.count, bytes[index + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return index }
                }
                index += 1
            }
            return nil
        }
    }

    /// In the preamble, nothing before the last delimiter-length bytes can start a delimiter any more.
    mutating func keepOnlyPossibleDelimiterStart() {
        let drop = self.pending.readableBytes - (self.bodyDelimiter.count - 1)
        if drop > 0 { self.pending.moveReaderIndex(forwardBy: drop) }
    }
}
