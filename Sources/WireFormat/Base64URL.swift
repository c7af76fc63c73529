import Foundation

/// base64url without padding (RFC 4648 §5), strict and canonical: only the URL-safe alphabet, no padding, no
/// whitespace, and the unused low bits of the last character must be zero (so every byte string has exactly one
/// encoding, as RFC 7515 §2 requires of JWS segments).
///
/// Hand-written because Foundation's decoder takes only the standard alphabet with padding, accepts non-canonical
/// trailing bits, and costs a String rewrite per call on the token-verification hot path.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }()

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(alphabet[Int(chunk >> 6 & 63)])
            out.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let chunk = UInt32(input[index]) << 16
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
        case 2:
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(alphabet[Int(chunk >> 6 & 63)])
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes; nil for any character outside the alphabet, an impossible length, or non-zero unused bits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { Self.decode(UnsafeBufferPointer($0)) }
    }

    public static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let capacity = self.decodedLength(input.count) else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            if self.decode(input, into: out) == nil {
                // Zero it so the array never exposes uninitialised memory, even when refused.
                out.initialize(repeating: 0)
                valid = false
            }
            initialized = capacity
        }
        return valid ? out : nil
    }

    /// The decoded size of `count` characters, or nil for a length no encoder produces.
    public static func decodedLength(_ count: Int) -> Int? {
        let remainder = count % 4
        if remainder == 1 { return nil }
        return count / 4 * 3 + (remainder == 0 ? 0 : remainder - 1)
    }

    /// Decodes into `out` (at least `decodedLength` bytes); returns the byte count, or nil when `input` is not
    /// canonical base64url.
    public static func decode(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard let length = self.decodedLength(input.count), out.count >= length else { return nil }
        let remainder = input.count % 4
        return Self.values.withUnsafeBufferPointer { table -> Int? in
            var index = 0
            var written = 0
            while index + 4 <= input.count {
                let a = table[Int(input[index])]
                let b = table[Int(input[index + 1])]
                let c = table[Int(input[index + 2])]
                let d = table[Int(input[index + 3])]
                if (a | b | c | d) & 0xC0 != 0 { return nil }
                out[written] = a << 2 | b >> 4
                out[written + 1] = (b & 0x0F) << 4 | c >> 2
                out[written + 2] = (c & 0x03) << 6 | d
                written += 3
                index += 4
            }
            if remainder == 2 {
                let a = table[Int(input[index])]
                let b = table[Int(input[index + 1])]
                if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return nil }
                out[written] = a << 2 | b >> 4
                written += 1
            } else if remainder == 3 {
                let a = table[Int(input[index])]
                let b = table[Int(input[index + 1])]
                let c = table[Int(input[index + 2])]
                if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return nil }
                out[written] = a << 2 | b >> 4
                out[written + 1] = (b & 0x0F) << 4 | c >> 2
                written += 2
            }
            return written
        }
    }
}
