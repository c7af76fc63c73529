import COpenSSL
import Foundation
import Synchronization

/// An RSA or P-256 key (public, or a key pair) held as an OpenSSL `EVP_PKEY`.
///
/// `@unchecked Sendable`: an `EVP_PKEY` that is no longer modified may be used for signing and verifying from
/// several threads at once (OpenSSL 3 threading rules); this type never modifies it after creation, and every
/// operation creates its own `EVP_MD_CTX`. The pointer never leaves this type.
public final class PKey: @unchecked Sendable {
    public enum Kind: Equatable, Sendable {
        case rsa(bits: Int)
        case p256
        case unsupported(String)
    }

    private let pointer: OpaquePointer
    public let kind: Kind
    public let hasPrivateKey: Bool
    /// A verify context set up once (algorithm fetched, SHA-256 chosen). Verifications reuse initialised copies of it
    /// from a small pool — an `EVP_PKEY_CTX` serves any number of `EVP_PKEY_verify` calls, one thread at a time — which
    /// skips the provider look-ups `EVP_DigestVerifyInit` repeats on every call. The template itself is read-only.
    private let verifyTemplate: OpaquePointer?
    private let verifyPool = Mutex<[PooledContext]>([])
    /// An `EVP_PKEY_CTX` parked in the pool; only one thread holds it at a time (popped under the lock).
    private struct PooledContext: @unchecked Sendable {
        let pointer: OpaquePointer
    }
    private static let maximumPooledContexts = 16

