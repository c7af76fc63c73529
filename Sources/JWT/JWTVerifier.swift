import Foundation
import Synchronization

/// Verifies tokens against local keys and, optionally, a remote JWK Set (the gateway's `/.well-known/jwks.json`, or
/// Google's certificates).
///
/// The remote set is fetched on first use, refreshed when older than `maximumAge`, and refetched when a token names
/// an unknown `kid` — at most once per `minimumRefetchInterval`, so a flood of tokens with made-up kids cannot turn
/// into a flood of fetches. A failed fetch keeps the keys already known.
public final class JWTVerifier: Sendable {
    public typealias Fetch = @Sendable () async throws -> JWKSet

    private struct State {
        /// Local keys plus the last fetched set, merged once per fetch (building keys from JWKs is far too costly to
        /// repeat per request).
        var merged: JWTKeyCollection?
        var fetchedAt: ContinuousClock.Instant?
        var lastAttempt: ContinuousClock.Instant?
        /// The fetch in flight, which concurrent callers wait for instead of starting their own.
        var inflight: Task<Bool, Never>?
    }

    private let local: JWTKeyCollection
    private let fetch: Fetch?
    private let minimumRefetchInterval: Duration
    private let maximumAge: Duration
    private let state = Mutex(State())

    public init(keys: JWTKeyCollection, remote fetch: Fetch? = nil, minimumRefetchInterval: Duration = .seconds(5), maximumAge: Duration = .seconds(600)) {
        self.local = keys
        self.fetch = fetch
        self.minimumRefetchInterval = minimumRefetchInterval
        self.maximumAge = maximumAge
    }

    public func verify<Claims: RegisteredClaims>(_ token: String, as type: Claims.Type = Claims.self, rules: VerificationRules) async throws -> Claims {
        guard self.fetch != nil else { return try self.local.verify(token, as: type, rules: rules) }
        let now = ContinuousClock.now
        let (stale, neverFetched) = self.state.withLock { state in
            (state.fetchedAt.map { now - $0 > self.maximumAge } ?? true, state.fetchedAt == nil)
        }
        if stale { await self.refresh(force: neverFetched) }
        do {
            return try self.keys().verify(token, as: type, rules: rules)
        } catch let error as JWTError where error.code == .unknownKey {
            guard await self.refresh(force: false) else {
                if self.state.withLock({ $0.fetchedAt == nil }) { throw JWTError.keySetUnavailable }
                throw error
            }
            return try self.keys().verify(token, as: type, rules: rules)
        }
    }

    /// Local keys plus the latest remote ones.
    public func keys() -> JWTKeyCollection {
        self.state.withLock { $0.merged } ?? self.local
    }

    /// Fetches the remote set unless one was attempted within `minimumRefetchInterval` (or `force`); waits for a fetch
    /// already in flight. True when new keys arrived.
    @discardableResult
    public func refresh(force: Bool) async -> Bool {
        guard let fetch = self.fetch else { return false }
        let now = ContinuousClock.now
        let task = self.state.withLock { state -> Task<Bool, Never>? in
            if let inflight = state.inflight { return inflight }
            if !force, let last = state.lastAttempt, now - last < self.minimumRefetchInterval { return nil }
            state.lastAttempt = now
            let local = self.local
            let task = Task { () -> Bool in
                let set = try? await fetch()
                var merged = local
                let usable = set.map { (try? merged.add(jwks: $0)) != nil } ?? false
                self.state.withLock { state in
                    if usable {
                        state.merged = merged
                        state.fetchedAt = ContinuousClock.now
                    }
                    state.inflight = nil
                }
                return usable
            }
            state.inflight = task
            return task
        }
        guard let task else { return false }
        return await task.value
    }
}
