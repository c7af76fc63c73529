import Foundation
import OpenSSLSupport
import ServiceKit
import Storage
import WireFormat

/// Refresh tokens in families, and one-time sign-in codes, all stored only as SHA-256 hashes.
///
/// A refresh token is 256 random bits, base64url. Using it (`rotate`) marks it used and issues the next token of the
/// same family. Presenting a token that was already used means two parties hold the family (one of them stole it),
/// so the whole family is revoked. SHA-256 without salt is the right hash here: the input is 256 random bits, so
/// there is nothing to brute-force, and the lookup must be by hash.
struct RefreshTokenStore: Sendable {
    static let tokens = "refresh_tokens"
    static let families = "refresh_families"
    static let codes = "sign_in_codes"
    static let collections = [
        CollectionSpec(name: tokens, indexes: [IndexSpec(name: "family", fields: ["familyId"]), IndexSpec(name: "user", fields: ["userId"])]),
        CollectionSpec(name: families, indexes: [IndexSpec(name: "user", fields: ["userId"])]),
        CollectionSpec(name: codes, indexes: [IndexSpec(name: "expires", fields: ["expiresAt"])]),
    ]
    /// One-time codes live just long enough for a browser redirect and one POST.
    static let codeLifetime: TimeInterval = 60

    struct StoredToken: StoredDocument {
        var id: String  // hex SHA-256 of the token
        var familyId: String
        var userId: String
        var expiresAt: Date
        var usedAt: Date?
        var createdAt: Date
    }

    struct Family: StoredDocument {
        var id: String
        var userId: String
        var revoked: Bool
        var createdAt: Date
    }

    struct Code: StoredDocument {
        var id: String  // hex SHA-256 of the code
        var userId: String
        var expiresAt: Date
        /// The digest of the browser binding: the code is redeemed only together with it.
        var binding: String
    }

    enum Outcome {
        case rotated(userID: String, token: String)
        case invalid
        case reused
    }

    let store: any DocumentStore
    /// Idle lifetime of one token (each rotation starts a new one).
    let lifetime: TimeInterval
    /// Absolute lifetime of a family: a sign-in ends this long after it began, however often it rotated (ASVS 3.3.2).
    var maximumAge: TimeInterval = 90 * 86_400

    static func hash(_ token: String) -> String {
        OpenSSL.sha256Hex(Array(token.utf8))
    }

    static func randomToken() -> String { Base64URL.encode(OpenSSL.randomBytes(32)) }

    /// A new token, in a new family unless `familyID` continues one (whose start `familyStart` bounds its expiry).
    func issue(userID: String, familyID: String? = nil, familyStart: Date? = nil) async throws -> String {
        let now = Date.storeNow
        let family = familyID ?? DocumentID.make()
        if familyID == nil {
            try await self.store.insert(Family(id: family, userId: userID, revoked: false, createdAt: now), into: Self.families)
        }
        let token = Self.randomToken()
        let end = min(now.addingTimeInterval(self.lifetime), (familyStart ?? now).addingTimeInterval(self.maximumAge))
        try await self.store.insert(StoredToken(id: Self.hash(token), familyId: family, userId: userID, expiresAt: end, createdAt: now), into: Self.tokens)
        return token
    }

    func rotate(_ token: String) async throws -> Outcome {
        let hash = Self.hash(token)
        guard let stored = try await self.store.findOne(StoredToken.self, in: Self.tokens, where: .equal("id", .string(hash))) else { return .invalid }
        guard let family = try await self.store.findOne(Family.self, in: Self.families, where: .equal("id", .string(stored.familyId))), !family.revoked else {
            return .invalid
        }
        if stored.usedAt != nil {
            try await self.revoke(familyID: stored.familyId)
            return .reused
        }
        guard stored.expiresAt > Date() else { return .invalid }
        // The sign-in's absolute lifetime is over: the family ends, and the user signs in again.
        guard family.createdAt.addingTimeInterval(self.maximumAge) > Date() else {
            try await self.revoke(familyID: family.id)
            return .invalid
        }
        var used = stored
        used.usedAt = .storeNow
        // Conditional on "not used yet": of two concurrent uses, exactly one wins; the other is a reuse.
        guard try await self.store.replaceOne(used, in: Self.tokens, where: .and([.equal("id", .string(hash)), .equal("usedAt", .null)])) else {
            try await self.revoke(familyID: stored.familyId)
            return .reused
        }
        return .rotated(userID: stored.userId, token: try await self.issue(userID: stored.userId, familyID: stored.familyId, familyStart: family.createdAt))
    }

    /// Revokes the family of `token`, if the token is known.
    func revokeFamily(of token: String) async throws {
        guard let stored = try await self.store.findOne(StoredToken.self, in: Self.tokens, where: .equal("id", .string(Self.hash(token)))) else { return }
        try await self.revoke(familyID: stored.familyId)
    }

    func revoke(familyID: String) async throws {
        guard var family = try await self.store.findOne(Family.self, in: Self.families, where: .equal("id", .string(familyID))) else { return }
        family.revoked = true
        _ = try await self.store.replaceOne(family, in: Self.families, where: .equal("id", .string(familyID)))
    }

    func revokeAll(userID: String) async throws {
        let families = try await self.store.find(
            Family.self, in: Self.families, where: .and([.equal("userId", .string(userID)), .equal("revoked", .bool(false))]), sort: [], limit: 10_000
        )
        for family in families { try await self.revoke(familyID: family.id) }
    }

    // MARK: One-time codes

    func issueCode(userID: String, binding: String) async throws -> String {
        let code = Self.randomToken()
        try await self.store.insert(
            Code(id: Self.hash(code), userId: userID, expiresAt: Date.storeNow.addingTimeInterval(Self.codeLifetime), binding: Self.hash(binding)),
            into: Self.codes
        )
        return code
    }

    /// The user of a valid, unused, unexpired code presented with its binding; the code is gone afterwards whatever
    /// the outcome (a code presented from another browser is burnt, not left for a second guess).
    func redeemCode(_ code: String, binding: String) async throws -> String? {
        let hash = Self.hash(code)
        guard let stored = try await self.store.findOne(Code.self, in: Self.codes, where: .equal("id", .string(hash))) else { return nil }
        // The delete is the single-use gate: of two concurrent redemptions only one deletes the row.
        guard try await self.store.delete(in: Self.codes, where: .equal("id", .string(hash))) == 1 else { return nil }
        guard OpenSSL.constantTimeEquals(Array(stored.binding.utf8), Array(Self.hash(binding).utf8)) else { return nil }
        return stored.expiresAt > Date() ? stored.userId : nil
    }
}
