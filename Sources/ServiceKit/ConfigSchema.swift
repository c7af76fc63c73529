import Foundation

/// One environment variable: who reads it, whether it must be set, its default, whether it is a secret, what it
/// means and what values it takes. `Settings` reads every variable through this table (defaults and ranges come from
/// here), `voice-invoice config check` validates against it, `config env-example` prints `.env.example` from it, and
/// the deploy-file tests check render.yaml and fly/*.toml against it.
public struct ConfigVariable: Sendable {
    public enum Kind: Sendable, Equatable {
        case text
        case integer(ClosedRange<Int>)
        case choice([String])
        /// An http(s) URL.
        case url
        /// http(s) URLs, comma-separated.
        case urlList
        /// One service address or several (replicas), comma-separated: `host`, `host:port` or an http(s) URL each.
        case serviceURLs
        /// PEM text (newlines may be written as \n) or a path to a PEM file.
        case pem
        /// Random bytes, at least this many (one entry, or a comma-separated list).
        case secret(minimumBytes: Int)
        case commaList
        case mongoURI
        /// `TRUST_PROXY`: a hop count or a comma-separated list of CIDRs.
        case trustProxy
    }

    public enum Requirement: Sendable, Equatable {
        case optional
        /// Must be set for the roles listed on the variable.
        case required
        /// Must be set when the tokens are HS256 (the default).
        case requiredWithHS256
        /// Must be set on the gateway when the tokens are RS256 or ES256.
        case requiredWithAsymmetric
    }

    public var name: String
    public var roles: [Role]
    public var requirement: Requirement
    public var defaultValue: String?
    public var secret: Bool
    public var kind: Kind
    /// Services deployed apart (Render, Fly) must set it even though a local run need not: without it each host
    /// would keep its own embedded store.
    public var requiredWhenDeployed: Bool
    public var description: String

    public init(
        _ name: String, roles: [Role] = Role.allCases, requirement: Requirement = .optional, default defaultValue: String? = nil, secret: Bool = false,
        kind: Kind = .text, requiredWhenDeployed: Bool = false, _ description: String
    ) {
        self.name = name
        self.roles = roles
        self.requirement = requirement
        self.defaultValue = defaultValue
        self.secret = secret
        self.kind = kind
        self.requiredWhenDeployed = requiredWhenDeployed
        self.description = description
    }
}

public enum ConfigSchema {
    static let storeRoles: [Role] = [.auth, .user, .invoice]

