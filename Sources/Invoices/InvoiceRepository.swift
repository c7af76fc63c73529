import Foundation
import Invoicing
import OpenSSLSupport
import ServiceKit
import Storage

/// A stored invoice: the domain value plus the store's id.
extension Invoice: StoredDocument {}

/// The invoice role's collections and their indexes; public so the store benchmark measures exactly these.
///
/// Each list filter has an index that starts with the owner, then the filter's field, then the list's order
/// (createdAt, id), so a page of 50 is the first 50 entries of one index range. Fields that filters test but no
/// range needs ride at the end of `owner_created`, so `status=` and `status=overdue` are decided from the index
/// without reading a document (the SQLite engine then reads only the 50 bodies returned).
public enum InvoiceStorage {
    public static let collections = [
        CollectionSpec(
            name: InvoiceRepository.invoices,
            indexes: [
                IndexSpec(name: "owner_created_status", fields: ["ownerId", "createdAt", "id", "status", "dueDate", "balance"]),
                // Drafts have no number: only finalized invoices take part in the uniqueness.
                IndexSpec(name: "owner_number", fields: ["ownerId", "number"], unique: true, sparse: true),
                // The sequence is per year whatever the prefix, so a prefix changed mid-year cannot reuse a sequence.
                IndexSpec(name: "owner_year_sequence", fields: ["ownerId", "numberYear", "numberSequence"], unique: true, sparse: true),
                IndexSpec(name: "owner_status_due", fields: ["ownerId", "status", "dueDate"]),
                IndexSpec(name: "owner_client_created", fields: ["ownerId", "clientId", "createdAt", "id"]),
                IndexSpec(name: "owner_issue_created", fields: ["ownerId", "issueDate", "createdAt", "id"]),
                IndexSpec(name: "owner_idempotency", fields: ["ownerId", "idempotencyKey"], unique: true, sparse: true),
            ],
            searchField: "searchText",
            // Replaced by the wider indexes above (a page by client or by dates needs the order's fields too).
            retiredIndexes: ["owner_created", "owner_client", "owner_issue"]
        )
    ]
}

/// The invoice role's storage: invoices (owner-scoped in every query) and per-user number counters.
struct InvoiceRepository: Sendable {
    static let invoices = "invoices"
    static let counters = "invoice_counters"
    static let collections = InvoiceStorage.collections
    let store: any DocumentStore

    /// Finalizes a draft with the next number of its owner's year, gaplessly.
    ///
    /// No counter is taken ahead of time: the number is the highest finalized sequence of that year plus one, written
    /// together with the status in one conditional replace (still a draft, same revision). The unique index on
    /// (owner, number) turns a concurrent finalization that picked the same number into a duplicate-key error, and
    /// this one retries with the next. Finalized invoices are never deleted (only voided), so numbers never vanish,
    /// and a draft that is deleted never consumed one.
    func finalize(_ draft: Invoice, profile: BusinessProfile, year: Int, now: Date) async throws -> Invoice? {
        for _ in 0..<50 {
            let last = try await self.store.find(
                Invoice.self, in: Self.invoices,
                where: .and([.equal("ownerId", .string(draft.ownerId)), .equal("numberYear", .int(Int64(year)))]),
                sort: [SortField("numberSequence", descending: true)], limit: 1
            ).first
            let finalized: Invoice
            do {
                finalized = try draft.finalized(sequence: try InvoiceNumbering.next(after: last?.numberSequence), year: year, profile: profile, at: now)
            } catch {
                throw Problem(.conflict, detail: error.description)
            }
            do {
                let replaced = try await self.store.replaceOne(
                    finalized, in: Self.invoices,
                    where: .and([.equal("id", .string(draft.id)), .equal("status", .string("draft")), .equal("revision", .int(Int64(draft.revision)))])
                )
                return replaced ? finalized : nil
            } catch let error as StoreError where error.code == .duplicateKey {
                continue  // another finalization took this number first: take the next
            }
        }
        throw StoreError.unavailable("could not assign an invoice number after many concurrent attempts")
    }

    /// Replaces an invoice if nobody changed it since `revision` (optimistic concurrency).
    func save(_ invoice: Invoice, expectedRevision: Int) async throws -> Bool {
        try await self.store.replaceOne(
            invoice, in: Self.invoices,
            where: .and([.equal("id", .string(invoice.id)), .equal("ownerId", .string(invoice.ownerId)), .equal("revision", .int(Int64(expectedRevision)))])
        )
    }

    /// Deletes a draft of this owner (finalized invoices are voided, never deleted).
    func deleteDraft(id: String, ownerID: String) async throws -> Bool {
        guard DocumentID.isWellFormed(id) else { return false }
        return try await self.store.delete(
            in: Self.invoices, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID)), .equal("status", .string("draft"))])
        ) > 0
    }

    func insert(_ invoice: Invoice) async throws {
        try await self.store.insert(invoice, into: Self.invoices)
    }

    /// The invoice a keyed create made, if it got as far as storing it.
    func find(idempotencyKey: String, ownerID: String) async throws -> Invoice? {
        try await self.store.findOne(
            Invoice.self, in: Self.invoices, where: .and([.equal("ownerId", .string(ownerID)), .equal("idempotencyKey", .string(idempotencyKey))])
        )
    }

    /// Someone else's id and a malformed id both come back as nil, so both are a 404.
    func find(id: String, ownerID: String) async throws -> Invoice? {
        guard DocumentID.isWellFormed(id) else { return nil }
        return try await self.store.findOne(Invoice.self, in: Self.invoices, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID))]))
    }

    /// Newest first, keyset-paged on (createdAt, id) so pages stay stable while invoices are added. `filter` must
    /// pin the owner (the controller's filters always do).
    func list(where filter: Filter, after cursor: Cursor?, limit: Int) async throws -> [Invoice] {
        var filter = filter
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

    typealias Cursor = KeysetCursor
}

/// An export's invoices as pages of `pageSize`, newest first, each read from the store only when the response asks for
/// the next (keyset-paged, so invoices created meanwhile, which are newer, do not shift the pages). Memory is one
/// page whatever the size of the export.
struct ExportPages: AsyncSequence, Sendable {
    typealias Element = [Invoice]
    static let pageSize = 500
    let invoices: InvoiceRepository
    let filter: Filter

    struct AsyncIterator: AsyncIteratorProtocol {
        let invoices: InvoiceRepository
        let filter: Filter
        var cursor: InvoiceRepository.Cursor?
        var done = false

        mutating func next() async throws -> [Invoice]? {
            guard !self.done else { return nil }
            let page = try await self.invoices.list(where: self.filter, after: self.cursor, limit: ExportPages.pageSize)
            if page.count < ExportPages.pageSize { self.done = true }
            guard let last = page.last else { return nil }
            self.cursor = InvoiceRepository.Cursor(createdAt: last.createdAt, id: last.id)
            return page
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(invoices: self.invoices, filter: self.filter) }
}
