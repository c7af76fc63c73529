import Foundation
import Logging

/// Everything a role reads from its environment, read once at start-up (never inside a handler) and validated as a
/// whole, so a misconfigured role refuses to start with the full list of problems.
public struct Settings: Sendable {
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var dataDirectory: String

    // Tokens.
    public var jwtAlgorithm: String
    /// HS256 secret; nil only before `serve all` generates one.
    public var jwtSecret: [UInt8]?
    /// Older HS256 secrets still accepted (rotation).
    public var jwtPreviousSecrets: [[UInt8]]
    /// PEM text (RS256/ES256 private key), gateway only.
    public var jwtPrivateKey: String?
    /// PEM text of the current public key, for verifying roles that do not fetch the JWKS.
    public var jwtPublicKey: String?
    /// PEM blocks of older public keys still published and accepted (rotation).
    public var jwtPreviousPublicKeys: String?
    public var jwksURL: String?
    public var jwtIssuer: String
    public var jwtAudience: String
    public var accessTokenTTL: TimeInterval
    public var refreshTokenTTL: TimeInterval

    // Services.
    public var authServiceURL: String?
    public var userServiceURL: String?
    public var invoiceServiceURL: String?
    public var upstreamTimeout: Duration
    public var maxUploadBytes: Int
    /// MongoDB engine (production) when set; the embedded SQLite engine otherwise.
    public var mongoURI: String?
    public var mongoDatabase: String?
    public var mongoServerSelectionTimeoutMS: Int

    // The AI provider (OpenAI or any OpenAI-compatible server); the offline extractor when no key is set.
    public var openAIKey: String?
    public var openAIBaseURL: String
    public var openAITranscribeModel: String
    public var openAIExtractModel: String
    public var openAITimeout: Duration
    public var maxAudioBytes: Int
    /// The longest transcript `POST /api/invoices/transcript` accepts, in characters (413 beyond).
    public var maxTranscriptCharacters: Int

    // Sign-in with Google.
    public var clientURL: String?
    public var googleClientID: String?
    public var googleClientSecret: String?
    public var googleClientIDs: [String]
    public var googleRedirectURI: String?
    public var googleAuthURL: String
    public var googleTokenURL: String
    public var googleJWKSURL: String

