import Foundation
import Invoicing

/// The invoice as the API shows it: its public fields (no owner, no search text, no numbering internals) plus what
/// is derived (`overdue`). Amounts are integer minor units of `currency`, quantities and rates JSON numbers: the same
/// form a client sends back in a PATCH.
struct InvoiceView: Encodable, Hashable, Sendable {
    let invoice: Invoice
    let today: CalendarDate

    static func == (a: InvoiceView, b: InvoiceView) -> Bool { a.invoice == b.invoice && a.today == b.today }
    func hash(into hasher: inout Hasher) {
        hasher.combine(self.invoice.id)
        hasher.combine(self.invoice.revision)
        hasher.combine(self.today)
    }

    enum Key: String, CodingKey {
        case id, number, status, source, issueDate, dueDate, currency, from, to, clientId, items, taxRate, discountRate, subtotal, discount, tax,
            total, taxBreakdown, notes, terms, poNumber, originalTranscript, warnings, sources, paperSize, payments, amountPaid, balance, revision, finalizedAt,
            createdAt, updatedAt, overdue
    }

    func encode(to encoder: any Encoder) throws {
        let invoice = self.invoice
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(invoice.id, forKey: .id)
        try c.encodeIfPresent(invoice.number, forKey: .number)
        try c.encode(invoice.status, forKey: .status)
        try c.encode(invoice.source, forKey: .source)
        try c.encode(invoice.issueDate, forKey: .issueDate)
        try c.encode(invoice.dueDate, forKey: .dueDate)
        try c.encode(invoice.currency, forKey: .currency)
        try c.encode(invoice.from, forKey: .from)
        try c.encode(invoice.to, forKey: .to)
        try c.encodeIfPresent(invoice.clientId, forKey: .clientId)
        try c.encode(invoice.items, forKey: .items)
        try c.encode(invoice.taxRate, forKey: .taxRate)
        try c.encode(invoice.discountRate, forKey: .discountRate)
        try c.encode(invoice.subtotal, forKey: .subtotal)
        try c.encode(invoice.discount, forKey: .discount)
        try c.encode(invoice.tax, forKey: .tax)
        try c.encode(invoice.total, forKey: .total)
        try c.encode(invoice.taxBreakdown, forKey: .taxBreakdown)
        try c.encodeIfPresent(invoice.notes, forKey: .notes)
        try c.encodeIfPresent(invoice.terms, forKey: .terms)
        try c.encodeIfPresent(invoice.poNumber, forKey: .poNumber)
        try c.encodeIfPresent(invoice.originalTranscript, forKey: .originalTranscript)
        try c.encode(invoice.warnings, forKey: .warnings)
        try c.encodeIfPresent(invoice.sources, forKey: .sources)
        try c.encode(invoice.paperSize, forKey: .paperSize)
        try c.encode(invoice.payments.map(PaymentView.init), forKey: .payments)
        try c.encode(invoice.amountPaid, forKey: .amountPaid)
        try c.encode(invoice.balance, forKey: .balance)
        try c.encode(invoice.revision, forKey: .revision)
        try c.encodeIfPresent(invoice.finalizedAt, forKey: .finalizedAt)
        try c.encode(invoice.createdAt, forKey: .createdAt)
        try c.encode(invoice.updatedAt, forKey: .updatedAt)
        try c.encode(invoice.isOverdue(today: self.today), forKey: .overdue)
    }
}

/// A payment as the API shows it (without the stored idempotency digest).
struct PaymentView: Encodable, Hashable, Sendable {
    var id: String
    var amount: Int64
    var date: CalendarDate
    var method: String
    var recordedAt: Date

    init(_ payment: Payment) {
        self.id = payment.id
        self.amount = payment.amount
        self.date = payment.date
        self.method = payment.method
        self.recordedAt = payment.recordedAt
    }
}

/// A page of invoices, newest first.
struct InvoicePage: Encodable, Hashable, Sendable {
    var items: [InvoiceView]
    var nextCursor: String?
}
