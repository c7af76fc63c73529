import Foundation

/// Who sends or receives an invoice.
public struct Party: Codable, Sendable, Equatable {
    public var name: String
    public var address: String?
    public var phone: String?
    public var email: String?

    public init(name: String, address: String? = nil, phone: String? = nil, email: String? = nil) {
        self.name = name
        self.address = address
        self.phone = phone
        self.email = email
    }
}

/// The sender's business profile, owned by the user role and read by the invoice role.
public struct BusinessProfile: Codable, Sendable, Equatable {
    public var companyName: String?
    public var address: String?
    public var phone: String?
    public var email: String?
    public var defaultCurrency: Currency
    public var defaultPaymentTermsDays: Int
    public var taxRate: TaxRate

    public init(
        companyName: String? = nil, address: String? = nil, phone: String? = nil, email: String? = nil,
        defaultCurrency: Currency = .usd, defaultPaymentTermsDays: Int = 30, taxRate: TaxRate = TaxRate(basisPoints: 0)
    ) {
        self.companyName = companyName
        self.address = address
        self.phone = phone
        self.email = email
        self.defaultCurrency = defaultCurrency
        self.defaultPaymentTermsDays = defaultPaymentTermsDays
        self.taxRate = taxRate
    }

    public var asSender: Party { Party(name: self.companyName ?? "", address: self.address, phone: self.phone, email: self.email) }
}

/// draft → finalized → sent → paid, or void. Only drafts change freely; finalized invoices change only status and
/// payments. "Overdue" is derived from the due date and the balance, never stored.
public enum InvoiceStatus: String, Codable, Sendable {
    case draft, finalized, sent, paid, void
}

/// A payment against a finalized invoice, in minor units of the invoice's currency.
public struct Payment: Codable, Sendable, Equatable {
    public var id: String
    public var amount: Int64
    public var date: CalendarDate
    public var method: String
    public var recordedAt: Date

    public init(id: String, amount: Int64, date: CalendarDate, method: String, recordedAt: Date) {
        self.id = id
        self.amount = amount
        self.date = date
        self.method = method
        self.recordedAt = recordedAt
    }
}

/// One invoice line. `unitPrice` and `amount` are minor units of the invoice's currency.
public struct LineItem: Codable, Sendable, Equatable {
    public var description: String
    public var quantity: Quantity
    public var unit: String?
    public var unitPrice: Int64
    public var amount: Int64

    public init(description: String, quantity: Quantity, unit: String?, unitPrice: Int64, amount: Int64) {
        self.description = description
        self.quantity = quantity
        self.unit = unit
        self.unitPrice = unitPrice
        self.amount = amount
    }
}

/// Totals the server computed; never taken from a client or a model.
public struct Totals: Codable, Sendable, Equatable {
    public var subtotal: Int64
    public var tax: Int64
    public var total: Int64
}

public enum InvoiceMath {
    /// amount = quantity × unit price, rounded half away from zero to the minor unit.
    public static func lineAmount(quantity: Quantity, unitPrice: Int64) throws(MoneyError) -> Int64 {
        try Decimals.mulDivRound(quantity.thousandths, unitPrice, Decimals.pow10(Quantity.scale))
    }

    /// subtotal = Σ amounts; tax = subtotal × rate, rounded once on the subtotal (not per line), total = subtotal + tax.
    public static func totals(amounts: [Int64], taxRate: TaxRate) throws(MoneyError) -> Totals {
        var subtotal: Int64 = 0
        for amount in amounts {
            let (sum, overflow) = subtotal.addingReportingOverflow(amount)
            guard !overflow else { throw .outOfRange }
            subtotal = sum
        }
        let tax = try Decimals.mulDivRound(subtotal, taxRate.basisPoints, 10_000)
        let (total, overflow) = subtotal.addingReportingOverflow(tax)
        guard !overflow else { throw .outOfRange }
        return Totals(subtotal: subtotal, tax: tax, total: total)
    }
}

/// A calendar date (invoice and due dates are days, not instants), "YYYY-MM-DD".
public struct CalendarDate: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            let date = Self.calendar.date(from: DateComponents(year: y, month: m, day: d)),
            Self.calendar.component(.day, from: date) == d
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The date of `instant` in `timeZone`.
    public init(_ instant: Date, in timeZone: TimeZone = .gmt) {
        var calendar = Self.calendar
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.init(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1)
    }

    public func adding(days: Int) -> CalendarDate {
        let start = Self.calendar.date(from: DateComponents(year: self.year, month: self.month, day: self.day)) ?? Date(timeIntervalSince1970: 0)
        return CalendarDate(Self.calendar.date(byAdding: .day, value: days, to: start) ?? start)
    }

    public var description: String { String(format: "%04d-%02d-%02d", self.year, self.month, self.day) }

    public static func < (l: CalendarDate, r: CalendarDate) -> Bool { (l.year, l.month, l.day) < (r.year, r.month, r.day) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a date as YYYY-MM-DD"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.description)
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()
}

/// A stored invoice. Money fields are minor units of `currency`.
public struct Invoice: Codable, Sendable, Equatable {
    public var id: String
    public var ownerId: String
    /// Assigned at finalization, gaplessly per user per year ("INV-2026-0001"); drafts have none.
    public var number: String?
    public var numberYear: Int?
    public var numberSequence: Int64?
    public var status: InvoiceStatus
    public var issueDate: CalendarDate
    public var dueDate: CalendarDate
    public var currency: Currency
    public var from: Party
    public var to: Party
    public var items: [LineItem]
    public var taxRate: TaxRate
    public var subtotal: Int64
    public var tax: Int64
    public var total: Int64
    public var notes: String?
    public var originalTranscript: String?
    public var warnings: [String]
    public var payments: [Payment] = []
    public var amountPaid: Int64 = 0
    public var balance: Int64 = 0
    /// Bumped on every change; the ETag is derived from it.
    public var revision: Int = 1
    public var finalizedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, ownerId: String, number: String?, status: InvoiceStatus, issueDate: CalendarDate, dueDate: CalendarDate,
        currency: Currency, from: Party, to: Party, items: [LineItem], taxRate: TaxRate, totals: Totals,
        notes: String?, originalTranscript: String?, warnings: [String], createdAt: Date
    ) {
        self.id = id
        self.ownerId = ownerId
        self.number = number
        self.status = status
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.currency = currency
        self.from = from
        self.to = to
        self.items = items
        self.taxRate = taxRate
        self.subtotal = totals.subtotal
        self.tax = totals.tax
        self.total = totals.total
        self.notes = notes
        self.originalTranscript = originalTranscript
        self.warnings = warnings
        self.balance = totals.total
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Finalized or sent, money still owed, and the due date passed (in the zone `today` was computed in).
    public func isOverdue(today: CalendarDate) -> Bool {
        (self.status == .finalized || self.status == .sent) && self.balance > 0 && self.dueDate < today
    }

    /// Recomputes line amounts and totals from the items and tax rate (after an edit).
    public mutating func recompute() throws(MoneyError) {
        for index in self.items.indices {
            self.items[index].amount = try InvoiceMath.lineAmount(quantity: self.items[index].quantity, unitPrice: self.items[index].unitPrice)
        }
        let totals = try InvoiceMath.totals(amounts: self.items.map(\.amount), taxRate: self.taxRate)
        self.subtotal = totals.subtotal
        self.tax = totals.tax
        self.total = totals.total
        self.balance = totals.total - self.amountPaid
    }

    public func money(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: self.currency) }
}
