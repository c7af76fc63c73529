import Foundation
import Logging

/// Everything a role reads from its environment, read once at start-up (never inside a handler) and validated as a
/// whole, so a misconfigured role refuses to start with the full list of problems.
public struct Settings: Sendable {
    /// `ROLE`: what `serve` runs when the command line names no role.
    public var role: String?
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var dataDirectory: String
    /// Which proxies' X-Forwarded-For/-Proto to believe.
    public var trustProxy: TrustProxy
    public var shutdownGrace: Duration

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
    public var refreshFamilyMaxAge: TimeInterval
    /// The service-token key: gateway and auth only.
    public var authServiceKey: [UInt8]?

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
    public var idempotencyLease: TimeInterval

    // The edge.
    public var upstreamLongTimeout: Duration
    public var maxConcurrentUpstream: Int
    public var bodyReadTimeout: Duration
    public var idleTimeout: Duration
    public var rateLimitAddress: String
    public var rateLimitSignIn: String
    public var rateLimitUser: String
    public var rateLimitMaxKeys: Int
    public var metricsToken: String?
    /// CORS origins (scheme://host[:port]), from CLIENT_URL.
    public var corsOrigins: [String]

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
        /// Every read goes through the schema: a name missing from it is a programming error, caught by any test.
        func schema(_ name: String) -> ConfigVariable {
            guard let variable = ConfigSchema.variable(name) else { preconditionFailure("\(name) is not in ConfigSchema") }
            return variable
        }
        func value(_ name: String) -> String? {
            _ = schema(name)
            return environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        /// The value, else the schema's default.
        func text(_ name: String) -> String? { value(name) ?? schema(name).defaultValue }
        /// How a problem quotes what was given: a secret's value is never echoed (logs and terminals keep it).
        func shown(_ name: String, _ raw: String) -> String { schema(name).secret ? "(a value, not shown: the variable is secret)" : "\"\(raw)\"" }
        func integer(_ name: String) -> Int {
            guard case .integer(let range) = schema(name).kind, let fallback = schema(name).defaultValue.flatMap(Int.init) else {
                preconditionFailure("\(name) is not an integer with a default in ConfigSchema")
            }
            guard let text = value(name) else { return fallback }
            guard let parsed = Int(text), range.contains(parsed) else {
                problems.append("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(shown(name, text))")
                return fallback
            }
            return parsed
        }
        /// A PEM given inline (newlines may be written as \n, as dashboards often require) or as a file path.
        func pem(_ name: String) -> String? {
            guard let raw = value(name) else { return nil }
            if raw.contains("-----BEGIN") { return raw.replacingOccurrences(of: "\\n", with: "\n") }
            guard let text = try? String(contentsOfFile: raw, encoding: .utf8) else {
                problems.append("\(name) is neither PEM text nor a readable file: got \(shown(name, raw))")
                return nil
            }
            return text
        }
        func url(_ name: String) -> String? {
            guard let text = text(name) else { return nil }
            guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                components.host?.isEmpty == false
            else {
                problems.append("\(name) must be an http(s) URL, got \(shown(name, text))")
                return nil
            }
            return text
        }

        self.role = value("ROLE")
        if let role = self.role, RoleChoiceNames.all.contains(role) == false {
            problems.append("ROLE must be one of \(RoleChoiceNames.all.joined(separator: ", ")), got \"\(role)\"")
        }
        self.host = text("HOST") ?? "0.0.0.0"
        self.port = integer("PORT")
        let level = text("LOG_LEVEL") ?? "info"
        if let parsed = Logger.Level(rawValue: level.lowercased()) {
            self.logLevel = parsed
        } else {
            problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            self.logLevel = .info
        }
        self.dataDirectory = text("DATA_DIR") ?? "./.data"
        do { self.trustProxy = try TrustProxy(text("TRUST_PROXY") ?? "0") } catch {
            problems.append(
                "TRUST_PROXY must be a hop count (0-10) or comma-separated CIDRs such as 10.0.0.0/8, fd00::/8; got \"\(value("TRUST_PROXY") ?? "")\"")
            self.trustProxy = .none
        }
        self.shutdownGrace = .seconds(integer("SHUTDOWN_GRACE_SECONDS"))

        self.jwtAlgorithm = (text("JWT_ALG") ?? "HS256").uppercased()
        if !["HS256", "RS256", "ES256"].contains(self.jwtAlgorithm) {
            problems.append("JWT_ALG must be HS256, RS256 or ES256, got \"\(self.jwtAlgorithm)\"")
        }
        self.jwtSecret = value("JWT_SECRET").map { Array($0.utf8) }
        if let secret = self.jwtSecret, secret.count < 32 {
            problems.append(
                "JWT_SECRET must be at least 32 bytes (256 bits) of randomness, got \(secret.count); generate one with `voice-invoice token keygen --alg HS256`"
            )
        }
        self.jwtPreviousSecrets = (value("JWT_PREVIOUS_SECRETS") ?? "").split(separator: ",").map { Array($0.trimmingCharacters(in: .whitespaces).utf8) }
        if self.jwtPreviousSecrets.contains(where: { $0.count < 32 }) { problems.append("every JWT_PREVIOUS_SECRETS entry must be at least 32 bytes") }
        self.jwtPrivateKey = pem("JWT_PRIVATE_KEY")
        self.jwtPublicKey = pem("JWT_PUBLIC_KEY")
        self.jwtPreviousPublicKeys = pem("JWT_PREVIOUS_PUBLIC_KEYS")
        self.jwksURL = url("JWKS_URL")
        self.jwtIssuer = text("JWT_ISSUER") ?? "voice-invoice"
        self.jwtAudience = text("JWT_AUDIENCE") ?? "voice-invoice-api"
        self.accessTokenTTL = TimeInterval(integer("ACCESS_TOKEN_TTL"))
        self.refreshTokenTTL = TimeInterval(integer("REFRESH_TOKEN_TTL"))
        self.refreshFamilyMaxAge = TimeInterval(integer("REFRESH_FAMILY_MAX_AGE"))
        self.authServiceKey = value("AUTH_SERVICE_KEY").map { Array($0.utf8) }
        if let key = self.authServiceKey, key.count < 32 {
            problems.append(
                "AUTH_SERVICE_KEY must be at least 32 bytes (256 bits) of randomness, got \(key.count); generate one with `voice-invoice token keygen --alg HS256`"
            )
        }
        if let key = self.authServiceKey, key == self.jwtSecret {
            problems.append("AUTH_SERVICE_KEY must differ from JWT_SECRET (the user and invoice roles hold JWT_SECRET)")
        }

        self.authServiceURL = value("AUTH_SERVICE_URL")
        self.userServiceURL = value("USER_SERVICE_URL")
        self.invoiceServiceURL = value("INVOICE_SERVICE_URL")
        for (name, text) in [
            ("AUTH_SERVICE_URL", self.authServiceURL), ("USER_SERVICE_URL", self.userServiceURL), ("INVOICE_SERVICE_URL", self.invoiceServiceURL),
        ] {
            if let text, ServiceURL.parseList(text) == nil {
                problems.append("\(name) is not a host, host:port or http(s) URL (or a comma-separated list of them): \"\(text)\"")
            }
        }
        self.upstreamTimeout = .seconds(integer("UPSTREAM_TIMEOUT_SECONDS"))
        self.maxUploadBytes = integer("MAX_UPLOAD_BYTES")
        self.mongoURI = value("MONGODB_URI")
        if let uri = self.mongoURI, !(uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://")) {
            problems.append("MONGODB_URI must start with mongodb:// or mongodb+srv://")
        }
        self.mongoDatabase = value("MONGODB_DB")
        self.mongoServerSelectionTimeoutMS = integer("MONGODB_SERVER_SELECTION_TIMEOUT_MS")

        self.openAIKey = value("OPENAI_API_KEY")
        self.openAIBaseURL = url("OPENAI_BASE_URL") ?? ""
        self.openAITranscribeModel = text("OPENAI_TRANSCRIBE_MODEL") ?? "gpt-4o-mini-transcribe"
        self.openAIExtractModel = text("OPENAI_EXTRACT_MODEL") ?? "gpt-4o-mini"
        self.openAITimeout = .seconds(integer("OPENAI_TIMEOUT_SECONDS"))
        self.maxAudioBytes = integer("MAX_AUDIO_BYTES")
        self.maxTranscriptCharacters = integer("MAX_TRANSCRIPT_CHARS")
        self.idempotencyLease = TimeInterval(integer("IDEMPOTENCY_LEASE_SECONDS"))

        var origins: [String] = []
        for entry in (value("CLIENT_URL") ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let components = URLComponents(string: entry), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = components.host, !host.isEmpty
            else {
                problems.append("CLIENT_URL must be http(s) URLs, comma-separated, got \"\(entry)\"")
                continue
            }
            origins.append("\(scheme)://\(host.lowercased())" + (components.port.map { ":\($0)" } ?? ""))
        }
        self.corsOrigins = origins
        self.clientURL = (value("CLIENT_URL") ?? "").split(separator: ",").first.map { entry in
            let text = entry.trimmingCharacters(in: .whitespaces)
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        self.upstreamLongTimeout = .seconds(integer("UPSTREAM_LONG_TIMEOUT_SECONDS"))
        self.maxConcurrentUpstream = integer("MAX_CONCURRENT_UPSTREAM")
        self.bodyReadTimeout = .seconds(integer("BODY_READ_TIMEOUT_SECONDS"))
        self.idleTimeout = .seconds(integer("IDLE_TIMEOUT_SECONDS"))
        self.rateLimitAddress = text("RATE_LIMIT_ADDRESS") ?? "0"
        self.rateLimitSignIn = text("RATE_LIMIT_SIGN_IN") ?? "0"
        self.rateLimitUser = text("RATE_LIMIT_USER") ?? "0"
        for name in ["RATE_LIMIT_ADDRESS", "RATE_LIMIT_SIGN_IN", "RATE_LIMIT_USER"] {
            let setting = text(name) ?? "0"
            if setting != "0", RateLimitSyntax.isValid(setting) == false {
                problems.append("\(name) must be N/seconds (e.g. 600/60) or 0, got \"\(setting)\"")
            }
        }
        self.rateLimitMaxKeys = integer("RATE_LIMIT_MAX_KEYS")
        self.metricsToken = value("METRICS_TOKEN")
        if let token = self.metricsToken, token.utf8.count < 16 { problems.append("METRICS_TOKEN must be at least 16 characters") }
        self.googleClientID = value("GOOGLE_CLIENT_ID")
        self.googleClientSecret = value("GOOGLE_CLIENT_SECRET")
        self.googleClientIDs = (value("GOOGLE_CLIENT_IDS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.googleRedirectURI = url("GOOGLE_REDIRECT_URI")
        self.googleAuthURL = url("GOOGLE_AUTH_URL") ?? ""
        self.googleTokenURL = url("GOOGLE_TOKEN_URL") ?? ""
        self.googleJWKSURL = url("GOOGLE_JWKS_URL") ?? ""

        if !problems.isEmpty { throw SettingsError(problems: problems) }
    }

    /// The checks that depend on the role: which variables it needs, and whether its key configuration can work.
    public func validate(for role: Role) throws {
        var problems: [String] = []
        do { _ = try KeySetup(settings: self, role: role) } catch let error as SettingsError { problems += error.problems }
        switch role {
        case .gateway:
            if self.authServiceKey == nil { problems.append("AUTH_SERVICE_KEY is required by the gateway (it signs service tokens for the auth role)") }
            for (name, value) in [
                ("AUTH_SERVICE_URL", self.authServiceURL), ("USER_SERVICE_URL", self.userServiceURL), ("INVOICE_SERVICE_URL", self.invoiceServiceURL),
            ] where value == nil {
                problems.append("\(name) is required by the gateway")
            }
            if self.googleClientID != nil || self.googleClientSecret != nil || self.googleRedirectURI != nil {
                // Web sign-in is all or nothing: a half-configured flow would fail at Google, not here.
                if self.googleClientID == nil { problems.append("GOOGLE_CLIENT_ID is required for Google sign-in on the web") }
                if self.googleClientSecret == nil { problems.append("GOOGLE_CLIENT_SECRET is required for Google sign-in on the web") }
                if self.googleRedirectURI == nil {
                    problems.append("GOOGLE_REDIRECT_URI is required for Google sign-in on the web (…/api/auth/google/callback)")
                }
                if self.clientURL == nil { problems.append("CLIENT_URL is required for Google sign-in on the web (where the SPA receives the one-time code)") }
            }
        case .invoice:
            if self.userServiceURL == nil { problems.append("USER_SERVICE_URL is required by the invoice role (it reads the sender's business profile)") }
        case .auth:
            if self.authServiceKey == nil { problems.append("AUTH_SERVICE_KEY is required by the auth role (it verifies the gateway's service tokens)") }
        case .user:
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

/// `N/seconds`, as the rate-limit settings are written.
public enum RateLimitSyntax {
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let capacity = Int(parts[0]), let window = Int(parts[1]) else { return false }
        return capacity > 0 && (1...86_400).contains(window)
    }
}

/// What `ROLE` (and `serve`'s argument) may name: a role, or `all` for the four in one process.
public enum RoleChoiceNames {
    public static let all = Role.allCases.map(\.rawValue) + ["all"]
}

public struct SettingsError: Error, CustomStringConvertible {
    public let problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { "invalid configuration:\n" + self.problems.map { "  - " + $0 }.joined(separator: "\n") }
}

/// A service address as Render and others give it: a bare `host` (Render's `fromService … property: host`, a public
/// name served over HTTPS), `host:port` (`property: hostport`, private network, plain HTTP), or a full URL.
public enum ServiceURL {
    /// Several instances of one service (replicas), comma-separated; nil when any entry is not a valid address.
    public static func parseList(_ text: String) -> [String]? {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { return nil }
        var bases: [String] = []
        for entry in entries {
            guard let base = self.parse(entry) else { return nil }
            bases.append(base)
        }
        return bases
    }

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