    public static let variables: [ConfigVariable] = [
        // Process.
        .init(
            "ROLE", kind: .choice(["gateway", "auth", "user", "invoice", "all"]),
            "The role `voice-invoice serve` runs when none is given on the command line (one image, four services)."),
        .init("HOST", default: "0.0.0.0", "Address to listen on; `::` listens on IPv6 and IPv4 (Fly's .internal network is IPv6)."),
        .init("PORT", default: "3000", kind: .integer(0...65535), "Port to listen on (Render sets it; on Fly it must equal internal_port)."),
        .init(
            "LOG_LEVEL", default: "info", kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            "JSON log lines at this level and above."),
        .init(
            "TRUST_PROXY", default: "0", kind: .trustProxy,
            "Which proxies to believe for X-Forwarded-For/-Proto: a hop count (1 behind Render's or Fly's edge) or a list of CIDRs; 0 believes none."),
        .init(
            "SHUTDOWN_GRACE_SECONDS", default: "25", kind: .integer(1...300),
            "After SIGTERM, in-flight requests get this long to finish before the process exits."),
        .init(
            "DATA_DIR", roles: storeRoles, default: "./.data", "Directory of the embedded SQLite store (one file per role), used when MONGODB_URI is not set."),
        // Tokens.
        .init(
            "JWT_ALG", default: "HS256", kind: .choice(["HS256", "RS256", "ES256"]),
            "Access-token algorithm: HS256 (one shared secret) or RS256/ES256 (only the gateway holds the private key)."),
        .init(
            "JWT_SECRET", requirement: .requiredWithHS256, secret: true, kind: .secret(minimumBytes: 32),
            "HS256 key, the same on every role: at least 32 random bytes (`voice-invoice token keygen --alg HS256`)."),
        .init("JWT_PREVIOUS_SECRETS", secret: true, kind: .secret(minimumBytes: 32), "Older HS256 keys still accepted during a rotation, comma-separated."),
        .init(
            "JWT_PRIVATE_KEY", roles: [.gateway], requirement: .requiredWithAsymmetric, secret: true, kind: .pem,
            "RS256/ES256 private key (PEM text or file path); gateway only."),
        .init("JWT_PUBLIC_KEY", roles: [.auth, .user, .invoice], kind: .pem, "RS256/ES256 public key to verify with, instead of fetching JWKS_URL."),
        .init("JWT_PREVIOUS_PUBLIC_KEYS", kind: .pem, "Older RS256/ES256 public keys still published and accepted during a rotation (PEM blocks)."),
        .init(
            "JWKS_URL", roles: [.auth, .user, .invoice], kind: .url,
            "The gateway's JWK Set (https://<gateway>/.well-known/jwks.json), for RS256/ES256 without JWT_PUBLIC_KEY."),
        .init("JWT_ISSUER", default: "voice-invoice", "The `iss` of access tokens."),
        .init("JWT_AUDIENCE", default: "voice-invoice-api", "The `aud` of access tokens."),
        .init(
            "ACCESS_TOKEN_TTL", roles: [.gateway], default: "900", kind: .integer(60...3600),
            "Access-token lifetime, seconds (at most an hour: tokens cannot be revoked)."),
        .init(
            "REFRESH_TOKEN_TTL", roles: [.auth], default: "2592000", kind: .integer(3600...31_536_000),
            "Refresh-token lifetime, seconds (idle: each rotation starts it again)."),
        .init(
            "REFRESH_FAMILY_MAX_AGE", roles: [.auth], default: "7776000", kind: .integer(3600...31_536_000),
            "Absolute lifetime of a sign-in, seconds: after it the refresh family ends however often it rotated, and the user signs in again."),
        .init(
            "AUTH_SERVICE_KEY", roles: [.gateway, .auth], requirement: .required, secret: true, kind: .secret(minimumBytes: 32),
            "Key of the service tokens that open the auth role's internal endpoints (at least 32 random bytes); the gateway and auth only, never the user or invoice roles."
        ),
        // Services.
        .init(
            "AUTH_SERVICE_URL", roles: [.gateway], requirement: .required, kind: .serviceURLs,
            "The auth service: host (Render's fromService host, HTTPS), host:port or URL; several, comma-separated, for replicas."),
        .init("USER_SERVICE_URL", roles: [.gateway, .invoice], requirement: .required, kind: .serviceURLs, "The user service (same forms)."),
        .init("INVOICE_SERVICE_URL", roles: [.gateway], requirement: .required, kind: .serviceURLs, "The invoice service (same forms)."),
        .init(
            "UPSTREAM_TIMEOUT_SECONDS", roles: [.gateway, .invoice], default: "30", kind: .integer(1...600),
            "How long a call to another service may take (504 beyond)."),
        .init(
            "UPSTREAM_LONG_TIMEOUT_SECONDS", roles: [.gateway], default: "120", kind: .integer(1...900),
            "Timeout for the slow routes (voice, transcriptions, PDFs) through the gateway."),
        .init(
            "MAX_CONCURRENT_UPSTREAM", roles: [.gateway], default: "512", kind: .integer(1...100_000),
            "Requests the gateway forwards at once; beyond, 503 with Retry-After."),
        .init(
            "BODY_READ_TIMEOUT_SECONDS", default: "30", kind: .integer(1...600),
            "A request body must arrive within this time (slow clients are cut off with 408)."),
        .init(
            "IDLE_TIMEOUT_SECONDS", default: "75", kind: .integer(5...3600),
            "A connection with no request in flight and nothing received for this long is closed."),
        .init("RATE_LIMIT_ADDRESS", roles: [.gateway], default: "600/60", "Requests per client address: N/seconds (a token bucket), 0 for none."),
        .init("RATE_LIMIT_SIGN_IN", roles: [.gateway], default: "10/60", "Sign-in requests (login, register, refresh, Google, exchange) per client address."),
        .init("RATE_LIMIT_USER", roles: [.gateway], default: "1200/60", "Requests per signed-in user."),
        .init(
            "RATE_LIMIT_MAX_KEYS", roles: [.gateway], default: "100000", kind: .integer(1000...10_000_000),
            "Most buckets kept per limit (memory bound: about 100 bytes each)."),
        .init(
            "METRICS_TOKEN", secret: true,
            "When set, GET /metrics needs `Authorization: Bearer <token>`; when unset, /metrics answers only loopback and private clients that did not come through a proxy."
        ),
        .init(
            "MAX_UPLOAD_BYTES", roles: [.gateway], default: "27262976", kind: .integer(1024...536_870_912),
            "Largest request body the gateway forwards (above MAX_AUDIO_BYTES)."),
        // Storage.
        .init(
            "MONGODB_URI", roles: storeRoles, secret: true, kind: .mongoURI, requiredWhenDeployed: true,
            "MongoDB (e.g. Atlas mongodb+srv://…); the embedded SQLite store when unset."),
        .init("MONGODB_DB", roles: storeRoles, "Database name when the URI names none (default voice_invoice)."),
        .init(
            "MONGODB_SERVER_SELECTION_TIMEOUT_MS", roles: storeRoles, default: "2000", kind: .integer(100...30_000),
            "How long an operation waits for a reachable server (then 503)."),
        // The AI provider.
        .init(
            "OPENAI_API_KEY", roles: [.invoice], secret: true,
            "Key of OpenAI or any OpenAI-compatible server; without it the offline rule-based extractor is used and voice is off."),
        .init(
            "OPENAI_BASE_URL", roles: [.invoice], default: "https://api.openai.com/v1", kind: .url, "Base URL of the provider (Ollama, vLLM, LocalAI work too)."
        ),
        .init("OPENAI_TRANSCRIBE_MODEL", roles: [.invoice], default: "gpt-4o-mini-transcribe", "Transcription model."),
        .init("OPENAI_EXTRACT_MODEL", roles: [.invoice], default: "gpt-4o-mini", "Extraction model (must support json_schema strict output)."),
        .init(
            "OPENAI_TIMEOUT_SECONDS", roles: [.invoice], default: "60", kind: .integer(1...600),
            "Per provider attempt; 429 and 5xx are retried twice, honouring Retry-After."),
        .init("MAX_AUDIO_BYTES", roles: [.invoice], default: "26214400", kind: .integer(1024...104_857_600), "Largest audio upload (413 beyond)."),
        .init("MAX_TRANSCRIPT_CHARS", roles: [.invoice], default: "10000", kind: .integer(100...100_000), "Longest transcript (413 beyond)."),
        .init(
            "IDEMPOTENCY_LEASE_SECONDS", roles: [.invoice], default: "60", kind: .integer(1...3600),
            "How long a keyed request in progress holds its Idempotency-Key; a retry after it (the process died) resumes it."),
        // Google sign-in.
        .init(
            "CLIENT_URL", roles: [.gateway], kind: .urlList,
            "The SPAs' origins, comma-separated: CORS allows them, Google web sign-in redirects to the first (/auth/callback)."),
        .init("GOOGLE_CLIENT_ID", roles: [.gateway], "Google web OAuth client id (enables web sign-in with the next three)."),
        .init("GOOGLE_CLIENT_SECRET", roles: [.gateway], secret: true, "Google web OAuth client secret."),
        .init("GOOGLE_REDIRECT_URI", roles: [.gateway], kind: .url, "https://<gateway>/api/auth/google/callback, as registered in the Google console."),
        .init("GOOGLE_CLIENT_IDS", roles: [.gateway], kind: .commaList, "More accepted ID-token audiences (Android/iOS client ids), comma-separated."),
        .init(
            "GOOGLE_AUTH_URL", roles: [.gateway], default: "https://accounts.google.com/o/oauth2/v2/auth", kind: .url,
            "Google's authorization endpoint (tests point it at a peer)."),
        .init("GOOGLE_TOKEN_URL", roles: [.gateway], default: "https://oauth2.googleapis.com/token", kind: .url, "Google's token endpoint."),
        .init("GOOGLE_JWKS_URL", roles: [.gateway], default: "https://www.googleapis.com/oauth2/v3/certs", kind: .url, "Google's signing keys."),
    ]

