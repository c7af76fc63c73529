import Foundation
import HTTPTypes
import Hummingbird
import JWT
import ServiceKit
import Synchronization
import WireFormat

/// A rate as configured: `RATE_LIMIT_…=300/60` is a bucket of 300 requests refilled over 60 seconds; `0` is no limit.
public struct RateLimitRule: Sendable, Equatable {
    public var name: String
    public var capacity: Int
    public var window: Int

    public init(name: String, capacity: Int, window: Int) {
        self.name = name
        self.capacity = capacity
        self.window = window
    }

    public init?(name: String, text: String) {
        if text == "0" { return nil }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let capacity = Int(parts[0]), let window = Int(parts[1]), capacity > 0, (1...86_400).contains(window) else { return nil }
        self.init(name: name, capacity: capacity, window: window)
    }

    var perSecond: Double { Double(self.capacity) / Double(self.window) }
    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): quota q per window w seconds.
    var policy: String { "\"\(self.name)\";q=\(self.capacity);w=\(self.window)" }
}

/// Token buckets by key, bounded in memory.
///
/// Buckets live in 16 shards (a lock each, so concurrent requests rarely wait on one another). A shard never holds
/// more than its share of `maximumKeys`: when it is full, buckets idle long enough to be full again are dropped first
/// (forgetting them changes nothing), then the least recently used. A flood of distinct addresses therefore costs at
/// most `maximumKeys` buckets; under such a flood an evicted client starts again with a full bucket, which is the
/// price of the bound.
public final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public struct Decision: Sendable {
        public var allowed: Bool
        public var remaining: Int
        /// Seconds until a request would be allowed again (denied), or until the bucket is full again (allowed).
        public var reset: Int
    }

    let rule: RateLimitRule
    let shardCapacity: Int
    /// A Mutex cannot be copied into an array, so each shard is a small class holding one.
    final class Shard: Sendable {
        let buckets = Mutex<[String: Bucket]>([:])
    }
    private let shards: [Shard]

    public init(rule: RateLimitRule, maximumKeys: Int) {
        self.rule = rule
        self.shardCapacity = max(16, maximumKeys / 16)
        self.shards = (0..<16).map { _ in Shard() }
    }

    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Decision {
        let rate = self.rule.perSecond
        let capacity = Double(self.rule.capacity)
        let shard = self.shards[Int(UInt(bitPattern: key.hashValue) % 16)]
        return shard.buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double((now - bucket.updated).components.seconds) + Double((now - bucket.updated).components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + max(0, elapsed) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets[key] == nil, buckets.count >= self.shardCapacity {
                Self.evict(&buckets, capacity: capacity, rate: rate, now: now, target: self.shardCapacity * 9 / 10)
            }
            buckets[key] = bucket
            let reset = allowed ? (capacity - bucket.tokens) / rate : (1 - bucket.tokens) / rate
            return Decision(allowed: allowed, remaining: Int(bucket.tokens), reset: Int(reset.rounded(.up)))
        }
    }

    /// Drops buckets that would be full by now, then the least recently used, down to `target`.
    static func evict(_ buckets: inout [String: Bucket], capacity: Double, rate: Double, now: ContinuousClock.Instant, target: Int) {
        let fullAfter = Duration.seconds(capacity / rate)
        buckets = buckets.filter { now - $0.value.updated < fullAfter }
        guard buckets.count > target else { return }
        let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count - target).map(\.key)
        for key in oldest { buckets[key] = nil }
    }
}

/// The gateway's rate limits: every `/api` request takes from its client address's bucket, sign-in requests from a
/// stricter one (credential stuffing), and requests with a valid access token from their user's bucket too. 429 is a
/// problem with `Retry-After`; `RateLimit-Policy` and `RateLimit` say where a client stands on every limited route.
/// Limits are per gateway instance: with n instances behind a load balancer a client can get up to n times them.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let address: RateLimiter?
    let signIn: RateLimiter?
    let user: RateLimiter?
    let tokens: TokenService
    let onReject: @Sendable (String) -> Void

    static let signInPaths: Set<String> = [
        "/api/auth/login", "/api/auth/register", "/api/auth/refresh", "/api/auth/google/token", "/api/auth/exchange", "/api/auth/google/callback",
        "/api/auth/google/link",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // CanonicalPathMiddleware ran first: this path is the one spelling the router matches, so a limit cannot be
        // walked around with `//api/…` or a trailing slash. Only the platform's health probes are exempt.
        let path = request.uri.path
        guard path != "/healthz", path != "/readyz" else { return try await next(request, context) }
        var applied: [(RateLimitRule, RateLimiter.Decision)] = []
        func take(_ limiter: RateLimiter?, _ key: String) throws {
            guard let limiter else { return }
            let decision = limiter.take(key)
            applied.append((limiter.rule, decision))
            guard decision.allowed else {
                self.onReject(limiter.rule.name)
                var problem = Problem(.tooManyRequests, detail: "Too many requests; try again in \(decision.reset) s.")
                problem.headers[.retryAfter] = String(max(1, decision.reset))
                problem.headers[.rateLimitPolicy] = applied.map(\.0.policy).joined(separator: ", ")
                problem.headers[.rateLimit] = Self.state(applied)
                throw problem
            }
        }
        let addressKey = Self.addressKey(context.clientAddress)
        try take(self.address, addressKey)
        if Self.signInPaths.contains(path) { try take(self.signIn, addressKey) }
        // The token is read exactly as the services read it, so no spelling of the scheme is a user to them and
        // anonymous here.
        if let user = self.user, let token = BearerAuthMiddleware.bearerToken(request),
            let claims = try? await self.tokens.verifyAccessToken(token), let subject = claims.sub
        {
            try take(user, subject)
        }
        var response = try await next(request, context)
        if !applied.isEmpty {
            response.headers[.rateLimitPolicy] = applied.map(\.0.policy).joined(separator: ", ")
            response.headers[.rateLimit] = Self.state(applied)
        }
        return response
    }

    /// The bucket of a client address: an IPv4 address as is (a /32), an IPv6 address by its /64 — one subscriber's
    /// allocation, so rotating through the addresses of one's own prefix is not a fresh bucket each time. IPv4-mapped
    /// IPv6 addresses count as the IPv4 address.
    static func addressKey(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        // Runs on every request from an IPv6 client.
        return Hex.lowercase(bytes[0..<8]) + "::/64"
    }

    /// `RateLimit`: the tightest of the limits applied, as remaining r and seconds to reset t.
    static func state(_ applied: [(RateLimitRule, RateLimiter.Decision)]) -> String {
        guard let (rule, decision) = applied.min(by: { $0.1.remaining < $1.1.remaining }) else { return "" }
        return "\"\(rule.name)\";r=\(decision.remaining);t=\(decision.reset)"
    }
}

extension HTTPField.Name {
    static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!
    static let rateLimit = HTTPField.Name("RateLimit")!
}
