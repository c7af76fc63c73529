import Foundation
import Hummingbird
import Invoicing
import Logging
import ServiceKit
import Storage

// The catalog entry is the domain's (`Invoicing.CatalogEntry`); stored as it is.
extension CatalogEntry: StoredDocument {}

struct CatalogRepository: Sendable {
    static let collection = "catalog"
    static let maximumEntries = CatalogEntry.maximumEntries
    static let collections = [
        CollectionSpec(
            name: collection,
            indexes: [
                IndexSpec(name: "owner_key", fields: ["ownerId", "key"], unique: true), IndexSpec(name: "owner_recent", fields: ["ownerId", "lastUsedAt"]),
            ]
        )
    ]
    let store: any DocumentStore

    func recent(ownerID: String, limit: Int) async throws -> [CatalogEntry] {
        try await self.store.find(
            CatalogEntry.self, in: Self.collection, where: .equal("ownerId", .string(ownerID)),
            sort: [SortField("lastUsedAt", descending: true), SortField("id")],
            limit: limit
        )
    }

    /// The entries of these services (folded descriptions), in any currency: a key-prefix range per service on the
    /// unique (owner, key) index. At most `maximumEntries` are read.
    func entries(forServices services: Set<String>, ownerID: String) async throws -> [CatalogEntry] {
        guard !services.isEmpty else { return [] }
        // Keys are "<folded description>|<currency>": every key of a service lies in ["<service>|", "<service>}").
        let ranges: [Filter] = services.sorted().prefix(Self.maximumEntries).map { service in
            .and([.greater("key", .string(service + "|")), .less("key", .string(service + "}"))])
        }
        return try await self.store.find(
            CatalogEntry.self, in: Self.collection, where: .and([.equal("ownerId", .string(ownerID)), .or(ranges)]),
            sort: [SortField("lastUsedAt", descending: true), SortField("id")], limit: Self.maximumEntries
        )
    }

    func find(id: String, ownerID: String) async throws -> CatalogEntry? {
        guard DocumentID.isWellFormed(id) else { return nil }
        return try await self.store.findOne(
            CatalogEntry.self, in: Self.collection, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID))]))
    }

    func save(_ entry: CatalogEntry) async throws -> Bool {
        try await self.store.replaceOne(
            entry, in: Self.collection, where: .and([.equal("id", .string(entry.id)), .equal("ownerId", .string(entry.ownerId))]))
    }

    func delete(id: String, ownerID: String) async throws -> Bool {
        guard DocumentID.isWellFormed(id) else { return false }
        return try await self.store.delete(in: Self.collection, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID))])) > 0
    }

    /// Records the items of a new invoice: one entry per service and currency, with the latest rate.
    func remember(_ invoice: Invoice) async throws {
        for item in invoice.items where item.unitPrice > 0 {
            let key = CatalogEntry.key(item.description, invoice.currency)
            let filter: Filter = .and([.equal("ownerId", .string(invoice.ownerId)), .equal("key", .string(key))])
            // Read, then replace or insert; a concurrent insert of the same key loses on the unique index and retries once.
            for _ in 0..<2 {
                if var entry = try await self.store.findOne(CatalogEntry.self, in: Self.collection, where: filter) {
                    entry.remember(item, of: invoice)
                    _ = try await self.store.replaceOne(entry, in: Self.collection, where: .equal("id", .string(entry.id)))
                    break
                }
                do {
                    try await self.store.insert(CatalogEntry.first(id: DocumentID.make(), item: item, of: invoice), into: Self.collection)
                    break
                } catch let error as StoreError where error.code == .duplicateKey {
                    continue
                }
            }
        }
        // Forget the least recently used beyond the bound.
        let overflow = try await self.store.find(
            CatalogEntry.self, in: Self.collection, where: .equal("ownerId", .string(invoice.ownerId)),
            sort: [SortField("lastUsedAt", descending: true), SortField("id")], limit: Self.maximumEntries + 20
        ).dropFirst(Self.maximumEntries)
        for entry in overflow { _ = try await self.store.delete(in: Self.collection, where: .equal("id", .string(entry.id))) }
    }
}

/// The catalog as the API shows it (`GET /api/catalog?limit=`, most recently used first; `DELETE /api/catalog/{id}`),
/// scoped to the token's user.
struct CatalogController {
    let catalog: CatalogRepository

    func list(limit: Int?, user: AuthenticatedUser) async throws -> CatalogPage {
        let entries = try await self.catalog.recent(ownerID: user.id, limit: try Query.limit(limit, default: 50))
        return CatalogPage(items: entries.map(Self.view))
    }

    func delete(id: String, user: AuthenticatedUser) async throws {
        guard try await self.catalog.delete(id: id, ownerID: user.id) else { throw Problem.notFound("No catalog entry with this id.") }
    }

    /// The usual rate (the one a new price is checked against) or the unit, set by hand.
    func update(id: String, patch: CatalogEntryPatch, user: AuthenticatedUser) async throws -> CatalogEntryView {
        guard var entry = try await self.catalog.find(id: id, ownerID: user.id) else { throw Problem.notFound("No catalog entry with this id.") }
        try patch.apply(to: &entry)
        guard try await self.catalog.save(entry) else { throw Problem.notFound("No catalog entry with this id.") }
        return Self.view(entry)
    }

    static func view(_ entry: CatalogEntry) -> CatalogEntryView {
        CatalogEntryView(
            id: entry.id, description: entry.description, unit: entry.unit, unitPrice: entry.unitPrice, currency: entry.currency,
            useCount: entry.useCount, lastUsedAt: entry.lastUsedAt
        )
    }
}

/// `PATCH /api/catalog/{id}`: absent leaves a field, null clears the unit; the price is integer minor units.
struct CatalogEntryPatch: Decodable, Hashable, Sendable {
    var unitPrice: PatchField<MinorUnits> = .absent
    var unit: PatchField<String> = .absent

    func apply(to entry: inout CatalogEntry) throws {
        var problems: [Problem.FieldProblem] = []
        switch self.unitPrice {
        case .value(let price):
            // The same bounds as a price on an invoice (Money's parser), so a remembered rate can always be billed.
            let valid =
                price.value >= 0
                && (try? Money(parsing: Money(minorUnits: price.value, currency: entry.currency).decimalString, currency: entry.currency)) != nil
            if !valid {
                problems.append(.init(field: "unitPrice", message: "must be a non-negative amount in minor units of \(entry.currency.code)"))
            } else {
                entry.unitPrice = price.value
            }
        case .null: problems.append(.init(field: "unitPrice", message: "cannot be null"))
        case .absent: break
        }
        if let unit = self.unit.text("unit", max: 40, problems: &problems) { entry.unit = unit }
        if !problems.isEmpty { throw Problem.unprocessable("The service could not be changed.", errors: problems) }
    }
}

struct CatalogEntryView: Encodable, Hashable, Sendable {
    var id: String
    var description: String
    var unit: String?
    /// Integer minor units of `currency`, like every amount in the API.
    var unitPrice: Int64
    var currency: Currency
    var useCount: Int
    var lastUsedAt: Date
}

struct CatalogPage: Encodable, Hashable, Sendable {
    var items: [CatalogEntryView]
}
