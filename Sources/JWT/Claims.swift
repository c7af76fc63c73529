import Foundation

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3); we always write a single string.
public struct Audience: Codable, Sendable, Equatable {
    public var values: [String]
    public init(_ values: [String]) { self.values = values }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            self.values = [one]
        } else {
            self.values = try container.decode([String].self)
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if self.values.count == 1 { try container.encode(self.values[0]) } else { try container.encode(self.values) }
    }
}

/// The registered claims every token we accept carries; `exp`, `iat` and `nbf` are NumericDate (seconds).
public protocol RegisteredClaims: Codable, Sendable {
    var iss: String? { get }
    var sub: String? { get }
    var aud: Audience? { get }
    var exp: Int64? { get }
    var nbf: Int64? { get }
    var iat: Int64? { get }
}

/// Only the registered claims: for tokens whose other members do not matter to the caller.
public struct BasicClaims: RegisteredClaims, Equatable {
    public var iss: String?
    public var sub: String?
    public var aud: Audience?
    public var exp: Int64?
    public var nbf: Int64?
    public var iat: Int64?
}

/// An access token's payload (RFC 9068 profile): who (`sub`), for what (`aud`), by whom (`iss`), until when.
public struct AccessTokenClaims: RegisteredClaims, Equatable {
    public var iss: String?
    public var sub: String?
    public var aud: Audience?
    public var exp: Int64?
    public var nbf: Int64?
    public var iat: Int64?
    public var jti: String?
    /// Display-only conveniences; authorisation uses `sub` alone.
    public var email: String?
    public var name: String?

    init(iss: String?, sub: String?, aud: Audience?, exp: Int64?, nbf: Int64?, iat: Int64?, jti: String?, email: String?, name: String?) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.nbf = nbf
        self.iat = iat
        self.jti = jti
        self.email = email
        self.name = name
    }

    public init(
        issuer: String, subject: String, audience: String, issuedAt: Date, lifetime: TimeInterval,
        id: String, email: String? = nil, name: String? = nil
    ) {
        self.iss = issuer
        self.sub = subject
        self.aud = Audience([audience])
        self.iat = Int64(issuedAt.timeIntervalSince1970)
        self.nbf = self.iat
        self.exp = Int64(issuedAt.timeIntervalSince1970 + lifetime)
        self.jti = id
        self.email = email
        self.name = name
    }
}

/// The signed value that binds a Google sign-in's `state`, `nonce` and PKCE verifier to the browser that started it.
public struct OAuthStateClaims: RegisteredClaims, Equatable {
    public var iss: String?
    public var sub: String?
    public var aud: Audience?
    public var exp: Int64?
    public var nbf: Int64?
    public var iat: Int64?
    public var state: String
    public var nonce: String
    public var verifier: String

    public init(issuer: String, audience: String, issuedAt: Date, lifetime: TimeInterval, state: String, nonce: String, verifier: String) {
        self.iss = issuer
        self.sub = "google-sign-in"
        self.aud = Audience([audience])
        self.iat = Int64(issuedAt.timeIntervalSince1970)
        self.nbf = self.iat
        self.exp = Int64(issuedAt.timeIntervalSince1970 + lifetime)
        self.state = state
        self.nonce = nonce
        self.verifier = verifier
    }
}

/// A Google ID token's payload (OpenID Connect Core §2 and Google's documented claims).
public struct GoogleIDTokenClaims: RegisteredClaims, Equatable {
    public var iss: String?
    public var sub: String?
    public var aud: Audience?
    public var exp: Int64?
    public var nbf: Int64?
    public var iat: Int64?
    public var azp: String?
    public var email: String?
    public var emailVerified: Bool?
    public var name: String?
    public var nonce: String?
    /// The Google Workspace domain of the account, when it is a Workspace account (Google is authoritative for it).
    public var hd: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, nbf, iat, azp, email, name, nonce, hd
        case emailVerified = "email_verified"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.iss = try c.decodeIfPresent(String.self, forKey: .iss)
        self.sub = try c.decodeIfPresent(String.self, forKey: .sub)
        self.aud = try c.decodeIfPresent(Audience.self, forKey: .aud)
        self.exp = try c.decodeIfPresent(Int64.self, forKey: .exp)
        self.nbf = try c.decodeIfPresent(Int64.self, forKey: .nbf)
        self.iat = try c.decodeIfPresent(Int64.self, forKey: .iat)
        self.azp = try c.decodeIfPresent(String.self, forKey: .azp)
        self.email = try c.decodeIfPresent(String.self, forKey: .email)
        self.name = try c.decodeIfPresent(String.self, forKey: .name)
        self.nonce = try c.decodeIfPresent(String.self, forKey: .nonce)
        self.hd = try c.decodeIfPresent(String.self, forKey: .hd)
        // Google has sent this as a boolean and, in older tokens, as the string "true".
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .emailVerified) {
            self.emailVerified = flag
        } else {
            self.emailVerified = (try? c.decodeIfPresent(String.self, forKey: .emailVerified)).flatMap { $0 }.map { $0 == "true" }
        }
    }
}