    private init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        if EVP_PKEY_is_a(pointer, "RSA") == 1 {
            self.kind = .rsa(bits: Int(EVP_PKEY_get_bits(pointer)))
        } else if EVP_PKEY_is_a(pointer, "EC") == 1 {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            EVP_PKEY_get_utf8_string_param(pointer, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, &length)
            let group = String(cString: name)
            self.kind = group == "prime256v1" || group == "P-256" ? .p256 : .unsupported("EC \(group)")
        } else {
            self.kind = .unsupported(String(cString: EVP_PKEY_get0_type_name(pointer)))
        }
        var secret: OpaquePointer?
        let privateName = EVP_PKEY_is_a(pointer, "RSA") == 1 ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY
        self.hasPrivateKey = EVP_PKEY_get_bn_param(pointer, privateName, &secret) == 1
        BN_clear_free(secret)
        var template = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil)
        if EVP_PKEY_verify_init(template) != 1 || EVP_PKEY_CTX_set_signature_md(template, EVP_sha256()) != 1 {
            EVP_PKEY_CTX_free(template)
            template = nil
        }
        ERR_clear_error()
        self.verifyTemplate = template
    }

    deinit {
        self.verifyPool.withLock { pool in for context in pool { EVP_PKEY_CTX_free(context.pointer) } }
        EVP_PKEY_CTX_free(self.verifyTemplate)
        EVP_PKEY_free(self.pointer)
    }

    // MARK: Loading

    /// Reads one PEM block: a private key (PKCS#8 or traditional) or a public key (SubjectPublicKeyInfo).
    public static func pem(_ text: String) throws -> PKey {
        let bytes = Array(text.utf8)
        if let key = Self.readPEM(bytes, { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }) { return key }
        if let key = Self.readPEM(bytes, { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }) { return key }
        throw OpenSSLError("not a PEM private or public key")
    }

    private static func readPEM(_ bytes: [UInt8], _ read: (OpaquePointer?) -> OpaquePointer?) -> PKey? {
        bytes.withUnsafeBytes { buffer -> PKey? in
            let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count))
            defer { BIO_free(bio) }
            guard let key = read(bio) else {
                ERR_clear_error()
                return nil
            }
            return PKey(taking: key)
        }
    }

    /// Splits text holding several PEM blocks ("-----BEGIN …" to "-----END …-----") into the blocks.
    public static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-----BEGIN ") { current = [] }
            current.append(Substring(trimmed))
            if trimmed.hasPrefix("-----END ") {
                blocks.append(current.joined(separator: "\n") + "\n")
                current = []
            }
        }
        return blocks
    }

    /// An RSA public key from its JWK members (big-endian modulus and exponent).
    public static func rsaPublic(modulus: [UInt8], exponent: [UInt8]) throws -> PKey {
        try Self.fromData(type: "RSA", [.bigNumber("n", modulus), .bigNumber("e", exponent)])
    }

    /// A P-256 public key from its JWK coordinates (32 bytes each).
    public static func p256Public(x: [UInt8], y: [UInt8]) throws -> PKey {
        guard x.count == 32, y.count == 32 else { throw OpenSSLError("P-256 coordinates must be 32 bytes") }
        // The uncompressed SEC1 point: 0x04 || x || y.
        return try Self.fromData(type: "EC", [.utf8("group", "P-256"), .octets("pub", [0x04] + x + y)])
    }

    private enum Param {
        case bigNumber(String, [UInt8])
        case utf8(String, String)
        case octets(String, [UInt8])
    }

    /// Builds a public key from parameters. `OSSL_PARAM_BLD` keeps the *pointers* it is given (key names, BIGNUMs,
    /// buffers) until `OSSL_PARAM_BLD_to_param`, so everything is copied into C memory that lives until the key exists.
    private static func fromData(type: String, _ params: [Param]) throws -> PKey {
        let builder = OSSL_PARAM_BLD_new()
        defer { OSSL_PARAM_BLD_free(builder) }
        var cStrings: [UnsafeMutablePointer<CChar>] = []
        var numbers: [OpaquePointer?] = []
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer {
            for string in cStrings { free(string) }
            for number in numbers { BN_free(number) }
            for buffer in buffers { buffer.deallocate() }
        }
        func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
            let copy = strdup(text)!
            cStrings.append(copy)
            return copy
        }
        var pushed = true
        for param in params {
            switch param {
            case .bigNumber(let name, let bytes):
                let number = BN_bin2bn(bytes, Int32(bytes.count), nil)
                numbers.append(number)
                pushed = pushed && OSSL_PARAM_BLD_push_BN(builder, cString(name), number) == 1
            case .utf8(let name, let value):
                pushed = pushed && OSSL_PARAM_BLD_push_utf8_string(builder, cString(name), cString(value), 0) == 1
            case .octets(let name, let bytes):
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
                buffer.copyBytes(from: bytes)
                buffers.append(buffer)
                pushed = pushed && OSSL_PARAM_BLD_push_octet_string(builder, cString(name), buffer.baseAddress, buffer.count) == 1
            }
        }
        guard pushed, let built = OSSL_PARAM_BLD_to_param(builder) else { throw OpenSSLError.last("cannot build \(type) key parameters") }
        defer { OSSL_PARAM_free(built) }
        let context = EVP_PKEY_CTX_new_from_name(nil, type, nil)
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) == 1, EVP_PKEY_fromdata(context, &key, Int32(copenssl_selection_public_key), built) == 1, let key else {
            throw OpenSSLError.last("invalid \(type) public key")
        }
        return PKey(taking: key)
    }

    /// A new RSA key pair (`bits` ≥ 2048) or P-256 key pair.
    public static func generate(_ kind: Kind) throws -> PKey {
        let context: OpaquePointer?
        switch kind {
        case .rsa: context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil)
        case .p256: context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil)
        case .unsupported(let name): throw OpenSSLError("cannot generate \(name) keys")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw OpenSSLError.last("keygen init") }
        switch kind {
        case .rsa(let bits): guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else { throw OpenSSLError.last("RSA bits") }
        case .p256: guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else { throw OpenSSLError.last("EC group") }
        case .unsupported: break
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else { throw OpenSSLError.last("key generation") }
        return PKey(taking: key)
    }

    // MARK: Export

    public func publicPEM() -> String { self.writePEM { bio in PEM_write_bio_PUBKEY(bio, self.pointer) } }

    /// PKCS#8 PEM of the private key; only for keys that have one.
    public func privatePEM() -> String { self.writePEM { bio in PEM_write_bio_PrivateKey(bio, self.pointer, nil, nil, 0, nil, nil) } }

    private func writePEM(_ write: (OpaquePointer?) -> Int32) -> String {
        let bio = BIO_new(BIO_s_mem())
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)  // BIO_get_mem_data is a macro over BIO_ctrl
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// RSA modulus and exponent, big-endian, for a JWK.
    public func rsaComponents() -> (modulus: [UInt8], exponent: [UInt8])? {
        guard case .rsa = self.kind, let n = self.bigNumber(OSSL_PKEY_PARAM_RSA_N), let e = self.bigNumber(OSSL_PKEY_PARAM_RSA_E) else { return nil }
        return (n, e)
    }

    /// P-256 public point coordinates, 32 bytes each, for a JWK.
    public func p256Coordinates() -> (x: [UInt8], y: [UInt8])? {
        guard self.kind == .p256, let x = self.bigNumber(OSSL_PKEY_PARAM_EC_PUB_X, padTo: 32), let y = self.bigNumber(OSSL_PKEY_PARAM_EC_PUB_Y, padTo: 32)
        else {
            return nil
        }
        return (x, y)
    }

    private func bigNumber(_ name: String, padTo width: Int = 0) -> [UInt8]? {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(self.pointer, name, &number) == 1, let number else { return nil }
        defer { BN_free(number) }
        let length = max(width, Int((BN_num_bits(number) + 7) / 8))
        var out = [UInt8](repeating: 0, count: length)
        guard BN_bn2binpad(number, &out, Int32(length)) == Int32(length) else { return nil }
        return out
    }

    // MARK: Signatures over SHA-256

    /// RSASSA-PKCS1-v1_5 (RSA) or ECDSA (EC, DER-encoded) over SHA-256 of `data`.
    public func signSHA256(_ data: some ContiguousBytes) throws -> [UInt8] {
        guard self.hasPrivateKey else { throw OpenSSLError("signing needs a private key") }
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit_ex(context, nil, "SHA256", nil, nil, self.pointer, nil) == 1 else { throw OpenSSLError.last("sign init") }
        return try data.withUnsafeBytes { bytes -> [UInt8] in
            var length = 0
            let input = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard EVP_DigestSign(context, nil, &length, input, bytes.count) == 1 else { throw OpenSSLError.last("sign size") }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &signature, &length, input, bytes.count) == 1 else { throw OpenSSLError.last("sign") }
            return Array(signature.prefix(length))
        }
    }

    /// Verifies a signature made by `signSHA256`'s algorithm (DER for ECDSA).
    public func verifySHA256(_ signature: [UInt8], of data: some ContiguousBytes) -> Bool {
        var digest = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { bytes in _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &digest) }
        if let template = self.verifyTemplate, let context = self.verifyPool.withLock({ $0.popLast() })?.pointer ?? EVP_PKEY_CTX_dup(template) {
            let ok = EVP_PKEY_verify(context, signature, signature.count, digest, digest.count)
            if ok != 1 { ERR_clear_error() }
            let kept = self.verifyPool.withLock { pool -> Bool in
                guard pool.count < Self.maximumPooledContexts else { return false }
                pool.append(PooledContext(pointer: context))
                return true
            }
            if !kept { EVP_PKEY_CTX_free(context) }
            return ok == 1
        }
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit_ex(context, nil, "SHA256", nil, nil, self.pointer, nil) == 1 else {
            ERR_clear_error()
            return false
        }
        let ok = data.withUnsafeBytes { bytes in
            EVP_DigestVerify(context, signature, signature.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        if ok != 1 { ERR_clear_error() }
        return ok == 1
    }

    // MARK: ECDSA signature encodings (JOSE wants raw r||s, OpenSSL speaks DER)

    /// DER ECDSA-Sig-Value → 64 bytes r||s.
    public static func ecdsaRaw(fromDER der: [UInt8]) -> [UInt8]? {
        der.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let signature = d2i_ECDSA_SIG(nil, &cursor, buffer.count) else { return nil }
            defer { ECDSA_SIG_free(signature) }
            var r: OpaquePointer?
            var s: OpaquePointer?
            ECDSA_SIG_get0(signature, &r, &s)
            var out = [UInt8](repeating: 0, count: 64)
            guard BN_bn2binpad(r, &out, 32) == 32 else { return nil }
            let ok = out.withUnsafeMutableBufferPointer { BN_bn2binpad(s, $0.baseAddress! + 32, 32) }
            return ok == 32 ? out : nil
        }
    }

    /// 64 bytes r||s → DER ECDSA-Sig-Value.
    public static func ecdsaDER(fromRaw raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 64, let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        let r = BN_bin2bn(raw, 32, nil)
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + 32, 32, nil) }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? out : nil
    }
}

/// An OpenSSL failure, with the library's own reason where it gave one.
public struct OpenSSLError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func last(_ context: String) -> OpenSSLError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return OpenSSLError(context) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return OpenSSLError("\(context): \(reason)")
    }
}
