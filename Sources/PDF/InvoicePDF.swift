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
        try await self.threadPool.runIfActive { try Self.renderBlocking(invoice) }
    }

    /// Synchronous rendering, for benchmarks and callers that already are on a worker thread.
    public static func renderBlocking(_ invoice: Invoice) throws -> [UInt8] {
        var layout = InvoiceLayout(invoice: invoice)
        return try layout.render()
    }
}

public struct PDFRenderError: Error, CustomStringConvertible {
    public let description: String
}

/// The text machinery of one rendering: one PangoContext, the font descriptions it switches between, and every
/// layout by what it lays out. Pagination measures each block before drawing it; keeping the layout means each string
/// is shaped once (shaping is most of pango's cost), and `dry` measures without drawing. Lives for one `render`, on
/// one thread.
private final class Pen {
    struct Key: Hashable {
        var text: String
        var font: String
        var width: Int32
        var align: UInt32
    }

    let context: OpaquePointer
    var fonts: [String: OpaquePointer] = [:]
    var layouts: [Key: OpaquePointer] = [:]
    var dry = false

    /// No ligatures: an "fi" ligature has no WinAnsi code, and one such glyph makes cairo embed a second (CID) subset
    /// of the whole font, which costs more than the rest of a one-page invoice. Text extraction is unaffected.
    let attributes: OpaquePointer

    init(_ cr: OpaquePointer) {
        self.context = pango_cairo_create_context(cr)
        self.attributes = pango_attr_list_new()
        pango_attr_list_insert(self.attributes, pango_attr_font_features_new("liga 0, clig 0"))
    }

    deinit {
        for layout in self.layouts.values { g_object_unref(UnsafeMutableRawPointer(layout)) }
        for font in self.fonts.values { pango_font_description_free(font) }
        pango_attr_list_unref(self.attributes)
        g_object_unref(UnsafeMutableRawPointer(self.context))
    }

    func layout(_ text: String, font name: String, width: Double, align: PangoAlignment) -> OpaquePointer {
        let key = Key(text: text, font: name, width: Int32(width * Double(PANGO_SCALE)), align: align.rawValue)
        if let layout = self.layouts[key] { return layout }
        let font: OpaquePointer
        if let known = self.fonts[name] {
            font = known
        } else {
            font = pango_font_description_from_string(name)!
            self.fonts[name] = font
        }
        let layout = pango_layout_new(self.context)!
        pango_layout_set_font_description(layout, font)
        pango_layout_set_width(layout, key.width)
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_alignment(layout, align)
        pango_layout_set_attributes(layout, self.attributes)
        pango_layout_set_text(layout, text, -1)
        self.layouts[key] = layout
        return layout
    }
}

/// Collects what cairo writes; passed to the C stream callback as an unmanaged pointer that never outlives `render`.
private final class ByteSink {
    var bytes: [UInt8] = []
}

/// Page geometry (A4 or Letter, from the invoice) and the drawing of one invoice.
///
/// Deterministic by construction: everything drawn comes from the stored invoice (nothing from the clock), and the
/// PDF's creation date is the invoice's last change, so one revision always renders to the same bytes.
private struct InvoiceLayout {
    let invoice: Invoice
    /// Set by `render`; every text call goes through it.
    var pen: Pen!
    let width: Double
    let height: Double
    static let margin = 50.0
    static let family = "Noto Sans, Noto Sans CJK SC, DejaVu Sans, sans-serif"

    init(invoice: Invoice) {
        self.invoice = invoice
        switch invoice.paperSize {
        case .a4: (self.width, self.height) = (595.28, 841.89)
        case .letter: (self.width, self.height) = (612, 792)
        }
    }

    /// Items table columns: description, quantity, unit price, amount (right-aligned numbers); the description takes
    /// what the paper leaves.
    var columnWidths: [Double] {
        let numbers = [75.0, 85.0, 95.0]
        return [self.width - 2 * Self.margin - numbers.reduce(0, +)] + numbers
    }