/// What a verifier insists on. Each token kind has its own rules (`access`, `service`, `oauthState`, `googleIDToken`),
/// so a token of one kind never passes as another: they differ in `typ`, audience, or issuer.
public struct VerificationRules: Sendable {
    public enum TypeRule: Sendable, Equatable {
        /// The header `typ` must be this value (case-insensitive, RFC 7515 §4.1.9).
        case exactly(String)
        /// `typ` must be "JWT" or absent, as in OpenID Connect ID tokens.
        case jwtOrAbsent
    }

    public var type: TypeRule
    /// Accepted `iss` values; nil skips the check (only the RFC test vectors do that).
    public var issuers: Set<String>?
    /// Accepted `aud` values, any one of which must be present; nil skips the check.
    public var audiences: Set<String>?
    public var requireSubject: Bool
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    public var leeway: TimeInterval
    /// Injectable clock, so tests can travel in time.
    public var now: @Sendable () -> Date

    public init(
        type: TypeRule, issuers: Set<String>?, audiences: Set<String>?, requireSubject: Bool = true, leeway: TimeInterval = 30,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.type = type
        self.issuers = issuers
        self.audiences = audiences
        self.requireSubject = requireSubject
        self.leeway = leeway
        self.now = now
    }

    /// Convenience for one issuer and one audience.
    public init(type: String, issuer: String, audience: String, leeway: TimeInterval = 30, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(type: .exactly(type), issuers: [issuer], audiences: [audience], leeway: leeway, now: now)
    }

    public static let googleIssuers: Set<String> = ["https://accounts.google.com", "accounts.google.com"]

    public static func googleIDToken(clientIDs: Set<String>, now: @escaping @Sendable () -> Date = { Date() }) -> VerificationRules {
        VerificationRules(type: .jwtOrAbsent, issuers: googleIssuers, audiences: clientIDs, leeway: 60, now: now)
    }

    /// `typ` compares case-insensitively (RFC 7515 §4.1.9), without allocating lower-cased copies.
    static func equalIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count
            && zip(a.utf8, b.utf8).allSatisfy { x, y in (x | 0x20) == (y | 0x20) && ((x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A || x == y) }
    }

    func check(_ claims: some RegisteredClaims, headerType: String?) throws {
        switch self.type {
        case .exactly(let expected):
            guard let headerType, Self.equalIgnoringASCIICase(headerType, expected) else {
                throw JWTError.claim("typ", "expected \(expected), got \(headerType ?? "none")")
            }
        case .jwtOrAbsent:
            if let headerType, !Self.equalIgnoringASCIICase(headerType, "JWT") { throw JWTError.claim("typ", "expected JWT, got \(headerType)") }
        }
        let now = self.now().timeIntervalSince1970
        guard let exp = claims.exp else { throw JWTError.claim("exp", "missing") }
        guard Double(exp) + self.leeway > now else { throw JWTError.claim("exp", "expired") }
        if let nbf = claims.nbf, Double(nbf) - self.leeway > now { throw JWTError.claim("nbf", "not yet valid") }
        if let iat = claims.iat, Double(iat) - self.leeway > now { throw JWTError.claim("iat", "issued in the future") }
        if let issuers = self.issuers {
            guard let iss = claims.iss, issuers.contains(iss) else { throw JWTError.claim("iss", "unexpected issuer") }
        }
        if let audiences = self.audiences {
            guard let aud = claims.aud, aud.values.contains(where: audiences.contains) else { throw JWTError.claim("aud", "audience not accepted") }
        }
        if self.requireSubject {
            guard let sub = claims.sub, !sub.isEmpty else { throw JWTError.claim("sub", "missing") }
        }
    }
}
