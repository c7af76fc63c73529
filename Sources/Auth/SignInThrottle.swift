import Foundation
import OpenSSLSupport
import ServiceKit
import Storage

/// Guesses per account (OWASP ASVS 2.2.1): the gateway's limits are per address, so a botnet could still try one
/// password per address against one account. Failed sign-ins are counted per normalised email — known or not, so the
/// throttle itself tells nothing about which addresses have accounts — and after `freeFailures` each further failure
/// locks that email out for a doubling delay (`firstLock` after the sixth, then twice that … at most `maximumLock`). A success clears the count;
/// a count with no failure for `forgetAfter` starts again.
///
/// It lives in the auth role's store, so every gateway instance and auth replica sees the same count, and it
/// survives restarts. Concurrent failures may be counted once instead of twice (read-modify-write); the lock still
/// engages a failure later, which is the bound that matters.
struct SignInThrottle: Sendable {
    static let collection = "sign_in_throttle"
    static let collections = [CollectionSpec(name: collection, indexes: [IndexSpec(name: "updated", fields: ["updatedAt"])])]
    static let freeFailures = 5
    static let firstLock: TimeInterval = 30
    static let maximumLock: TimeInterval = 900
    static let forgetAfter: TimeInterval = 24 * 3600

    struct Record: StoredDocument {
        var id: String  // hex SHA-256 of the normalised email
        var failures: Int
        var lockedUntil: Date?
        var updatedAt: Date
    }

    let store: any DocumentStore
    var now: @Sendable () -> Date = { Date() }

    static func key(_ email: String) -> String { OpenSSL.sha256Hex(Array("sign-in\n\(email)".utf8)) }

    /// Seconds until `email` may try again, or nil when it may now.
    func wait(for email: String) async throws -> Int? {
        guard let record = try await self.store.findOne(Record.self, in: Self.collection, where: .equal("id", .string(Self.key(email)))),
            let until = record.lockedUntil, until > self.now()
        else { return nil }
        return max(1, Int(until.timeIntervalSince(self.now()).rounded(.up)))
    }

    /// A 429 with `Retry-After` while `email` is locked out; nothing otherwise.
    func refuseIfLocked(_ email: String) async throws {
        if let wait = try await self.wait(for: email) {
            throw Problem(.tooManyRequests, detail: "Too many failed sign-ins for this address; try again in \(wait) s.", headers: [.retryAfter: String(wait)])
        }
    }

    func recordFailure(for email: String) async throws {
        let key = Self.key(email)
        let now = self.now()
        let existing = try await self.store.findOne(Record.self, in: Self.collection, where: .equal("id", .string(key)))
        var record = existing ?? Record(id: key, failures: 0, lockedUntil: nil, updatedAt: now)
        if now.timeIntervalSince(record.updatedAt) > Self.forgetAfter { record.failures = 0 }
        record.failures = min(record.failures + 1, 1000)
        record.updatedAt = now
        let over = record.failures - Self.freeFailures
        if over >= 1 {
            // firstLock × 2^(over-1), capped; the shift is taken only below 11, so it cannot overflow.
            let seconds = over > 10 ? Self.maximumLock : min(Self.maximumLock, Self.firstLock * TimeInterval(1 << (over - 1)))
            record.lockedUntil = now.addingTimeInterval(seconds)
        }
        if existing == nil {
            do { try await self.store.insert(record, into: Self.collection) } catch let error as StoreError where error.code == .duplicateKey {
                _ = try await self.store.replaceOne(record, in: Self.collection, where: .equal("id", .string(key)))
            }
        } else {
            _ = try await self.store.replaceOne(record, in: Self.collection, where: .equal("id", .string(key)))
        }
    }

    func recordSuccess(for email: String) async throws {
        _ = try await self.store.delete(in: Self.collection, where: .equal("id", .string(Self.key(email))))
    }

    /// Records of addresses nobody has failed on for a day: removed (run with the role's other sweeps).
    func sweep() async throws -> Int {
        try await self.store.delete(in: Self.collection, where: .less("updatedAt", .date(self.now().addingTimeInterval(-Self.forgetAfter))))
    }
}
