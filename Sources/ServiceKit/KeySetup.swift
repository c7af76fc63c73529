import Foundation
import HTTPClient
import JWT
import OpenSSLSupport
import WireFormat

/// The keys a role signs and verifies with, derived from its settings, with every configuration that cannot work
/// refused up front and explained.
///
/// - HS256: `JWT_SECRET` on every role (plus `JWT_PREVIOUS_SECRETS` during a rotation); only the gateway signs.
/// - RS256 / ES256: `JWT_PRIVATE_KEY` on the gateway only, which signs and publishes its public keys (current and
///   `JWT_PREVIOUS_PUBLIC_KEYS`) at `/.well-known/jwks.json`. Other roles verify with `JWT_PUBLIC_KEY` (+ previous) or
///   fetch `JWKS_URL`.
public struct KeySetup: Sendable {
    /// Keys this role verifies with locally (for the gateway: its own current and previous keys).
    public var verificationKeys: JWTKeyCollection
    /// The gateway's signing keys; nil on other roles.
    public var signingKeys: JWTKeyCollection?
    /// Where to fetch more verification keys from, if anywhere.
    public var jwksURL: String?

    public init(settings: Settings, role: Role) throws {
        var problems: [String] = []
        var verification = JWTKeyCollection()
        var signing: JWTKeyCollection?
        var jwksURL: String?

        switch settings.jwtAlgorithm {
        case "HS256":
            if settings.jwtPrivateKey != nil || settings.jwtPublicKey != nil || settings.jwksURL != nil {
                problems.append("JWT_ALG is HS256, so JWT_PRIVATE_KEY, JWT_PUBLIC_KEY and JWKS_URL must not be set (set JWT_ALG=RS256 or ES256 to use them)")
            }
            if let secret = settings.jwtSecret, secret.count >= HS256.minimumSecretBytes {
                do {
                    let current = try HS256(secret: secret)
                    verification.add(current, kid: Self.hsKid(secret), signing: true)
                    for previous in settings.jwtPreviousSecrets where previous.count >= HS256.minimumSecretBytes {
                        verification.add(try HS256(secret: previous), kid: Self.hsKid(previous))
                    }
                    if role == .gateway {
                        var keys = JWTKeyCollection()
                        keys.add(current, kid: Self.hsKid(secret))
                        signing = keys
                    }
                } catch {
                    problems.append("JWT_SECRET: \(error)")
                }
            } else if settings.jwtSecret == nil {
                problems.append(
                    "JWT_SECRET is required with JWT_ALG=HS256 (at least 32 bytes, the same on every role; `voice-invoice token keygen --alg HS256`)")
            }
        case let algorithm:
            if settings.jwtSecret != nil { problems.append("JWT_ALG is \(algorithm), so JWT_SECRET must not be set: tokens are signed with JWT_PRIVATE_KEY") }
            let previous = Self.publicKeys(settings.jwtPreviousPublicKeys, name: "JWT_PREVIOUS_PUBLIC_KEYS", algorithm: algorithm, problems: &problems)
            if role == .gateway {
                if let pem = settings.jwtPrivateKey {
                    if let key = Self.key(pem, name: "JWT_PRIVATE_KEY", algorithm: algorithm, problems: &problems) {
                        if let rsa = key as? RS256, !rsa.key.hasPrivateKey {
                            problems.append("JWT_PRIVATE_KEY holds a public key; the gateway needs the private key")
                        }
                        if let ec = key as? ES256, !ec.key.hasPrivateKey {
                            problems.append("JWT_PRIVATE_KEY holds a public key; the gateway needs the private key")
                        }
                        var keys = JWTKeyCollection()
                        if let kid = try? keys.add(publicKey: key, signing: true) {
                            signing = keys
                            verification.add(key, kid: kid, signing: true)
                        }
                    }
                } else {
                    problems.append(
                        "JWT_PRIVATE_KEY is required on the gateway with JWT_ALG=\(algorithm) (PEM text or a file path; `voice-invoice token keygen --alg \(algorithm)`)"
                    )
                }
            } else {
                if settings.jwtPrivateKey != nil {
                    problems.append("JWT_PRIVATE_KEY must be set on the gateway only; give the \(role.rawValue) role JWT_PUBLIC_KEY or JWKS_URL")
                }
                if let pem = settings.jwtPublicKey {
                    if let key = Self.key(pem, name: "JWT_PUBLIC_KEY", algorithm: algorithm, problems: &problems) {
                        _ = try? verification.add(publicKey: key)
                    }
                }
                jwksURL = settings.jwksURL
                if settings.jwtPublicKey == nil && settings.jwksURL == nil {
                    problems.append(
                        "the \(role.rawValue) role needs JWT_PUBLIC_KEY or JWKS_URL (e.g. https://<gateway>/.well-known/jwks.json) with JWT_ALG=\(algorithm)")
                }
            }
            for key in previous { _ = try? verification.add(publicKey: key) }
        }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
        self.verificationKeys = verification
        self.signingKeys = signing
        self.jwksURL = jwksURL
    }

