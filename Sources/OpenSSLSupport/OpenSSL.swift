import COpenSSL
import Foundation

/// The one door to OpenSSL's libcrypto: MACs, key derivation, randomness and constant-time comparison.
///
/// Every function here is synchronous and CPU-bound. HMAC is microseconds and fine anywhere; `scrypt` is tens of
/// milliseconds by design, so callers must run it on a thread pool (see `PasswordHasher`).
public enum OpenSSL {
    /// OpenSSL's own version string, e.g. "OpenSSL 3.0.19 27 Jan 2026".
    public static var version: String {
        String(cString: OpenSSL_version(numericCast(OPENSSL_VERSION)))
    }

    /// HMAC-SHA256 of `data` under `key`.
    public static func hmacSHA256(key: some ContiguousBytes, data: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        key.withUnsafeBytes { keyBytes in
            data.withUnsafeBytes { dataBytes in
                _ = HMAC(
                    EVP_sha256(),
                    keyBytes.baseAddress, Int32(keyBytes.count),
                    dataBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), dataBytes.count,
                    &out, &outLength
                )
            }
        }
        return Array(out.prefix(Int(outLength)))
    }

    /// Self-check of the fast HMAC path against OpenSSL's own `HMAC()`, used by the tests.
    public static func hmacMatchesReference(key: [UInt8], data: [UInt8]) -> Bool {
        HMACKey(key: key).authenticate(data) == self.hmacSHA256(key: key, data: data)
    }

    /// SHA-256 digest.
    public static func sha256(_ data: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { bytes in
            _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &out)
        }
        return out
    }

    /// SHA-256 as 64 lowercase hex characters (for lookup keys derived from secrets: refresh tokens, codes, idempotency keys).
    public static func sha256Hex(_ data: some ContiguousBytes) -> String {
        self.sha256(data).map { String(format: "%02x", $0) }.joined()
    }

    /// Cryptographically secure random bytes from OpenSSL's DRBG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        // RAND_bytes only fails when the DRBG cannot be seeded, which on Linux means /dev/urandom is unusable;
        // continuing with zero bytes would be a silent security failure, so this is the one place we trap.
        precondition(RAND_bytes(&out, Int32(count)) == 1, "OpenSSL RAND_bytes failed: the system has no entropy source")
        return out
    }

    /// Compares two byte strings in time that depends only on their lengths (CRYPTO_memcmp).
    public static func constantTimeEquals(_ a: some ContiguousBytes, _ b: some ContiguousBytes) -> Bool {
        a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in
                guard left.count == right.count else { return false }
                if left.count == 0 { return true }
                return CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }

    /// scrypt (RFC 7914) through EVP_PBE_scrypt. Memory use is about 128 · r · N bytes.
    public static func scrypt(
        password: some ContiguousBytes, salt: some ContiguousBytes, n: UInt64, r: UInt64, p: UInt64, length: Int
    ) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: length)
        // OpenSSL refuses work above maxmem (default 32 MiB); allow the configured cost plus headroom.
        let maxMemory = 128 * r * n * p + 1024 * 1024 * 8
        let ok = password.withUnsafeBytes { pw in
            salt.withUnsafeBytes { s in
                EVP_PBE_scrypt(
                    pw.baseAddress?.assumingMemoryBound(to: CChar.self), pw.count,
                    s.baseAddress?.assumingMemoryBound(to: UInt8.self), s.count,
                    n, r, p, maxMemory, &out, length
                )
            }
        }
        return ok == 1 ? out : nil
    }
}

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
                let a = table[Int(input[index])], b = table[Int(input[index + 1])], c = table[Int(input[index + 2])], d = table[Int(input[index + 3])]
                if (a | b | c | d) & 0xC0 != 0 { return nil }
                out[written] = a << 2 | b >> 4
                out[written + 1] = (b & 0x0F) << 4 | c >> 2
                out[written + 2] = (c & 0x03) << 6 | d
                written += 3
                index += 4
            }
            if remainder == 2 {
                let a = table[Int(input[index])], b = table[Int(input[index + 1])]
                if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return nil }
                out[written] = a << 2 | b >> 4
                written += 1
            } else if remainder == 3 {
                let a = table[Int(input[index])], b = table[Int(input[index + 1])], c = table[Int(input[index + 2])]
                if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return nil }
                out[written] = a << 2 | b >> 4
                out[written + 1] = (b & 0x0F) << 4 | c >> 2
                written += 2
            }
            return written
        }
    }
}
