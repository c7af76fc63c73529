import Foundation
import Invoicing
import Logging
import Storage

/// The business memory's storage: reads what a request needs of a user's `BusinessMemory` (the domain's: matching,
/// vocabulary, usual rates) by index, adds a new client to the book, and records what each new invoice teaches.
///
/// A create reads, whatever the size of the book: the most recently invoiced clients and services (the vocabulary,
/// before extraction), then the client the extracted name means (by its key) and the catalog entries of the services
/// being billed (by key prefix) — a few documents decoded, never the whole book. Only a name the book does not know
/// costs one more read: the book's size (a count), before the name is added.
struct MemoryRepository: Sendable {
    let clients: ClientRepository
    let catalog: CatalogRepository

    /// The vocabulary: the recently invoiced clients and the recent services.
    func snapshot(ownerID: String) async throws -> BusinessMemory {
        BusinessMemory(
            clients: try await self.clients.recent(ownerID: ownerID, limit: BusinessMemory.vocabularyClients),
            catalog: try await self.catalog.recent(ownerID: ownerID, limit: BusinessMemory.vocabularyServices)
        )
    }

    /// `base` with what drafting `extracted` needs: the client its name means (unless the form chose one) and the
    /// catalog entries of its services (their usual rates).
    func forDraft(_ extracted: ExtractedInvoice, base: BusinessMemory, ownerID: String, matchName: Bool) async throws -> BusinessMemory {
        var memory = base
        if matchName, let name = extracted.clientName, memory.match(name) == nil, let found = try await self.clients.match(name: name, ownerID: ownerID) {
            memory.clients.append(found)
        }
        let known = Set(memory.catalog.map(\.id))
        let services = Set(extracted.items.map { SearchText.fold($0.description) }.filter { !$0.isEmpty })
        let entries = try await self.catalog.entries(forServices: services, ownerID: ownerID)
        // Most recent first, as `recent` orders them (usual rates let the most recent win).
        memory.catalog = (memory.catalog + entries.filter { !known.contains($0.id) }).sorted { $0.lastUsedAt > $1.lastUsedAt }
        return memory
    }

    /// The address-book entry for a new invoice's client: the matched one, or a new entry with just the name (the
    /// original's "frequent clients" grew the same way). Nil when the book is full.
    func client(for invoice: Invoice, in memory: BusinessMemory) async throws -> Client? {
        if let known = memory.match(invoice.to.name) { return known }
        guard BusinessMemory.hasRoom(bookSize: try await self.clients.count(ownerID: invoice.ownerId)) else { return nil }
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