    /// Reads and validates what does not depend on the role; throws `SettingsError` listing every problem.
    public init(environment: [String: String]) throws {
        var problems: [String] = []
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
            guard let text = value(name) else { return fallback }
            guard let parsed = Int(text), range.contains(parsed) else {
                problems.append("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
                return fallback
            }
            return parsed
        }
        /// A PEM given inline (newlines may be written as \n, as dashboards often require) or as a file path.
        func pem(_ name: String) -> String? {
            guard let raw = value(name) else { return nil }
            if raw.contains("-----BEGIN") { return raw.replacingOccurrences(of: "\\n", with: "\n") }
            guard let text = try? String(contentsOfFile: raw, encoding: .utf8) else {
                problems.append("\(name) is neither PEM text nor a readable file: \(raw)")
                return nil
            }
            return text
        }
        func url(_ name: String, default fallback: String? = nil) -> String? {
            guard let text = value(name) ?? fallback else { return nil }
            guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                components.host?.isEmpty == false
            else {
                problems.append("\(name) must be an http(s) URL, got \"\(text)\"")
                return nil
            }
            return text
        }

        self.host = value("HOST") ?? "0.0.0.0"
        self.port = integer("PORT", default: 3000, range: 0...65535)
        let level = value("LOG_LEVEL") ?? "info"
        if let parsed = Logger.Level(rawValue: level.lowercased()) {
            self.logLevel = parsed
        } else {
            problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            self.logLevel = .info
        }
        self.dataDirectory = value("DATA_DIR") ?? "./.data"

        self.jwtAlgorithm = (value("JWT_ALG") ?? "HS256").uppercased()
        if !["HS256", "RS256", "ES256"].contains(self.jwtAlgorithm) {
            problems.append("JWT_ALG must be HS256, RS256 or ES256, got \"\(self.jwtAlgorithm)\"")
        }
        self.jwtSecret = value("JWT_SECRET").map { Array($0.utf8) }
        if let secret = self.jwtSecret, secret.count < 32 {
            problems.append("JWT_SECRET must be at least 32 bytes (256 bits) of randomness, got \(secret.count); generate one with `voice-invoice token keygen --alg HS256`")
        }
        self.jwtPreviousSecrets = (value("JWT_PREVIOUS_SECRETS") ?? "").split(separator: ",").map { Array($0.trimmingCharacters(in: .whitespaces).utf8) }
        if self.jwtPreviousSecrets.contains(where: { $0.count < 32 }) { problems.append("every JWT_PREVIOUS_SECRETS entry must be at least 32 bytes") }
        self.jwtPrivateKey = pem("JWT_PRIVATE_KEY")
        self.jwtPublicKey = pem("JWT_PUBLIC_KEY")
        self.jwtPreviousPublicKeys = pem("JWT_PREVIOUS_PUBLIC_KEYS")
        self.jwksURL = url("JWKS_URL")
        self.jwtIssuer = value("JWT_ISSUER") ?? "voice-invoice"
        self.jwtAudience = value("JWT_AUDIENCE") ?? "voice-invoice-api"
        self.accessTokenTTL = TimeInterval(integer("ACCESS_TOKEN_TTL", default: 900, range: 60...86_400))
        self.refreshTokenTTL = TimeInterval(integer("REFRESH_TOKEN_TTL", default: 30 * 86_400, range: 3600...(365 * 86_400)))

        self.authServiceURL = value("AUTH_SERVICE_URL")
        self.userServiceURL = value("USER_SERVICE_URL")
        self.invoiceServiceURL = value("INVOICE_SERVICE_URL")
        for (name, text) in [("AUTH_SERVICE_URL", self.authServiceURL), ("USER_SERVICE_URL", self.userServiceURL), ("INVOICE_SERVICE_URL", self.invoiceServiceURL)] {
            if let text, ServiceURL.parse(text) == nil { problems.append("\(name) is not a host, host:port or http(s) URL: \"\(text)\"") }
        }
        self.upstreamTimeout = .seconds(integer("UPSTREAM_TIMEOUT_SECONDS", default: 30, range: 1...600))
        self.maxUploadBytes = integer("MAX_UPLOAD_BYTES", default: 26 * 1024 * 1024, range: 1024...(512 * 1024 * 1024))
        self.mongoURI = value("MONGODB_URI")
        if let uri = self.mongoURI, !(uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://")) {
            problems.append("MONGODB_URI must start with mongodb:// or mongodb+srv://")
        }
        self.mongoDatabase = value("MONGODB_DB")
        self.mongoServerSelectionTimeoutMS = integer("MONGODB_SERVER_SELECTION_TIMEOUT_MS", default: 2000, range: 100...30_000)

        self.openAIKey = value("OPENAI_API_KEY")
        self.openAIBaseURL = url("OPENAI_BASE_URL", default: "https://api.openai.com/v1") ?? ""
        self.openAITranscribeModel = value("OPENAI_TRANSCRIBE_MODEL") ?? "gpt-4o-mini-transcribe"
        self.openAIExtractModel = value("OPENAI_EXTRACT_MODEL") ?? "gpt-4o-mini"
        self.openAITimeout = .seconds(integer("OPENAI_TIMEOUT_SECONDS", default: 60, range: 1...600))
        self.maxAudioBytes = integer("MAX_AUDIO_BYTES", default: 25 * 1024 * 1024, range: 1024...(100 * 1024 * 1024))
        self.maxTranscriptCharacters = integer("MAX_TRANSCRIPT_CHARS", default: 10_000, range: 100...100_000)

        self.clientURL = url("CLIENT_URL").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.googleClientID = value("GOOGLE_CLIENT_ID")
        self.googleClientSecret = value("GOOGLE_CLIENT_SECRET")
        self.googleClientIDs = (value("GOOGLE_CLIENT_IDS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.googleRedirectURI = url("GOOGLE_REDIRECT_URI")
        self.googleAuthURL = url("GOOGLE_AUTH_URL", default: "https://accounts.google.com/o/oauth2/v2/auth") ?? ""
        self.googleTokenURL = url("GOOGLE_TOKEN_URL", default: "https://oauth2.googleapis.com/token") ?? ""
        self.googleJWKSURL = url("GOOGLE_JWKS_URL", default: "https://www.googleapis.com/oauth2/v3/certs") ?? ""

        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }

    /// The checks that depend on the role: which variables it needs, and whether its key configuration can work.
    public func validate(for role: Role) throws {
        var problems: [String] = []
        do { _ = try KeySetup(settings: self, role: role) } catch let error as SettingsError { problems += error.problems }
        switch role {
        case .gateway:
            for (name, value) in [("AUTH_SERVICE_URL", self.authServiceURL), ("USER_SERVICE_URL", self.userServiceURL), ("INVOICE_SERVICE_URL", self.invoiceServiceURL)] where value == nil {
                problems.append("\(name) is required by the gateway")
            }
            if self.googleClientID != nil || self.googleClientSecret != nil || self.googleRedirectURI != nil {
                // Web sign-in is all or nothing: a half-configured flow would fail at Google, not here.
                if self.googleClientID == nil { problems.append("GOOGLE_CLIENT_ID is required for Google sign-in on the web") }
                if self.googleClientSecret == nil { problems.append("GOOGLE_CLIENT_SECRET is required for Google sign-in on the web") }
                if self.googleRedirectURI == nil { problems.append("GOOGLE_REDIRECT_URI is required for Google sign-in on the web (…/api/auth/google/callback)") }
                if self.clientURL == nil { problems.append("CLIENT_URL is required for Google sign-in on the web (where the SPA receives the one-time code)") }
            }
        case .invoice:
            if self.userServiceURL == nil { problems.append("USER_SERVICE_URL is required by the invoice role (it reads the sender's business profile)") }
        case .auth, .user:
            break
        }
        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }

    /// Every Google client id whose ID tokens are accepted: the web client's and the mobile ones.
    public var acceptedGoogleClientIDs: Set<String> {
        Set(self.googleClientIDs + [self.googleClientID].compactMap { $0 })
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
