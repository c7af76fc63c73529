import OpenSSLSupport
import WireFormat

/// A JWS algorithm bound to one key: the tiny protocol jwt-kit uses.
public protocol JWTAlgorithm: Sendable {
    /// The JOSE `alg` name this key may be used with, and only this one.
    var name: String { get }
    func sign(_ input: [UInt8]) throws -> [UInt8]
    /// True when `signature` is this key's signature of `input`. Secret-dependent comparisons are constant time.
    func verify(_ signature: UnsafeRawBufferPointer, signs input: UnsafeRawBufferPointer) -> Bool
    /// The public half as a JWK, for the JWK Set; nil for symmetric keys, which are never published.
    var publicJWK: JWK? { get }
}

/// HMAC-SHA256 with a secret of at least 256 bits (RFC 7518 §3.2 requires a key as long as the hash).
public struct HS256: JWTAlgorithm {
    public static let minimumSecretBytes = 32
    public var name: String { "HS256" }
    public var publicJWK: JWK? { nil }
    private let key: HMACKey

    public init(secret: some Collection<UInt8>) throws {
        guard secret.count >= Self.minimumSecretBytes else {
            throw JWTError.invalidKey("an HS256 secret needs at least \(Self.minimumSecretBytes) bytes, got \(secret.count)")
        }
        self.key = HMACKey(key: Array(secret))
    }

    public func sign(_ input: [UInt8]) throws -> [UInt8] {
        self.key.authenticate(input)
    }

    public func verify(_ signature: UnsafeRawBufferPointer, signs input: UnsafeRawBufferPointer) -> Bool {
        self.key.verify(signature, of: input)
    }
}

/// RSASSA-PKCS1-v1_5 with SHA-256 and a key of at least 2048 bits (RFC 7518 §3.3).
public struct RS256: JWTAlgorithm {
    public var name: String { "RS256" }
    public let key: PKey

    public init(key: PKey) throws {
        guard case .rsa(let bits) = key.kind else { throw JWTError.invalidKey("RS256 needs an RSA key, got \(key.kind)") }
        guard bits >= 2048 else { throw JWTError.invalidKey("RS256 needs an RSA key of at least 2048 bits, got \(bits)") }
        self.key = key
    }

    public func sign(_ input: [UInt8]) throws -> [UInt8] {
        do { return try self.key.signSHA256(input) } catch { throw JWTError.invalidKey("RS256 signing failed: \(error)") }
    }

    public func verify(_ signature: UnsafeRawBufferPointer, signs input: UnsafeRawBufferPointer) -> Bool {
        self.key.verifySHA256(Array(signature), of: input)
    }

    public var publicJWK: JWK? {
        guard let (n, e) = self.key.rsaComponents() else { return nil }
        return JWK(kty: "RSA", alg: self.name, n: Base64URL.encode(n), e: Base64URL.encode(e))
    }
}

/// ECDSA on P-256 with SHA-256 (RFC 7518 §3.4): signatures are the raw 64-byte r||s, not DER.
public struct ES256: JWTAlgorithm {
    public var name: String { "ES256" }
    public let key: PKey

    public init(key: PKey) throws {
        guard key.kind == .p256 else { throw JWTError.invalidKey("ES256 needs a P-256 key, got \(key.kind)") }
        self.key = key
    }

    public func sign(_ input: [UInt8]) throws -> [UInt8] {
        do {
            guard let raw = PKey.ecdsaRaw(fromDER: try self.key.signSHA256(input)) else { throw JWTError.invalidKey("ES256 signature encoding failed") }
            return raw
        } catch let error as JWTError {
            throw error
        } catch {
            throw JWTError.invalidKey("ES256 signing failed: \(error)")
        }
    }

    public func verify(_ signature: UnsafeRawBufferPointer, signs input: UnsafeRawBufferPointer) -> Bool {
        // JOSE fixes the length; a DER signature or a short one is refused rather than "helpfully" converted.
        guard signature.count == 64, let der = PKey.ecdsaDER(fromRaw: Array(signature)) else { return false }
        return self.key.verifySHA256(der, of: input)
    }

    public var publicJWK: JWK? {
        guard let (x, y) = self.key.p256Coordinates() else { return nil }
        return JWK(kty: "EC", alg: self.name, crv: "P-256", x: Base64URL.encode(x), y: Base64URL.encode(y))
    }
}

/// Builds the algorithm a key is for: RSA → RS256, P-256 → ES256.
public func jwtAlgorithm(for key: PKey) throws -> any JWTAlgorithm {
    switch key.kind {
    case .rsa: return try RS256(key: key)
    case .p256: return try ES256(key: key)
    case .unsupported(let name): throw JWTError.invalidKey("unsupported key type \(name); use RSA (2048+) or EC P-256")
    }
}

extension JWTAlgorithm {
    public func verify(_ signature: [UInt8], signs input: [UInt8]) -> Bool {
        signature.withUnsafeBytes { signatureBytes in input.withUnsafeBytes { self.verify(signatureBytes, signs: $0) } }
    }
}