    mutating func render() throws -> [UInt8] {
        let sink = ByteSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        let surface = cairo_pdf_surface_create_for_stream(
            { closure, data, length in
                guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                return CAIRO_STATUS_SUCCESS
            }, sinkPointer, self.width, self.height)
        defer { cairo_surface_destroy(surface) }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "Invoice \(self.displayNumber)")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "VoiceInvoice")
        // Without this cairo stamps the wall clock, and two renderings of one revision would differ.
        let stamp = self.invoice.updatedAt.formatted(Date.ISO8601FormatStyle())
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, stamp)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, stamp)
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr) }
        guard let cr else { throw PDFRenderError(description: "cairo_create failed") }
        self.pen = Pen(cr)
        defer { self.pen = nil }

        let pages = self.paginate(cr)
        for (index, rows) in pages.enumerated() {
            self.drawWatermark(cr)
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
        let footerTop = self.height - Self.margin - 20
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
        self.pen.dry = true
        defer { self.pen.dry = false }
        return self.drawHeader(cr)
    }

    /// Sender (left), title and number (right), then the bill-to block; returns the y below them.
    @discardableResult
    func drawHeader(_ cr: OpaquePointer) -> Double {
        let left = Self.margin
        let right = self.width - Self.margin
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
        if let po = self.invoice.poNumber {
            ry += self.text(cr, "PO  \(po)", x: right - 220, y: ry + 2, width: 220, size: 9, gray: 0.35, align: PANGO_ALIGN_RIGHT)
        }

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
        cairo_rectangle(cr, Self.margin, y, self.width - 2 * Self.margin, 22)
        cairo_fill(cr)
        let titles = ["Description", "Quantity", "Unit price", "Amount"]
        var x = Self.margin
        for (index, title) in titles.enumerated() {
            let align = index == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT
            _ = self.text(cr, title, x: x + 6, y: y + 5, width: self.columnWidths[index] - 12, size: 9, bold: true, gray: 0.25, align: align)
            x += self.columnWidths[index]
        }
        return y + 24
    }

    /// The description with what applies to this line alone ("10% off", its own tax rate).
    func describe(_ item: LineItem) -> String {
        var extras: [String] = []
        if item.discountRate.basisPoints > 0 { extras.append("\(item.discountRate)% off") }
        if let rate = item.taxRate, rate != self.invoice.taxRate { extras.append("tax \(rate)%") }
        return extras.isEmpty ? item.description : item.description + " (" + extras.joined(separator: ", ") + ")"
    }

    func cells(_ item: LineItem) -> [String] {
        var quantity = item.quantity.description
        if let unit = item.unit, unit != "unit" { quantity += " " + (item.quantity.thousandths == 1000 ? unit : unit + "s") }
        return [self.describe(item), quantity, self.invoice.money(item.unitPrice).formatted, self.invoice.money(item.amount).formatted]
    }

    func rowHeight(_ cr: OpaquePointer, item: LineItem) -> Double {
        self.measure(cr, self.describe(item), width: self.columnWidths[0] - 12, size: 10) + 12
    }

    func drawRow(_ cr: OpaquePointer, item: LineItem, y: Double) -> Double {
        var x = Self.margin
        var height = 0.0
        for (index, cell) in self.cells(item).enumerated() {
            let align = index == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT
            height = max(height, self.text(cr, cell, x: x + 6, y: y + 6, width: self.columnWidths[index] - 12, size: 10, align: align))
            x += self.columnWidths[index]
        }
        let bottom = y + height + 12
        cairo_set_source_rgb(cr, 0.85, 0.86, 0.88)
        cairo_set_line_width(cr, 0.6)
        cairo_move_to(cr, Self.margin, bottom - 0.5)
        cairo_line_to(cr, self.width - Self.margin, bottom - 0.5)
        cairo_stroke(cr)
        return bottom
    }

    /// Label, amount, emphasis: subtotal, discount, tax per rate, total, then payments and the balance.
    var totalsLines: [(String, String, Bool)] {
        let money = { (value: Int64) in self.invoice.money(value).formatted }
        var lines: [(String, String, Bool)] = [("Subtotal", money(self.invoice.subtotal), false)]
        if self.invoice.discount > 0 { lines.append(("Discount (\(self.invoice.discountRate)%)", "−" + money(self.invoice.discount), false)) }
        for tax in self.invoice.taxBreakdown where tax.rate.basisPoints > 0 || self.invoice.taxBreakdown.count > 1 {
            lines.append(("Tax \(tax.rate)% on \(money(tax.taxable))", money(tax.tax), false))
        }
        if self.invoice.taxBreakdown.allSatisfy({ $0.rate.basisPoints == 0 }) && self.invoice.taxBreakdown.count <= 1 { lines.append(("Tax", money(0), false)) }
        lines.append(("Total (\(self.invoice.currency.code))", money(self.invoice.total), true))
        for payment in self.invoice.payments {
            lines.append(("Paid \(payment.date) · \(payment.method)", "−" + money(payment.amount), false))
        }
        if !self.invoice.payments.isEmpty || self.invoice.status != .draft {
            lines.append(("Balance due", money(self.invoice.balance), true))
        }
        return lines
    }

    /// Notes and terms, printed under the totals.
    var closingBlocks: [(String, String)] {
        [("NOTES", self.invoice.notes), ("TERMS", self.invoice.terms)].compactMap { title, text in text.map { (title, $0) } }
    }

    func totalsHeight(_ cr: OpaquePointer) -> Double {
        var height = Double(self.totalsLines.count) * 20 + Double(self.totalsLines.filter(\.2).count) * 6 + 10
        for (_, text) in self.closingBlocks { height += 30 + self.measure(cr, text, width: self.width - 2 * Self.margin, size: 9) }
        return height
    }

    func drawTotals(_ cr: OpaquePointer, y start: Double) {
        var y = start
        let labelX = self.width - Self.margin - 340
        for (label, value, strong) in self.totalsLines {
            if strong {
                cairo_set_source_rgb(cr, 0.2, 0.2, 0.25)
                cairo_set_line_width(cr, 1)
                cairo_move_to(cr, labelX, y + 2)
                cairo_line_to(cr, self.width - Self.margin, y + 2)
                cairo_stroke(cr)
                y += 6
            }
            _ = self.text(cr, label, x: labelX, y: y, width: 230, size: strong ? 11 : 10, bold: strong, gray: strong ? 0 : 0.3)
            _ = self.text(cr, value, x: labelX + 230, y: y, width: 110, size: strong ? 11 : 10, bold: strong, align: PANGO_ALIGN_RIGHT)
            y += 20
        }
        for (title, body) in self.closingBlocks {
            y += 16
            y += self.text(cr, title, x: Self.margin, y: y, width: 200, size: 8, bold: true, gray: 0.45)
            y += self.text(cr, body, x: Self.margin, y: y + 3, width: self.width - 2 * Self.margin, size: 9, gray: 0.2)
        }
    }

    /// A large diagonal "DRAFT" (or "VOID") behind the content, so a draft can never pass for a sent invoice.
    func drawWatermark(_ cr: OpaquePointer) {
        let word: String
        switch self.invoice.status {
        case .draft: word = "DRAFT"
        case .void: word = "VOID"
        default: return
        }
        cairo_save(cr)
        cairo_translate(cr, self.width / 2, self.height / 2)
        cairo_rotate(cr, -.pi / 5)
        let layout = pango_cairo_create_layout(cr)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let font = pango_font_description_from_string("\(Self.family) Bold 110")
        defer { pango_font_description_free(font) }
        pango_layout_set_font_description(layout, font)
        pango_layout_set_text(layout, word, -1)
        var w: Int32 = 0
        var h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        cairo_set_source_rgba(cr, 0.85, 0.1, 0.1, 0.12)
        cairo_move_to(cr, -Double(w) / 2, -Double(h) / 2)
        pango_cairo_show_layout(cr, layout)
        cairo_restore(cr)
    }

    func drawFooter(_ cr: OpaquePointer, page: Int, of count: Int) {
        let line = "Invoice \(self.displayNumber) · Page \(page) of \(count)"
        _ = self.text(
            cr, line, x: Self.margin, y: self.height - Self.margin + 10, width: self.width - 2 * Self.margin, size: 8, gray: 0.5, align: PANGO_ALIGN_CENTER)
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
        let layout = self.pen.layout(string, font: "\(Self.family) \(bold ? "Bold " : "")\(size)", width: width, align: align)
        var textWidth: Int32 = 0
        var textHeight: Int32 = 0
        pango_layout_get_pixel_size(layout, &textWidth, &textHeight)
        if !self.pen.dry { draw(layout) }
        return Double(textHeight)
    }
}

extension InvoicePDFRenderer {
    /// "cairo 1.16.0, pango 1.50.12".
    public static var libraryVersions: String {
        "cairo \(String(cString: cairo_version_string())), pango \(String(cString: pango_version_string()))"
    }
}
