import Foundation
import Invoicing
import ServiceKit

/// A stored invoice: the domain value plus the store's id.
extension Invoice: StoredDocument {}

/// The invoice role's storage: invoices (owner-scoped in every query) and per-user number counters.
struct InvoiceRepository: Sendable {
    static let invoices = "invoices"
    static let counters = "invoice_counters"
    static let collections = [
        CollectionSpec(
            name: invoices,
            indexes: [
                IndexSpec(name: "owner_created", fields: ["ownerId", "createdAt", "id"]),
                IndexSpec(name: "owner_number", fields: ["ownerId", "number"], unique: true),
            ]
        ),
        CollectionSpec(name: counters, kind: .counters),
    ]
    let store: any DocumentStore

    /// The next invoice number of this user: "INV-0001", "INV-0002", … Gap-free per user, atomic in the store;
    /// never chosen by a model.
    func nextNumber(ownerID: String) async throws -> String {
        let value = try await self.store.increment(counter: "invoice-number:\(ownerID)", in: Self.counters)
        return "INV-" + String(format: "%04lld", value)
    }

    func insert(_ invoice: Invoice) async throws {
        try await self.store.insert(invoice, into: Self.invoices)
    }

    /// Someone else's id and a malformed id both come back as nil, so both are a 404.
    func find(id: String, ownerID: String) async throws -> Invoice? {
        guard DocumentID.isWellFormed(id) else { return nil }
        return try await self.store.findOne(Invoice.self, in: Self.invoices, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID))]))
    }

    func delete(id: String, ownerID: String) async throws -> Bool {
        guard DocumentID.isWellFormed(id) else { return false }
        return try await self.store.delete(in: Self.invoices, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID))])) > 0
    }

    /// Newest first, keyset-paged on (createdAt, id) so pages stay stable while invoices are added.
    func list(ownerID: String, after cursor: Cursor?, limit: Int) async throws -> [Invoice] {
        var filter: Filter = .equal("ownerId", .string(ownerID))
        if let cursor {
            filter = .and([
                filter,
                .or([
                    .less("createdAt", .date(cursor.createdAt)),
                    .and([.equal("createdAt", .date(cursor.createdAt)), .less("id", .string(cursor.id))]),
                ]),
            ])
        }
        return try await self.store.find(
            Invoice.self, in: Self.invoices, where: filter, sort: [SortField("createdAt", descending: true), SortField("id", descending: true)], limit: limit
        )
    }

    /// An opaque page cursor: base64url of "<createdAt>|<id>".
    struct Cursor {
        var createdAt: Date
        var id: String

        init(createdAt: Date, id: String) {
            self.createdAt = createdAt
            self.id = id
        }

        init?(_ text: String) {
            guard let data = Data(base64Encoded: Self.toStandard(text)), let decoded = String(data: data, encoding: .utf8) else { return nil }
            let parts = decoded.split(separator: "|")
            guard parts.count == 2, let date = StoreDates.date(String(parts[0])), DocumentID.isWellFormed(String(parts[1])) else { return nil }
            self.init(createdAt: date, id: String(parts[1]))
        }

        var encoded: String {
            Data("\(StoreDates.string(self.createdAt))|\(self.id)".utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }

        static func toStandard(_ text: String) -> String {
            var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while standard.count % 4 != 0 { standard += "=" }
            return standard
        }
    }
}
