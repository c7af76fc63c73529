import Foundation
import Hummingbird
import Invoicing
import Logging
import ServiceKit
import Storage

/// A service the user has billed, with the rate last charged: the "common services" memory. Updated whenever an
/// invoice is created, listed and deleted one by one, and given to extraction (and transcription) as vocabulary.
struct CatalogEntry: StoredDocument, Equatable {
    var id: String
    var ownerId: String
    /// Folded description and currency, unique per owner.
    var key: String
    var description: String
    var unit: String?
    var unitPrice: Int64
    var currency: Currency
    var useCount: Int
    var lastUsedAt: Date
    var createdAt: Date
}

struct CatalogRepository: Sendable {
    static let collection = "catalog"
    /// The memory is bounded: the least recently used entries beyond this are forgotten.
    static let maximumEntries = 200
    static let collections = [
        CollectionSpec(
            name: collection,
            indexes: [IndexSpec(name: "owner_key", fields: ["ownerId", "key"], unique: true), IndexSpec(name: "owner_recent", fields: ["ownerId", "lastUsedAt"])]
        )
    ]
    let store: any DocumentStore

    func recent(ownerID: String, limit: Int) async throws -> [CatalogEntry] {
        try await self.store.find(
            CatalogEntry.self, in: Self.collection, where: .equal("ownerId", .string(ownerID)), sort: [SortField("lastUsedAt", descending: true), SortField("id")],
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
            let key = SearchText.fold(item.description) + "|" + invoice.currency.code
            let filter: Filter = .and([.equal("ownerId", .string(invoice.ownerId)), .equal("key", .string(key))])
            // Read, then replace or insert; a concurrent insert of the same key loses on the unique index and retries once.
            for _ in 0..<2 {
                if var entry = try await self.store.findOne(CatalogEntry.self, in: Self.collection, where: filter) {
                    entry.description = item.description
                    entry.unit = item.unit
                    entry.unitPrice = item.unitPrice
                    entry.useCount += 1
                    entry.lastUsedAt = invoice.createdAt
                    _ = try await self.store.replaceOne(entry, in: Self.collection, where: .equal("id", .string(entry.id)))
                    break
                }
                let entry = CatalogEntry(
                    id: DocumentID.make(), ownerId: invoice.ownerId, key: key, description: item.description, unit: item.unit,
                    unitPrice: item.unitPrice, currency: invoice.currency, useCount: 1, lastUsedAt: invoice.createdAt, createdAt: invoice.createdAt
                )
                do {
                    try await self.store.insert(entry, into: Self.collection)
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

/// `/api/catalog`: the common services memory (bearer token; scoped to its user).
///
/// - `GET /api/catalog?limit=` → {items} most recently used first
/// - `DELETE /api/catalog/{id}`
/// The catalog as the API shows it: what was billed, most recently used first.
struct CatalogController {
    let catalog: CatalogRepository

    func list(limit: Int?, user: AuthenticatedUser) async throws -> CatalogPage {
        let entries = try await self.catalog.recent(ownerID: user.id, limit: try Query.limit(limit, default: 50))
        return CatalogPage(
            items: entries.map {
                CatalogEntryView(
                    id: $0.id, description: $0.description, unit: $0.unit, unitPrice: $0.unitPrice, currency: $0.currency, useCount: $0.useCount, lastUsedAt: $0.lastUsedAt
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

/// The business memory as a whole: what extraction is told, what a draft is checked against, and what each new
/// invoice teaches it.
struct BusinessMemory: Sendable {
    let clients: ClientRepository
    let catalog: CatalogRepository

    /// What is known of a user, read once per request: the whole address book (bounded) and the catalog.
    struct Snapshot: Sendable {
        var clients: [Client]
        var catalog: [CatalogEntry]

        /// Known client names (most recently invoiced first, with aliases) and services, for the prompts.
        var vocabulary: (clients: [String], services: [String]) {
            let recent = self.clients.filter { $0.invoiceCount > 0 }.sorted { ($0.lastInvoicedAt ?? .distantPast) > ($1.lastInvoicedAt ?? .distantPast) }
            return (recent.prefix(10).flatMap { [$0.name] + $0.aliases }, self.catalog.prefix(15).map(\.description))
        }

        /// The client a spoken or typed name means: case-, accent-, punctuation- and alias-insensitive.
        func match(_ name: String) -> Client? {
            let key = SearchText.fold(name)
            return key.isEmpty ? nil : self.clients.first { $0.matchKeys.contains(key) }
        }

        /// The usual rate per folded service: this client's own history first, then what any client was charged.
        func usualRates(for client: Client?) -> [String: Money] {
            var rates: [String: Money] = [:]
            for entry in self.catalog.reversed() { rates[SearchText.fold(entry.description)] = Money(minorUnits: entry.unitPrice, currency: entry.currency) }
            for rate in client?.rates.reversed() ?? [] { rates[rate.service] = Money(minorUnits: rate.unitPrice, currency: rate.currency) }
            return rates
        }
    }

    func snapshot(ownerID: String) async throws -> Snapshot {
        Snapshot(
            clients: try await self.clients.all(ownerID: ownerID),
            catalog: try await self.catalog.recent(ownerID: ownerID, limit: CatalogRepository.maximumEntries)
        )
    }

    /// The address-book entry for a new invoice's client: the matched one, or a new entry with just the name (the
    /// original's "frequent clients" grew the same way). Nil when the book is full.
    func client(for invoice: Invoice, in snapshot: Snapshot) async throws -> Client? {
        if let known = snapshot.match(invoice.to.name) { return known }
        guard snapshot.clients.count < ClientRepository.maximumClients else { return nil }
        let client = Client.new(ownerID: invoice.ownerId, name: invoice.to.name, now: invoice.createdAt)
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
    func remember(_ invoice: Invoice, logger: Logger) async {
        do {
            if let id = invoice.clientId, var client = try await self.clients.find(id: id, ownerID: invoice.ownerId) {
                client.invoiceCount += 1
                client.lastInvoicedAt = invoice.createdAt
                for item in invoice.items.reversed() where item.unitPrice > 0 {
                    let service = SearchText.fold(item.description)
                    client.rates.removeAll { $0.service == service && $0.currency == invoice.currency }
                    client.rates.insert(.init(service: service, description: item.description, unitPrice: item.unitPrice, currency: invoice.currency), at: 0)
                }
                client.rates = Array(client.rates.prefix(Client.maximumRates))
                client.updatedAt = .storeNow
                _ = try await self.clients.save(client)
            }
            try await self.catalog.remember(invoice)
        } catch {
            logger.warning("business memory not updated", metadata: ["invoiceId": .string(invoice.id), "error": .string("\(error)")])
        }
    }
}
