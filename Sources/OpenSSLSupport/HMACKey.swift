import COpenSSL
import Foundation

/// An HMAC-SHA256 key prepared once (RFC 2104): the SHA-256 states after absorbing `key ⊕ ipad` and `key ⊕ opad`
/// are computed at init, and each MAC starts from copies of them.
///
/// Written on OpenSSL's SHA-256 state functions rather than `HMAC()` / `EVP_MAC` because those fetch the algorithm,
/// allocate contexts and re-derive the pads on every call, which cost more than hashing a token; a role verifies a
/// token on every request. The states are plain structs copied by value, so concurrent use needs no lock.
public struct HMACKey: Sendable {
    private let inner: SHA256_CTX
    private let outer: SHA256_CTX

    public init(key: some ContiguousBytes) {
        var block = [UInt8](repeating: 0, count: 64)
        key.withUnsafeBytes { bytes in
            if bytes.count > 64 {
                var digest = [UInt8](repeating: 0, count: 32)
                _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &digest)
                block.replaceSubrange(0..<32, with: digest)
            } else {
                for index in 0..<bytes.count { block[index] = bytes[index] }
            }
        }
        var inner = SHA256_CTX()
        var outer = SHA256_CTX()
        SHA256_Init(&inner)
        SHA256_Init(&outer)
        let innerPad = block.map { $0 ^ 0x36 }
        let outerPad = block.map { $0 ^ 0x5C }
        SHA256_Update(&inner, innerPad, 64)
        SHA256_Update(&outer, outerPad, 64)
        self.inner = inner
        self.outer = outer
    }

    /// HMAC-SHA256 of `data` (32 bytes).
    public func authenticate(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var inner = self.inner
        var outer = self.outer
        var digest = [UInt8](repeating: 0, count: 32)
        SHA256_Update(&inner, data.baseAddress, data.count)
        SHA256_Final(&digest, &inner)
        SHA256_Update(&outer, digest, 32)
        SHA256_Final(&digest, &outer)
        return digest
    }

    /// Whether `mac` is the HMAC of `data`, compared in constant time, without allocating.
    public func verify(_ mac: UnsafeRawBufferPointer, of data: UnsafeRawBufferPointer) -> Bool {
        guard mac.count == 32 else { return false }
        var inner = self.inner
        var outer = self.outer
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
            SHA256_Update(&inner, data.baseAddress, data.count)
            SHA256_Final(digest.baseAddress, &inner)
            SHA256_Update(&outer, digest.baseAddress, 32)
            SHA256_Final(digest.baseAddress, &outer)
            return CRYPTO_memcmp(mac.baseAddress, digest.baseAddress, 32) == 0
        }
    }

    public func authenticate(_ data: some ContiguousBytes) -> [UInt8] {
        data.withUnsafeBytes { self.authenticate($0) }
    }
}
