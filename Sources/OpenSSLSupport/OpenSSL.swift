import COpenSSL
import Foundation
import WireFormat

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
        Hex.lowercase(self.sha256(data))
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
