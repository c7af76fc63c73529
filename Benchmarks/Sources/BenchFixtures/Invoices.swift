import Foundation
import Invoicing

// Shared by invoice-bench and instruction-counts, so both measure the same invoice.

/// The invoice ReportLab's script draws too (Benchmarks/reportlab_invoice.py): same parties, items, notes and terms.
/// `sender` "Studio Omega" keeps every glyph in WinAnsi (a typical Latin invoice, accents included); "Studio Ωmega"
/// adds a glyph outside it, which makes cairo embed a second (CID) subset of each font.
public func benchInvoice(items: Int, sender: String = "Studio Omega") throws -> Invoice {
    let lines = (0..<items).map { n in
        LineItem(
            description: "Design work, phase \(n + 1): wireframes, review and revisions", quantity: Quantity(Int64(n % 7 + 1)), unit: "hour", unitPrice: 8500)
    }
    var invoice = try Invoice(
        id: "0123456789abcdef0123456789abcdef", ownerId: "bench", status: .finalized, source: .manual, issueDate: CalendarDate("2026-11-27")!,
        dueDate: CalendarDate("2026-12-27")!, currency: Currency(code: "EUR")!,
        from: Party(name: sender, address: "1 Rue de la Paix, 75002 Paris", phone: "+33 1 23 45 67 89", email: "billing@omega.example"),
        to: Party(name: "Müller & Söhne GmbH", address: "Hauptstraße 5, 10115 Berlin"), items: lines, taxRate: try TaxRate(percent: "20"),
        notes: "Merci pour votre confiance !", terms: "Payable within 30 days by bank transfer.", poNumber: "PO-7781",
        createdAt: Date(timeIntervalSince1970: 1_795_000_000)
    )
    invoice.number = "INV-2026-0042"
    return invoice
}
