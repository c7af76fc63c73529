import Foundation
import Invoicing

/// The CSV export (RFC 4180: CRLF, quotes doubled). Hand-written: no kept Swift CSV library is available here, and
/// writing is the easy half. Text cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
/// apostrophe (OWASP's CSV-injection advice); amounts are decimal text in the major unit, never floats.
enum InvoiceCSV {
    static let columns = [
        "id", "number", "status", "overdue", "source", "issueDate", "dueDate", "client", "poNumber", "currency", "subtotal", "discount", "tax",
        "total", "amountPaid", "balance",
    ]

    static func render(_ invoices: [Invoice], now: Date) -> String {
        self.header + self.rows(invoices, now: now)
    }

    static let header = columns.joined(separator: ",") + "\r\n"

    /// The lines of these invoices, without the header (an export writes one page of rows at a time).
    static func rows(_ invoices: [Invoice], now: Date) -> String {
        var out = ""
        for invoice in invoices {
            let money = { (value: Int64) in invoice.money(value).decimalString }
            let cells = [
                invoice.id, self.text(invoice.number ?? ""), invoice.status.rawValue, invoice.isOverdue(today: invoice.today(at: now)) ? "true" : "false",
                invoice.source.rawValue, invoice.issueDate.description, invoice.dueDate.description, self.text(invoice.to.name),
                self.text(invoice.poNumber ?? ""), invoice.currency.code, money(invoice.subtotal), money(invoice.discount), money(invoice.tax),
                money(invoice.total), money(invoice.amountPaid), money(invoice.balance),
            ]
            out += cells.map(self.quoted).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    static func quoted(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
