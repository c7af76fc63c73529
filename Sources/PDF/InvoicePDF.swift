import CPangoCairo
import Foundation
import Invoicing
import NIOPosix

/// Renders invoices to PDF with cairo and pango: real fonts through fontconfig (Noto / DejaVu), so any script prints,
/// with pango's font fallback covering characters the first family lacks.
///
/// Rendering is CPU-bound C code that can take milliseconds per page, so `render` runs it on a thread pool, never on
/// an event loop or in the Swift concurrency pool.
public final class InvoicePDFRenderer: Sendable {
    private let threadPool: NIOThreadPool

    public init(threads: Int = 2) {
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        self.threadPool.start()
    }

    public func shutdown() async throws {
        try await self.threadPool.shutdownGracefully()
    }

    /// The PDF's bytes.
    public func render(_ invoice: Invoice) async throws -> [UInt8] {
        try await self.threadPool.runIfActive { try InvoiceLayout(invoice: invoice).render() }
    }

    /// Synchronous rendering, for benchmarks and callers that already are on a worker thread.
    public static func renderBlocking(_ invoice: Invoice) throws -> [UInt8] {
        try InvoiceLayout(invoice: invoice).render()
    }
}

public struct PDFRenderError: Error, CustomStringConvertible {
    public let description: String
}

/// Collects what cairo writes; passed to the C stream callback as an unmanaged pointer that never outlives `render`.
private final class ByteSink {
    var bytes: [UInt8] = []
}

/// A4 page geometry and the drawing of one invoice.
private struct InvoiceLayout {
    let invoice: Invoice
    static let width = 595.28
    static let height = 841.89
    static let margin = 50.0
    static let family = "Noto Sans, DejaVu Sans, sans-serif"

    // Items table columns: description, quantity, unit price, amount (right-aligned numbers).
    static let columnWidths = [245.0, 75.0, 85.0, 90.28]

