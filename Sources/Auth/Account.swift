import Foundation
import ServiceKit
import Storage

/// A sign-in account, owned by the auth role (collection `accounts`).
struct Account: StoredDocument, Equatable {
    var id: String
    /// Normalised: trimmed and lower-cased.
    var email: String
    var name: String
    /// Absent for accounts that sign in with Google only.
    var passwordHash: String?
    /// Google's `sub` once linked; the account is keyed on it, never on the email.
    var googleSubject: String?
    var createdAt: Date

    var publicView: AccountView {
        AccountView(
            id: self.id, email: self.email, name: self.name, hasPassword: self.passwordHash != nil, google: self.googleSubject != nil, createdAt: self.createdAt
        )
    }
}

/// What clients and the gateway see of an account: never the hash or the Google subject.
public struct AccountView: Codable, Sendable, Hashable {
    public var id: String
    public var email: String
    public var name: String
    public var hasPassword: Bool
    public var google: Bool
    public var createdAt: Date
}

/// The auth role's account storage, written against the store interface.
struct AccountRepository: Sendable {
    static let collection = "accounts"
    static let collections = [
        CollectionSpec(
            name: collection,
            indexes: [
                IndexSpec(name: "email", fields: ["email"], unique: true),
                IndexSpec(name: "google_subject", fields: ["googleSubject"], unique: true, sparse: true),
            ]
        )
    ]
    let store: any DocumentStore

    func create(_ account: Account) async throws {
        try await self.store.insert(account, into: Self.collection)
    }

    func save(_ account: Account) async throws {
        _ = try await self.store.replaceOne(account, in: Self.collection, where: .equal("id", .string(account.id)))
    }

    func find(email: String) async throws -> Account? {
        try await self.store.findOne(Account.self, in: Self.collection, where: .equal("email", .string(email)))
    }

    func find(id: String) async throws -> Account? {
        try await self.store.findOne(Account.self, in: Self.collection, where: .equal("id", .string(id)))
    }

    func find(googleSubject: String) async throws -> Account? {
        try await self.store.findOne(Account.self, in: Self.collection, where: .equal("googleSubject", .string(googleSubject)))
    }
}
