import Foundation
import Invoicing
import Logging
import Storage

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