    func render() throws -> [UInt8] {
        let sink = ByteSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        let surface = cairo_pdf_surface_create_for_stream({ closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, sinkPointer, Self.width, Self.height)
        defer { cairo_surface_destroy(surface) }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "Invoice \(self.displayNumber)")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "VoiceInvoice")
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr) }
        guard let cr else { throw PDFRenderError(description: "cairo_create failed") }

        let pages = self.paginate(cr)
        for (index, rows) in pages.enumerated() {
            var y = Self.margin
            if index == 0 {
                y = self.drawHeader(cr)
            }
            if !rows.isEmpty { y = self.drawTableHeader(cr, y: y) }
            for row in rows { y = self.drawRow(cr, item: self.invoice.items[row], y: y) }
            if index == pages.count - 1 { self.drawTotals(cr, y: y + 12) }
            self.drawFooter(cr, page: index + 1, of: pages.count)
            cairo_show_page(cr)
        }
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw PDFRenderError(description: String(cString: cairo_status_to_string(status))) }
        return sink.bytes
    }

    /// Drafts have no number yet.
    var displayNumber: String { self.invoice.number ?? "DRAFT" }

    // MARK: Pagination: measure every row first so the footer can say "page N of M".

    func paginate(_ cr: OpaquePointer) -> [[Int]] {
        let headerBottom = self.measureHeader(cr)
        let footerTop = Self.height - Self.margin - 20
        let totalsHeight = self.totalsHeight(cr) + 12
        var pages: [[Int]] = [[]]
        var y = headerBottom + 24  // table header
        for index in self.invoice.items.indices {
            let height = self.rowHeight(cr, item: self.invoice.items[index])
            if y + height > footerTop {
                pages.append([])
                y = Self.margin + 24
            }
            pages[pages.count - 1].append(index)
            y += height
        }
        if y + totalsHeight > footerTop { pages.append([]) }
        return pages
    }

    // MARK: Blocks.

    func measureHeader(_ cr: OpaquePointer) -> Double {
        cairo_save(cr)
        cairo_push_group(cr)
        let y = self.drawHeader(cr)
        cairo_pattern_destroy(cairo_pop_group(cr))
        cairo_restore(cr)
        return y
    }

    /// Sender (left), title and number (right), then the bill-to block; returns the y below them.
    @discardableResult
    func drawHeader(_ cr: OpaquePointer) -> Double {
        let left = Self.margin
        let right = Self.width - Self.margin
        let from = self.invoice.from
        var y = Self.margin
        y += self.text(cr, from.name.isEmpty ? " " : from.name, x: left, y: y, width: 280, size: 14, bold: true)
        for line in [from.address, from.phone, from.email].compactMap({ $0 }).filter({ !$0.isEmpty }) {
            y += self.text(cr, line, x: left, y: y + 2, width: 280, size: 9, gray: 0.35)
        }
        var ry = Self.margin
        ry += self.text(cr, "INVOICE", x: right - 220, y: ry, width: 220, size: 22, bold: true, align: PANGO_ALIGN_RIGHT)
        ry += self.text(cr, self.displayNumber, x: right - 220, y: ry + 2, width: 220, size: 11, align: PANGO_ALIGN_RIGHT)
        ry += 6
        ry += self.text(cr, "Issue date  \(self.invoice.issueDate)", x: right - 220, y: ry, width: 220, size: 9, gray: 0.35, align: PANGO_ALIGN_RIGHT)
        ry += self.text(cr, "Due date  \(self.invoice.dueDate)", x: right - 220, y: ry + 2, width: 220, size: 9, gray: 0.35, align: PANGO_ALIGN_RIGHT)

        y = max(y, ry) + 28
        y += self.text(cr, "BILL TO", x: left, y: y, width: 280, size: 8, bold: true, gray: 0.45)
        let to = self.invoice.to
        y += self.text(cr, to.name, x: left, y: y + 3, width: 280, size: 11, bold: true)
        for line in [to.address, to.phone, to.email].compactMap({ $0 }).filter({ !$0.isEmpty }) {
            y += self.text(cr, line, x: left, y: y + 2, width: 280, size: 9, gray: 0.35)
        }
        return y + 24
    }

    func drawTableHeader(_ cr: OpaquePointer, y: Double) -> Double {
        cairo_set_source_rgb(cr, 0.93, 0.94, 0.96)
        cairo_rectangle(cr, Self.margin, y, Self.width - 2 * Self.margin, 22)
        cairo_fill(cr)
        let titles = ["Description", "Quantity", "Unit price", "Amount"]
        var x = Self.margin
        for (index, title) in titles.enumerated() {
            let align = index == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT
            _ = self.text(cr, title, x: x + 6, y: y + 5, width: Self.columnWidths[index] - 12, size: 9, bold: true, gray: 0.25, align: align)
            x += Self.columnWidths[index]
        }
        return y + 24
    }

    func cells(_ item: LineItem) -> [String] {
        var quantity = item.quantity.description
        if let unit = item.unit, unit != "unit" { quantity += " " + (item.quantity.thousandths == 1000 ? unit : unit + "s") }
        return [item.description, quantity, self.invoice.money(item.unitPrice).formatted, self.invoice.money(item.amount).formatted]
    }

    func rowHeight(_ cr: OpaquePointer, item: LineItem) -> Double {
        self.measure(cr, item.description, width: Self.columnWidths[0] - 12, size: 10) + 12
    }

    func drawRow(_ cr: OpaquePointer, item: LineItem, y: Double) -> Double {
        var x = Self.margin
        var height = 0.0
        for (index, cell) in self.cells(item).enumerated() {
            let align = index == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT
            height = max(height, self.text(cr, cell, x: x + 6, y: y + 6, width: Self.columnWidths[index] - 12, size: 10, align: align))
            x += Self.columnWidths[index]
        }
        let bottom = y + height + 12
        cairo_set_source_rgb(cr, 0.85, 0.86, 0.88)
        cairo_set_line_width(cr, 0.6)
        cairo_move_to(cr, Self.margin, bottom - 0.5)
        cairo_line_to(cr, Self.width - Self.margin, bottom - 0.5)
        cairo_stroke(cr)
        return bottom
    }

    var totalsLines: [(String, String, Bool)] {
        [
            ("Subtotal", self.invoice.money(self.invoice.subtotal).formatted, false),
            ("Tax (\(self.invoice.taxRate)%)", self.invoice.money(self.invoice.tax).formatted, false),
            ("Total due (\(self.invoice.currency.code))", self.invoice.money(self.invoice.total).formatted, true),
        ]
    }

    func totalsHeight(_ cr: OpaquePointer) -> Double {
        var height = Double(self.totalsLines.count) * 20 + 10
        if let notes = self.invoice.notes { height += 30 + self.measure(cr, notes, width: Self.width - 2 * Self.margin, size: 9) }
        return height
    }

    func drawTotals(_ cr: OpaquePointer, y start: Double) {
        var y = start
        let labelX = Self.width - Self.margin - 260
        for (label, value, strong) in self.totalsLines {
            if strong {
                cairo_set_source_rgb(cr, 0.2, 0.2, 0.25)
                cairo_set_line_width(cr, 1)
                cairo_move_to(cr, labelX, y + 2)
                cairo_line_to(cr, Self.width - Self.margin, y + 2)
                cairo_stroke(cr)
                y += 6
            }
            _ = self.text(cr, label, x: labelX, y: y, width: 150, size: strong ? 11 : 10, bold: strong, gray: strong ? 0 : 0.3)
            _ = self.text(cr, value, x: labelX + 150, y: y, width: 104, size: strong ? 11 : 10, bold: strong, align: PANGO_ALIGN_RIGHT)
            y += 20
        }
        if let notes = self.invoice.notes {
            y += 16
            y += self.text(cr, "NOTES", x: Self.margin, y: y, width: 200, size: 8, bold: true, gray: 0.45)
            _ = self.text(cr, notes, x: Self.margin, y: y + 3, width: Self.width - 2 * Self.margin, size: 9, gray: 0.2)
        }
    }

    func drawFooter(_ cr: OpaquePointer, page: Int, of count: Int) {
        let line = "Invoice \(self.displayNumber) · Page \(page) of \(count)"
        _ = self.text(cr, line, x: Self.margin, y: Self.height - Self.margin + 10, width: Self.width - 2 * Self.margin, size: 8, gray: 0.5, align: PANGO_ALIGN_CENTER)
    }

    // MARK: Text through pango.

    /// Draws `string` wrapped to `width` at (x, y); returns the laid-out height.
    func text(
        _ cr: OpaquePointer, _ string: String, x: Double, y: Double, width: Double, size: Double, bold: Bool = false, gray: Double = 0,
        align: PangoAlignment = PANGO_ALIGN_LEFT
    ) -> Double {
        self.withLayout(cr, string, width: width, size: size, bold: bold, align: align) { layout in
            cairo_set_source_rgb(cr, gray, gray, gray + (gray > 0 ? 0.03 : 0))
            cairo_move_to(cr, x, y)
            pango_cairo_show_layout(cr, layout)
        }
    }

    func measure(_ cr: OpaquePointer, _ string: String, width: Double, size: Double) -> Double {
        self.withLayout(cr, string, width: width, size: size, bold: false, align: PANGO_ALIGN_LEFT) { _ in }
    }

    private func withLayout(
        _ cr: OpaquePointer, _ string: String, width: Double, size: Double, bold: Bool, align: PangoAlignment, draw: (OpaquePointer) -> Void
    ) -> Double {
        let layout = pango_cairo_create_layout(cr)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let font = pango_font_description_from_string("\(Self.family) \(bold ? "Bold " : "")\(size)")
        defer { pango_font_description_free(font) }
        pango_layout_set_font_description(layout, font)
        pango_layout_set_width(layout, Int32(width * Double(PANGO_SCALE)))
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_alignment(layout, align)
        pango_layout_set_text(layout, string, -1)
        var textWidth: Int32 = 0
        var textHeight: Int32 = 0
        pango_layout_get_pixel_size(layout, &textWidth, &textHeight)
        draw(layout!)
        return Double(textHeight)
    }
}

extension InvoicePDFRenderer {
    /// "cairo 1.16.0, pango 1.50.12".
    public static var libraryVersions: String {
        "cairo \(String(cString: cairo_version_string())), pango \(String(cString: pango_version_string()))"
    }
}