    /// The kid of an HS256 key is derived from the secret, so a role with another secret fails fast on "unknown key"
    /// without the kid revealing anything usable about the secret.
    static func hsKid(_ secret: [UInt8]) -> String {
        "hs-" + Base64URL.encode(OpenSSL.sha256(Array("voice-invoice kid".utf8) + secret).prefix(9))
    }

    static func key(_ pem: String, name: String, algorithm: String, problems: inout [String]) -> (any JWTAlgorithm)? {
        var blocks = PKey.pemBlocks(pem)
        // `token keygen` prints the private key followed by its public key; a file holding both is a private key.
        let privateBlocks = blocks.filter { $0.contains("PRIVATE KEY-----") }
        if name == "JWT_PRIVATE_KEY", privateBlocks.count == 1 { blocks = privateBlocks }
        guard blocks.count == 1 else {
            problems.append("\(name) must hold exactly one PEM key, found \(blocks.count)")
            return nil
        }
        return Self.parse(blocks[0], name: name, algorithm: algorithm, problems: &problems)
    }

    static func publicKeys(_ pem: String?, name: String, algorithm: String, problems: inout [String]) -> [any JWTAlgorithm] {
        guard let pem else { return [] }
        let blocks = PKey.pemBlocks(pem)
        if blocks.isEmpty { problems.append("\(name) holds no PEM block") }
        return blocks.compactMap { Self.parse($0, name: name, algorithm: algorithm, problems: &problems) }
    }

    private static func parse(_ block: String, name: String, algorithm: String, problems: inout [String]) -> (any JWTAlgorithm)? {
        do {
            let key = try PKey.pem(block)
            switch (algorithm, key.kind) {
            case ("RS256", .rsa): return try RS256(key: key)
            case ("ES256", .p256): return try ES256(key: key)
            default:
                problems.append("\(name) is a \(key.kind) key, which cannot sign \(algorithm) (RS256 needs RSA ≥ 2048 bits, ES256 needs EC P-256)")
                return nil
            }
        } catch {
            problems.append("\(name): \(error)")
            return nil
        }
    }

    /// The JWK Set the gateway publishes: its current and previous public keys.
    public var publishedKeys: JWKSet { self.verificationKeys.jwks }

    /// A verifier over the local keys and, when configured, the remote JWK Set fetched through `http`.
    public func verifier(http: CurlHTTPClient) -> JWTVerifier {
        guard let url = self.jwksURL else { return JWTVerifier(keys: self.verificationKeys) }
        return JWTVerifier(keys: self.verificationKeys, remote: JWKSFetcher(url: url, http: http).fetch)
    }
}

/// Fetches a JWK Set over HTTP through the curl client.
public struct JWKSFetcher: Sendable {
    public let url: String
    let http: CurlHTTPClient

    public init(url: String, http: CurlHTTPClient) {
        self.url = url
        self.http = http
    }

    @Sendable public func fetch() async throws -> JWKSet {
        let response = try await self.http.execute(
            CurlRequest(url: self.url, headers: [("Accept", "application/json")], timeout: .seconds(5), connectTimeout: .seconds(2)))
        guard response.status == 200 else { throw HTTPClientError(code: .transport, detail: "JWKS fetch answered \(response.status)") }
        return try JSONDecoder().decode(JWKSet.self, from: Data(response.body))
    }
}
