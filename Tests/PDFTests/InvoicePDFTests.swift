import Foundation
import Invoicing
import PDF
import TestSupport
import Testing

@Suite("Invoice PDF on cairo and pango")
struct InvoicePDFTests {
    static func invoice(items: Int = 2, client: String = "Müller & Söhne GmbH", status: InvoiceStatus = .finalized, paper: PaperSize = .a4) throws -> Invoice {
        let lines = (0..<items).map { n in
            LineItem(description: "Design work \(n + 1)", quantity: Quantity(Int64(n + 1)), unit: "hour", unitPrice: 8500)
        }
        var invoice = try Invoice(
            id: "0123456789abcdef0123456789abcdef", ownerId: "owner", status: status, source: .manual, issueDate: CalendarDate("2026-11-27")!,
            dueDate: CalendarDate("2026-12-27")!, currency: Currency(code: "EUR")!, from: Party(name: "Studio Ωmega", address: "1 Rue de la Paix, Paris"),
            to: Party(name: client), items: lines, taxRate: try TaxRate(percent: "8.25"), notes: "Merci !", terms: "Payable within 30 days by bank transfer.",
            poNumber: "PO-7781", createdAt: Date(timeIntervalSince1970: 1_795_000_000)
        )
        invoice.number = status == .draft ? nil : "INV-2026-0042"
        invoice.paperSize = paper
        return invoice
    }

    static func pageSize(_ pdf: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("size-\(UUID().uuidString).pdf")
        try Data(pdf).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdfinfo")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return out.split(separator: "\n").first { $0.hasPrefix("Page size:") }.map(String.init) ?? ""
    }

    @Test func rendersTheInvoiceWithRealText() async throws {
        let renderer = InvoicePDFRenderer()
        let invoice = try Self.invoice()
        let pdf = try await renderer.render(invoice)
        #expect(pdf.starts(with: Array("%PDF".utf8)))
        let text = try pdfText(pdf)
        #expect(text.contains("Müller & Söhne GmbH"))
        #expect(text.contains("Studio Ωmega"))
        #expect(text.contains("INV-2026-0042"))
        #expect(text.contains("PO-7781"))
        #expect(text.contains(invoice.money(invoice.total).formatted))  // €276.11
        #expect(text.contains("Tax 8.25% on €255.00"))
        #expect(text.contains("Payable within 30 days"))
        #expect(text.contains("Merci !"))
        #expect(text.contains("Page 1 of 1"))
        #expect(!text.contains("DRAFT"))
        try await renderer.shutdown()
    }

    @Test func printsLatinGreekCyrillicAndCJK() async throws {
        let pdf = try InvoicePDFRenderer.renderBlocking(try Self.invoice(client: "Ёлка · Ελληνικά · 東京デザイン · 서울"))
        let text = try pdfText(pdf)
        #expect(text.contains("Müller") == false)
        #expect(text.contains("Ёлка"))
        #expect(text.contains("Ελληνικά"))
        #expect(text.contains("東京デザイン"))
        #expect(text.contains("서울"))
    }

    @Test func threePageInvoiceRepeatsTheTableHeader() async throws {
        let invoice = try Self.invoice(items: 45)
        let text = try pdfText(try InvoicePDFRenderer.renderBlocking(invoice))
        #expect(text.contains("Page 3 of 3"))
        #expect(text.components(separatedBy: "Unit price").count - 1 == 3)  // one table header per page
        #expect(text.contains("Design work 45"))
        #expect(text.contains("Total (EUR)"))
        #expect(text.contains(invoice.money(invoice.total).formatted))
    }

    @Test func draftsCarryAWatermarkAndNoNumber() async throws {
        let text = try pdfText(try InvoicePDFRenderer.renderBlocking(try Self.invoice(status: .draft)))
        #expect(text.contains("DRAFT"))
        #expect(!text.contains("INV-2026"))
    }

    @Test func paymentsAndBalanceArePrinted() async throws {
        var invoice = try Self.invoice()
        invoice.payments = [Payment(id: "p1", amount: 10_000, date: CalendarDate("2026-12-01")!, method: "bank transfer", recordedAt: invoice.createdAt)]
        invoice.amountPaid = 10_000
        try invoice.recompute()
        let text = try pdfText(try InvoicePDFRenderer.renderBlocking(invoice))
        #expect(text.contains("Paid 2026-12-01 · bank transfer"))
        #expect(text.contains("Balance due"))
        #expect(text.contains(invoice.money(invoice.balance).formatted))  // €176.11
    }

    @Test func paperSizeFollowsTheInvoice() throws {
        #expect(try Self.pageSize(InvoicePDFRenderer.renderBlocking(try Self.invoice(paper: .a4))).contains("595.28 x 841.89"))
        #expect(try Self.pageSize(InvoicePDFRenderer.renderBlocking(try Self.invoice(paper: .letter))).contains("612 x 792"))
    }

    @Test func sameRevisionGivesTheSameBytes() async throws {
        let invoice = try Self.invoice(items: 30)
        let first = try InvoicePDFRenderer.renderBlocking(invoice)
        try await Task.sleep(for: .milliseconds(1100))  // a clock-stamped PDF would differ by now
        let second = try InvoicePDFRenderer.renderBlocking(invoice)
        #expect(first == second)
        var changed = invoice
        changed.updatedAt = invoice.updatedAt.addingTimeInterval(60)
        changed.items[0].description = "Design work, revised"
        #expect(try InvoicePDFRenderer.renderBlocking(changed) != first)
    }
}
