import OpenSSLSupport

/// A JWS algorithm bound to one key: the tiny protocol jwt-kit uses. RS256 and ES256 join HS256 here.
public protocol JWTAlgorithm: Sendable {
    /// The JOSE `alg` name this key may be used with, and only this one.
    var name: String { get }
    func sign(_ input: [UInt8]) throws -> [UInt8]
    /// Must compare in constant time.
    func verify(_ signature: [UInt8], signs input: [UInt8]) -> Bool
}

/// HMAC-SHA256 with a secret of at least 256 bits (RFC 7518 §3.2 requires a key as long as the hash).
public struct HS256: JWTAlgorithm {
    public static let minimumSecretBytes = 32
    public var name: String { "HS256" }
    private let secret: [UInt8]

    public init(secret: some Collection<UInt8>) throws {
        guard secret.count >= Self.minimumSecretBytes else {
            throw JWTError.invalidKey("an HS256 secret needs at least \(Self.minimumSecretBytes) bytes, got \(secret.count)")
        }
        self.secret = Array(secret)
    }

    public func sign(_ input: [UInt8]) throws -> [UInt8] {
        OpenSSL.hmacSHA256(key: self.secret, data: input)
    }

    public func verify(_ signature: [UInt8], signs input: [UInt8]) -> Bool {
        OpenSSL.constantTimeEquals(OpenSSL.hmacSHA256(key: self.secret, data: input), signature)
    }
}
