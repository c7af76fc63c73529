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
        return CatalogPage(
            items: entries.map {
                CatalogEntryView(
                    id: $0.id, description: $0.description, unit: $0.unit, unitPrice: $0.unitPrice, currency: $0.currency, useCount: $0.useCount,
                    lastUsedAt: $0.lastUsedAt
                )
            }
        )
    }

    func delete(id: String, user: AuthenticatedUser) async throws {
        guard try await self.catalog.delete(id: id, ownerID: user.id) else { throw Problem.notFound("No catalog entry with this id.") }
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

/// The business memory's storage: reads a user's `BusinessMemory` (the domain's: matching, vocabulary, usual rates)
/// once per request, adds a new client to the book, and records what each new invoice teaches.
struct MemoryRepository: Sendable {
    let clients: ClientRepository
    let catalog: CatalogRepository

    func snapshot(ownerID: String) async throws -> BusinessMemory {
        BusinessMemory(
            clients: try await self.clients.all(ownerID: ownerID),
            catalog: try await self.catalog.recent(ownerID: ownerID, limit: CatalogRepository.maximumEntries)
        )
    }

    /// The address-book entry for a new invoice's client: the matched one, or a new entry with just the name (the
    /// original's "frequent clients" grew the same way). Nil when the book is full.
    func client(for invoice: Invoice, in memory: BusinessMemory) async throws -> Client? {
        if let known = memory.match(invoice.to.name) { return known }
        guard memory.hasRoom else { return nil }
        let client = Client.new(id: DocumentID.make(), ownerID: invoice.ownerId, name: invoice.to.name, now: invoice.createdAt)
        do {
            try await self.clients.insert(client)
            return client
        } catch {
            // Someone added the same name meanwhile: use theirs.
            return try await self.clients.match(name: invoice.to.name, ownerID: invoice.ownerId)
        }
    }

    /// After an invoice is stored: its client's count, date and rates, and the services with their rates.
    /// Memory is best effort: the invoice is already stored, so a failure here is logged, never the request's.
    func remember(_ invoice: Invoice, at now: Date, logger: Logger) async {
        do {
            if let id = invoice.clientId, var client = try await self.clients.find(id: id, ownerID: invoice.ownerId) {
                client.remember(invoice, at: now)
                _ = try await self.clients.save(client)
            }
            try await self.catalog.remember(invoice)
        } catch {
            logger.warning("business memory not updated", metadata: ["invoiceId": .string(invoice.id), "error": .string("\(error)")])
        }
    }
}