    public static func variable(_ name: String) -> ConfigVariable? { self.variables.first { $0.name == name } }

    /// `.env.example`, generated: every variable, grouped by who reads it, required ones uncommented.
    public static func envExample() -> String {
        var lines = [
            "# VoiceInvoice configuration: every environment variable of every role.",
            "# Generated by `voice-invoice config env-example` from the schema in Sources/ServiceKit/ConfigSchema.swift;",
            "# a test fails when this file is stale. Check an environment with `voice-invoice config check --role <role>`.",
            "# Nothing is required for a local run (`voice-invoice serve all` generates a throw-away JWT_SECRET and uses the",
            "# embedded store); deployed roles need the variables marked required. Secrets belong in the platform's secret",
            "# store, never in a committed file.",
        ]
        var groups: [(String, [ConfigVariable])] = []
        for variable in self.variables {
            let title = variable.roles.count == Role.allCases.count ? "every role" : variable.roles.map(\.rawValue).joined(separator: ", ")
            if let index = groups.firstIndex(where: { $0.0 == title }) { groups[index].1.append(variable) } else { groups.append((title, [variable])) }
        }
        for (title, variables) in groups {
            lines += ["", "# ── \(title) " + String(repeating: "─", count: max(3, 100 - title.count))]
            for variable in variables {
                var notes: [String] = []
                switch variable.requirement {
                case .required: notes.append("Required.")
                case .requiredWithHS256: notes.append("Required with HS256.")
                case .requiredWithAsymmetric: notes.append("Required with RS256/ES256.")
                case .optional: if variable.requiredWhenDeployed { notes.append("Required when the roles run on separate hosts.") }
                }
                if variable.secret { notes.append("Secret.") }
                if let value = variable.defaultValue { notes.append("Default: \(value).") }
                lines.append("# \(variable.name): \(variable.description)" + (notes.isEmpty ? "" : " " + notes.joined(separator: " ")))
                let required = variable.requirement == .required || variable.requirement == .requiredWithHS256
                lines.append((required ? "" : "#") + "\(variable.name)=" + (variable.secret ? "" : variable.defaultValue ?? ""))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every problem with `environment` for `role` (nil: for every role), in the words a role prints when it refuses to
    /// start; empty when the role can start.
    public static func check(_ environment: [String: String], role: Role?) -> [String] {
        let settings: Settings
        do { settings = try Settings(environment: environment) } catch let error as SettingsError { return error.problems } catch { return ["\(error)"] }
        var problems: [String] = []
        for candidate in role.map({ [$0] }) ?? Role.allCases {
            do { try settings.validate(for: candidate) } catch let error as SettingsError {
                problems += error.problems.map { role == nil ? "\(candidate.rawValue): \($0)" : $0 }
            } catch { problems.append("\(error)") }
        }
        return problems
    }
}
