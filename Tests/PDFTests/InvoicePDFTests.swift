import Foundation
import Invoicing
import PDF
import TestSupport
import Testing

@Suite("Invoice PDF on cairo and pango")
struct InvoicePDFTests {
    static func invoice(items: Int = 2, client: String = "Müller & Söhne GmbH") throws -> Invoice {
        let lines = try (0..<items).map { n in
            let quantity = Quantity(Int64(n + 1))
            return LineItem(description: "Design work \(n + 1)", quantity: quantity, unit: "hour", unitPrice: 8500, amount: try InvoiceMath.lineAmount(quantity: quantity, unitPrice: 8500))
        }
        let taxRate = try TaxRate(percent: "8.25")
        return Invoice(
            id: "id", ownerId: "owner", number: "INV-0042", status: .draft, issueDate: CalendarDate("2026-11-27")!, dueDate: CalendarDate("2026-12-27")!,
            currency: Currency(code: "EUR")!, from: Party(name: "Studio Ωmega", address: "1 Rue de la Paix, Paris"), to: Party(name: client),
            items: lines, taxRate: taxRate, totals: try InvoiceMath.totals(amounts: lines.map(\.amount), taxRate: taxRate), notes: "Merci !",
            originalTranscript: nil, warnings: [], createdAt: Date()
        )
    }

    @Test func rendersTheInvoiceWithRealText() async throws {
        let renderer = InvoicePDFRenderer()
        let invoice = try Self.invoice()
        let pdf = try await renderer.render(invoice)
        #expect(pdf.starts(with: Array("%PDF".utf8)))
        let text = try pdfText(pdf)
        #expect(text.contains("Müller & Söhne GmbH"))
        #expect(text.contains("Studio Ωmega"))
        #expect(text.contains("INV-0042"))
        #expect(text.contains(invoice.money(invoice.total).formatted))  // €276.11
        #expect(text.contains("Page 1 of 1"))
        try await renderer.shutdown()
    }

    @Test func printsAnyScript() async throws {
        let pdf = try InvoicePDFRenderer.renderBlocking(try Self.invoice(client: "Ёлка Ltd · Ελληνικά"))
        let text = try pdfText(pdf)
        #expect(text.contains("Ёлка Ltd"))
        #expect(text.contains("Ελληνικά"))
    }

    @Test func longInvoicesPaginate() async throws {
        let pdf = try InvoicePDFRenderer.renderBlocking(try Self.invoice(items: 80))
        let text = try pdfText(pdf)
        #expect(text.contains("Page 2 of"))
        #expect(!text.contains("Page 1 of 1"))
        #expect(text.contains("Design work 80"))
        #expect(text.contains("Total due"))
    }
}
