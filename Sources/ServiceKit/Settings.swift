import Foundation
import Logging

/// Everything a role reads from its environment, read once at start-up (never inside a handler) and validated as a
/// whole, so a misconfigured role refuses to start with the full list of problems.
public struct Settings: Sendable {
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var dataDirectory: String
    /// HS256 secret; nil only before `serve all` generates one.
    public var jwtSecret: [UInt8]?
    public var jwtIssuer: String
    public var jwtAudience: String
    public var accessTokenTTL: TimeInterval
    public var authServiceURL: String?
    public var userServiceURL: String?
    public var invoiceServiceURL: String?
    public var upstreamTimeout: Duration
    public var maxBodyBytes: Int
    public var maxUploadBytes: Int
    public var mongoURI: String?

    /// Reads and validates; throws `SettingsError` listing every problem.
    public init(environment: [String: String]) throws {
        var problems: [String] = []
        func integer(_ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
            guard let text = environment[name], !text.isEmpty else { return value }
            guard let parsed = Int(text), range.contains(parsed) else {
                problems.append("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
                return value
            }
            return parsed
        }
        self.host = environment["HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "0.0.0.0"
        self.port = integer("PORT", default: 3000, range: 0...65535)
        let level = environment["LOG_LEVEL"] ?? "info"
        if let parsed = Logger.Level(rawValue: level.lowercased()) {
            self.logLevel = parsed
        } else {
            problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            self.logLevel = .info
        }
        self.dataDirectory = environment["DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./.data"
        if let secret = environment["JWT_SECRET"], !secret.isEmpty {
            self.jwtSecret = Array(secret.utf8)
            if secret.utf8.count < 32 {
                problems.append("JWT_SECRET must be at least 32 bytes (256 bits) of randomness, got \(secret.utf8.count); generate one with `openssl rand -base64 32`")
            }
        } else {
            self.jwtSecret = nil
        }
        self.jwtIssuer = environment["JWT_ISSUER"].flatMap { $0.isEmpty ? nil : $0 } ?? "voice-invoice"
        self.jwtAudience = environment["JWT_AUDIENCE"].flatMap { $0.isEmpty ? nil : $0 } ?? "voice-invoice-api"
        self.accessTokenTTL = TimeInterval(integer("ACCESS_TOKEN_TTL", default: 900, range: 60...86_400))
        self.authServiceURL = environment["AUTH_SERVICE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        self.userServiceURL = environment["USER_SERVICE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        self.invoiceServiceURL = environment["INVOICE_SERVICE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        for (name, value) in [("AUTH_SERVICE_URL", self.authServiceURL), ("USER_SERVICE_URL", self.userServiceURL), ("INVOICE_SERVICE_URL", self.invoiceServiceURL)] {
            if let value, ServiceURL.parse(value) == nil { problems.append("\(name) is not a host, host:port or http(s) URL: \"\(value)\"") }
        }
        self.upstreamTimeout = .seconds(integer("UPSTREAM_TIMEOUT_SECONDS", default: 30, range: 1...600))
        self.maxBodyBytes = integer("MAX_BODY_BYTES", default: 1024 * 1024, range: 1024...(64 * 1024 * 1024))
        self.maxUploadBytes = integer("MAX_UPLOAD_BYTES", default: 26 * 1024 * 1024, range: 1024...(512 * 1024 * 1024))
        self.mongoURI = environment["MONGODB_URI"].flatMap { $0.isEmpty ? nil : $0 }
        if self.mongoURI != nil {
            problems.append("MONGODB_URI is set, but this build stores data only in the embedded SQLite engine; the MongoDB engine is not implemented yet. Unset MONGODB_URI.")
        }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }

    /// The checks that depend on the role: which variables it needs.
    public func validate(for role: Role) throws {
        var problems: [String] = []
        if self.jwtSecret == nil { problems.append("JWT_SECRET is required (at least 32 bytes; the same value on every role)") }
        switch role {
        case .gateway:
            for (name, value) in [("AUTH_SERVICE_URL", self.authServiceURL), ("USER_SERVICE_URL", self.userServiceURL), ("INVOICE_SERVICE_URL", self.invoiceServiceURL)] where value == nil {
                problems.append("\(name) is required by the gateway")
            }
        case .invoice:
            if self.userServiceURL == nil { problems.append("USER_SERVICE_URL is required by the invoice role (it reads the sender's business profile)") }
        case .auth, .user:
            break
        }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }

    public func tokenService(now: @escaping @Sendable () -> Date = { Date() }) throws -> TokenService {
        guard let secret = self.jwtSecret else { throw SettingsError(problems: ["JWT_SECRET is required"]) }
        return try TokenService(secret: secret, issuer: self.jwtIssuer, audience: self.jwtAudience, accessTokenLifetime: self.accessTokenTTL, now: now)
    }
}

public enum Role: String, CaseIterable, Sendable {
    case gateway, auth, user, invoice
}

public struct SettingsError: Error, CustomStringConvertible {
    public let problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { "invalid configuration:\n" + self.problems.map { "  - " + $0 }.joined(separator: "\n") }
}

/// A service address as Render and others give it: a bare `host` (Render's `fromService … property: host`, a public
/// name served over HTTPS), `host:port` (`property: hostport`, private network, plain HTTP), or a full URL.
public enum ServiceURL {
    /// The base URL without a trailing slash, or nil when `text` is none of the accepted forms.
    public static func parse(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.contains(where: { $0.isWhitespace }) else { return nil }
        var base: String
        if trimmed.lowercased().hasPrefix("http://") || trimmed.lowercased().hasPrefix("https://") {
            base = trimmed
        } else if trimmed.contains("://") {
            return nil
        } else if let colon = trimmed.lastIndex(of: ":"), Int(trimmed[trimmed.index(after: colon)...]) != nil {
            base = "http://" + trimmed
        } else {
            base = "https://" + trimmed
        }
        while base.hasSuffix("/") { base.removeLast() }
        guard let components = URLComponents(string: base), let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil
        else { return nil }
        return base
    }
}
