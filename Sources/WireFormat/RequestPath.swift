/// The one spelling of a request path that the roles accept.
///
/// Routers and upstreams normalise paths in their own ways (Hummingbird's trie skips empty segments, so `//api/x`
/// routes like `/api/x`; curl and services may resolve `..`). A limit, a log line or a route decision taken on the raw
/// path could then apply to another route than the one that answers. So the gateway refuses every other spelling:
/// a canonical path starts with `/`, has no empty segment (`//`, a trailing `/`), no `.` or `..` segment, and no
/// percent-encoding except of characters that must be encoded (never of `/`, `.`, or an unreserved character).
public enum RequestPath {
    public static func isCanonical(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/"), bytes.count <= 8192 else { return false }
        if bytes.count == 1 { return true }
        guard bytes.last != UInt8(ascii: "/") else { return false }
        var index = 1
        var segmentStart = 1
        while index <= bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: "/") {
                let segment = bytes[segmentStart..<index]
                if segment.isEmpty || segment.elementsEqual([0x2E]) || segment.elementsEqual([0x2E, 0x2E]) { return false }
                segmentStart = index + 1
                index += 1
                continue
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = Self.hex(bytes[index + 1]), let low = Self.hex(bytes[index + 2]) else { return false }
                let decoded = high << 4 | low
                // An encoded unreserved character, slash or dot has a plainer spelling: refuse it.
                if Self.isUnreserved(decoded) || decoded == UInt8(ascii: "/") || decoded < 0x20 || decoded == 0x7F { return false }
                index += 3
                continue
            }
            guard byte > 0x20, byte < 0x7F else { return false }
            index += 1
        }
        return true
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
