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

/// The registered claims every token of ours carries; `exp`, `iat` and `nbf` are NumericDate (seconds).
public protocol RegisteredClaims: Codable, Sendable {
    var iss: String? { get }
    var sub: String? { get }
    var aud: Audience? { get }
    var exp: Int64? { get }
    var nbf: Int64? { get }
    var iat: Int64? { get }
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

/// What a verifier insists on. Distinct values for distinct token kinds, so a token of one kind never passes as another.
public struct VerificationRules: Sendable {
    /// The header `typ` the token must carry (e.g. "at+jwt" for access tokens).
    public var type: String
    public var issuer: String
    public var audience: String
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    public var leeway: TimeInterval
    /// Injectable clock, so tests can travel in time.
    public var now: @Sendable () -> Date

    public init(type: String, issuer: String, audience: String, leeway: TimeInterval = 30, now: @escaping @Sendable () -> Date = { Date() }) {
        self.type = type
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.now = now
    }

    func check(_ claims: some RegisteredClaims, headerType: String?) throws {
        guard headerType?.lowercased() == self.type.lowercased() else {
            throw JWTError.claim("typ", "expected \(self.type), got \(headerType ?? "none")")
        }
        let now = self.now().timeIntervalSince1970
        guard let exp = claims.exp else { throw JWTError.claim("exp", "missing") }
        guard Double(exp) + self.leeway > now else { throw JWTError.claim("exp", "expired") }
        if let nbf = claims.nbf, Double(nbf) - self.leeway > now { throw JWTError.claim("nbf", "not yet valid") }
        if let iat = claims.iat, Double(iat) - self.leeway > now { throw JWTError.claim("iat", "issued in the future") }
        guard claims.iss == self.issuer else { throw JWTError.claim("iss", "unexpected issuer") }
        guard let aud = claims.aud, aud.values.contains(self.audience) else { throw JWTError.claim("aud", "audience not accepted") }
        guard let sub = claims.sub, !sub.isEmpty else { throw JWTError.claim("sub", "missing") }
    }
}
