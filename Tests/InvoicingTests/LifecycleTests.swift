import Foundation
import Testing

@testable import Invoicing

/// The lifecycle and numbering, without HTTP or a store, on a fixed clock.
@Suite("Invoice lifecycle")
struct LifecycleTests {
    static let created = Date(timeIntervalSince1970: 1_800_000_000)
    static let later = created.addingTimeInterval(3600)

    static func draft(total unitPrice: Int64 = 10_000) throws -> Invoice {
        try Invoice(
            id: "0123456789abcdef0123456789abcdef", ownerId: "u", source: .manual, issueDate: CalendarDate(year: 2026, month: 12, day: 1),
            dueDate: CalendarDate(year: 2026, month: 12, day: 31), currency: .usd, from: Party(name: "Old sender"), to: Party(name: "Acme"),
            items: [LineItem(description: "Design", quantity: Quantity(1), unit: nil, unitPrice: unitPrice)], taxRate: .zero, createdAt: created
        )
    }

    let profile = BusinessProfile(companyName: "Ann Studio", invoicePrefix: "ANN", paperSize: .letter, defaultTerms: "Net 30")

    @Test func finalizingNumbersAndFreezesTheSender() throws {
        let draft = try Self.draft()
        let finalized = try draft.finalized(sequence: try InvoiceNumbering.next(after: nil), year: 2026, profile: self.profile, at: Self.later)
        #expect(finalized.status == .finalized)
        #expect(finalized.number == "ANN-2026-0001")
        #expect(finalized.from.name == "Ann Studio")
        #expect(finalized.paperSize == .letter)
        #expect(finalized.terms == "Net 30")
        #expect(finalized.revision == draft.revision + 1)
        #expect(finalized.finalizedAt == Self.later && finalized.updatedAt == Self.later)
        #expect(finalized.searchText.contains("ann 2026 0001"))
        #expect(throws: LifecycleError.self) { try finalized.finalized(sequence: 2, year: 2026, profile: self.profile, at: Self.later) }
        #expect(throws: LifecycleError.self) { try finalized.checkEditable() }
        #expect(throws: Never.self) { try draft.checkEditable() }
    }

    @Test func numberingIsGaplessAndNeverWraps() throws {
        #expect(try InvoiceNumbering.next(after: nil) == 1)
        #expect(try InvoiceNumbering.next(after: 41) == 42)
        #expect(InvoiceNumbering.number(prefix: "INV", year: 2027, sequence: 12345) == "INV-2027-12345")
        #expect(throws: LifecycleError.self) { try InvoiceNumbering.next(after: Int64.max) }
        #expect(throws: LifecycleError.self) { try InvoiceNumbering.next(after: 999_999_999) }
    }

    @Test func paymentsKeepABalanceAndTheLastOnePays() throws {
        var invoice = try Self.draft().finalized(sequence: 1, year: 2026, profile: self.profile, at: Self.later)
        #expect(throws: LifecycleError.self) {
            try invoice.recordPayment(amount: 0, date: CalendarDate(Self.later), method: "card", id: "p0", idempotencyKey: nil, at: Self.later)
        }
        #expect(throws: LifecycleError.self) {
            try invoice.recordPayment(amount: 10_001, date: CalendarDate(Self.later), method: "card", id: "p0", idempotencyKey: nil, at: Self.later)
        }
        #expect(throws: LifecycleError.self) {
            try invoice.recordPayment(amount: Int64.min, date: CalendarDate(Self.later), method: "card", id: "p0", idempotencyKey: nil, at: Self.later)
        }
        try invoice.recordPayment(amount: 4000, date: CalendarDate(Self.later), method: "card", id: "p1", idempotencyKey: "k1", at: Self.later)
        #expect(invoice.balance == 6000 && invoice.status == .finalized)
        // The same key again records nothing and changes nothing.
        let before = invoice
        #expect(
            try invoice.recordPayment(amount: 4000, date: CalendarDate(Self.later), method: "card", id: "p2", idempotencyKey: "k1", at: Self.later) == false)
        #expect(invoice == before)
        try invoice.markSent(at: Self.later)
        #expect(invoice.status == .sent)
        #expect(throws: LifecycleError.self) { try invoice.markVoid(at: Self.later) }  // it has a payment
        try invoice.recordPayment(amount: 6000, date: CalendarDate(Self.later), method: "bank transfer", id: "p3", idempotencyKey: nil, at: Self.later)
        #expect(invoice.balance == 0 && invoice.status == .paid && invoice.amountPaid == 10_000)
        #expect(throws: LifecycleError.self) {
            try invoice.recordPayment(amount: 1, date: CalendarDate(Self.later), method: "card", id: "p4", idempotencyKey: nil, at: Self.later)
        }
        #expect(throws: LifecycleError.self) { try invoice.markSent(at: Self.later) }
    }

    @Test func draftsAreNeitherSentNorVoidedNorPaid() throws {
        var draft = try Self.draft()
        #expect(throws: LifecycleError.self) { try draft.markSent(at: Self.later) }
        #expect(throws: LifecycleError.self) { try draft.markVoid(at: Self.later) }
        #expect(throws: LifecycleError.self) {
            try draft.recordPayment(amount: 1, date: CalendarDate(Self.later), method: "x", id: "p", idempotencyKey: nil, at: Self.later)
        }
        var finalized = try Self.draft().finalized(sequence: 7, year: 2026, profile: self.profile, at: Self.later)
        try finalized.markVoid(at: Self.later)
        #expect(finalized.status == .void && finalized.number == "ANN-2026-0007")
        #expect(throws: LifecycleError.self) { try finalized.markVoid(at: Self.later) }
        // A fully discounted (zero) invoice is paid as soon as it is sent.
        var free = try Self.draft(total: 0).finalized(sequence: 8, year: 2026, profile: self.profile, at: Self.later)
        try free.markSent(at: Self.later)
        #expect(free.status == .paid)
    }
}
