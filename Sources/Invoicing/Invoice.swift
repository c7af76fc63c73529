import Foundation

/// Who sends or receives an invoice.
public struct Party: Codable, Sendable, Hashable {
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

/// Paper for PDFs, from the profile.
public enum PaperSize: String, Codable, Sendable, Hashable {
    case a4 = "A4"
    case letter = "Letter"
}

/// The sender's business profile, owned by the user role and read by the invoice role.
public struct BusinessProfile: Codable, Sendable, Hashable {
    public static let defaultInvoicePrefix = "INV"

    public var companyName: String?
    public var address: String?
    public var phone: String?
    public var email: String?
    public var defaultCurrency: Currency
    public var defaultPaymentTermsDays: Int
    public var taxRate: TaxRate
    /// "INV" gives INV-2026-0001; letters, digits and "-" only, 1…12 characters.
    public var invoicePrefix: String
    public var paperSize: PaperSize
    /// IANA zone for "today" (issue dates and relative dates such as "due in two weeks").
    public var timeZone: String
    /// Printed under the totals of every invoice unless the invoice has its own.
    public var defaultTerms: String?

    public init(
        companyName: String? = nil, address: String? = nil, phone: String? = nil, email: String? = nil,
        defaultCurrency: Currency = .usd, defaultPaymentTermsDays: Int = 30, taxRate: TaxRate = TaxRate(basisPoints: 0),
        invoicePrefix: String = Self.defaultInvoicePrefix, paperSize: PaperSize = .a4, timeZone: String = "UTC", defaultTerms: String? = nil
    ) {
        self.companyName = companyName
        self.address = address
        self.phone = phone
        self.email = email
        self.defaultCurrency = defaultCurrency
        self.defaultPaymentTermsDays = defaultPaymentTermsDays
        self.taxRate = taxRate
        self.invoicePrefix = invoicePrefix
        self.paperSize = paperSize
        self.timeZone = timeZone
        self.defaultTerms = defaultTerms
    }

    /// Every field but the company details has a default, so a profile stored before a field existed still reads.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            companyName: try c.decodeIfPresent(String.self, forKey: .companyName), address: try c.decodeIfPresent(String.self, forKey: .address),
            phone: try c.decodeIfPresent(String.self, forKey: .phone), email: try c.decodeIfPresent(String.self, forKey: .email),
            defaultCurrency: try c.decodeIfPresent(Currency.self, forKey: .defaultCurrency) ?? .usd,
            defaultPaymentTermsDays: try c.decodeIfPresent(Int.self, forKey: .defaultPaymentTermsDays) ?? 30,
            taxRate: try c.decodeIfPresent(TaxRate.self, forKey: .taxRate) ?? TaxRate(basisPoints: 0),
            invoicePrefix: try c.decodeIfPresent(String.self, forKey: .invoicePrefix) ?? Self.defaultInvoicePrefix,
            paperSize: try c.decodeIfPresent(PaperSize.self, forKey: .paperSize) ?? .a4,
            timeZone: try c.decodeIfPresent(String.self, forKey: .timeZone) ?? "UTC",
            defaultTerms: try c.decodeIfPresent(String.self, forKey: .defaultTerms)
        )
    }

    public var asSender: Party { Party(name: self.companyName ?? "", address: self.address, phone: self.phone, email: self.email) }

    /// The profile's zone, UTC when the stored name is unknown to this machine.
    public var zone: TimeZone { TimeZone(identifier: self.timeZone) ?? .gmt }

    /// Today in the user's time zone: the issue date of what they create now.
    public func today(at now: Date = Date()) -> CalendarDate { CalendarDate(now, in: self.zone) }

    public static func isValidPrefix(_ prefix: String) -> Bool {
        (1...12).contains(prefix.count) && prefix.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" }
    }
}

/// draft → finalized → sent → paid, or void. Only drafts change freely; finalized invoices change only status and
/// payments. "Overdue" is derived from the due date and the balance, never stored.
public enum InvoiceStatus: String, Codable, Sendable, CaseIterable {
    case draft, finalized, sent, paid, void
}

/// How an invoice came to be.
public enum InvoiceSource: String, Codable, Sendable {
    case voice, transcript, manual
}

/// Something a person should check before sending: a field and why.
public struct InvoiceWarning: Codable, Sendable, Equatable {
    /// "clientName", "items[0].unitPrice", "dueDate", … or nil for the invoice as a whole.
    public var field: String?
    public var message: String
    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// A payment against a finalized invoice, in minor units of the invoice's currency.
public struct Payment: Codable, Sendable, Equatable {
    public var id: String
    public var amount: Int64
    public var date: CalendarDate
    public var method: String
    public var recordedAt: Date
    /// The `Idempotency-Key` (as stored: a digest) of the request that recorded it, so a retry finds it.
    public var idempotencyKey: String?

    public init(id: String, amount: Int64, date: CalendarDate, method: String, recordedAt: Date, idempotencyKey: String? = nil) {
        self.idempotencyKey = idempotencyKey
        self.id = id
        self.amount = amount
        self.date = date
        self.method = method
        self.recordedAt = recordedAt
    }
}

/// One invoice line. Money fields are minor units of the invoice's currency; `amount` is after the line's discount
/// and before the invoice discount and tax.
public struct LineItem: Codable, Sendable, Equatable {
    public var description: String
    public var quantity: Quantity
    public var unit: String?
    public var unitPrice: Int64
    /// A percentage off this line (0 when none).
    public var discountRate: TaxRate
    /// This line's tax rate; nil means the invoice's rate.
    public var taxRate: TaxRate?
    public var amount: Int64

    public init(
        description: String, quantity: Quantity, unit: String?, unitPrice: Int64, discountRate: TaxRate = .zero, taxRate: TaxRate? = nil, amount: Int64 = 0
    ) {
        self.description = description
        self.quantity = quantity
        self.unit = unit
        self.unitPrice = unitPrice
        self.discountRate = discountRate
        self.taxRate = taxRate
        self.amount = amount
    }

    public func money(_ currency: Currency) -> Money { Money(minorUnits: self.unitPrice, currency: currency) }
}

/// Tax at one rate: what it was charged on and how much.
public struct TaxLine: Codable, Sendable, Equatable {
    public var rate: TaxRate
    public var taxable: Int64
    public var tax: Int64
}

/// Totals the server computed; never taken from a client or a model.
public struct Totals: Codable, Sendable, Equatable {
    public var subtotal: Int64
    public var discount: Int64
    public var tax: Int64
    public var total: Int64
    public var taxBreakdown: [TaxLine]
}

extension TaxRate {
    public static let zero = TaxRate(basisPoints: 0)
}

/// The invoice arithmetic, in one place. Every step rounds half away from zero to the currency's minor unit, per
/// line (the way Invoice Ninja and most tax authorities' examples do it), so each printed line adds up:
///
///     gross_i    = quantity_i × unitPrice_i
///     amount_i   = gross_i − gross_i × lineDiscount_i            (the line's printed amount)
///     subtotal   = Σ amount_i
///     discount_i = amount_i × invoiceDiscount                    (invoice-level discount, spread over the lines)
///     tax_i      = (amount_i − discount_i) × taxRate_i           (line rate, else the invoice's)
///     total      = subtotal − Σ discount_i + Σ tax_i
///
/// The tax breakdown groups taxable amounts and tax by rate.
public enum InvoiceMath {
    /// quantity × unit price, rounded to the minor unit.
    public static func lineAmount(quantity: Quantity, unitPrice: Int64) throws(MoneyError) -> Int64 {
        try Decimals.mulDivRound(quantity.thousandths, unitPrice, Decimals.pow10(Quantity.scale))
    }

    /// Sets each item's amount and returns the totals.
    public static func compute(items: inout [LineItem], discountRate: TaxRate, taxRate: TaxRate) throws(MoneyError) -> Totals {
        var subtotal: Int64 = 0
        var discount: Int64 = 0
        var tax: Int64 = 0
        var byRate: [Int64: (taxable: Int64, tax: Int64)] = [:]
        for index in items.indices {
            let gross = try lineAmount(quantity: items[index].quantity, unitPrice: items[index].unitPrice)
            let amount = try checked(gross, -(try Decimals.mulDivRound(gross, items[index].discountRate.basisPoints, 10_000)))
            items[index].amount = amount
            subtotal = try checked(subtotal, amount)
            let lineDiscount = try Decimals.mulDivRound(amount, discountRate.basisPoints, 10_000)
            discount = try checked(discount, lineDiscount)
            let taxable = amount - lineDiscount
            let rate = items[index].taxRate ?? taxRate
            let lineTax = try Decimals.mulDivRound(taxable, rate.basisPoints, 10_000)
            tax = try checked(tax, lineTax)
            let entry = byRate[rate.basisPoints] ?? (0, 0)
            byRate[rate.basisPoints] = (try checked(entry.taxable, taxable), try checked(entry.tax, lineTax))
        }
        let total = try checked(subtotal - discount, tax)
        let breakdown = byRate.sorted { $0.key < $1.key }.map { TaxLine(rate: TaxRate(basisPoints: $0.key), taxable: $0.value.taxable, tax: $0.value.tax) }
        return Totals(subtotal: subtotal, discount: discount, tax: tax, total: total, taxBreakdown: breakdown)
    }

    /// Convenience for one rate and no discounts.
    public static func totals(amounts: [Int64], taxRate: TaxRate) throws(MoneyError) -> Totals {
        var items = amounts.map { LineItem(description: "", quantity: Quantity(1), unit: nil, unitPrice: $0) }
        return try compute(items: &items, discountRate: .zero, taxRate: taxRate)
    }

    static func checked(_ a: Int64, _ b: Int64) throws(MoneyError) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow, sum.magnitude <= 999_999_999_999_999 else { throw .outOfRange }
        return sum
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
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...9999).contains(y), (1...12).contains(m), (1...31).contains(d),
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
    public var source: InvoiceSource
    public var issueDate: CalendarDate
    public var dueDate: CalendarDate
    public var currency: Currency
    /// The sender: the business profile as of creation, replaced by the profile as of finalization.
    public var from: Party
    /// The client as printed (a snapshot: editing the address book later does not change an invoice).
    public var to: Party
    /// The address-book entry this invoice was billed to.
    public var clientId: String?
    public var items: [LineItem]
    public var taxRate: TaxRate
    public var discountRate: TaxRate
    public var subtotal: Int64
    public var discount: Int64
    public var tax: Int64
    public var total: Int64
    public var taxBreakdown: [TaxLine]
    public var notes: String?
    public var terms: String?
    public var poNumber: String?
    public var originalTranscript: String?
    public var warnings: [InvoiceWarning]
    /// From the profile when created, refreshed at finalization; part of the invoice so its PDF depends on it alone.
    public var paperSize: PaperSize = .a4
    public var payments: [Payment]
    public var amountPaid: Int64
    public var balance: Int64
    /// Case- and accent-folded number, client and descriptions, for `?q=` search in either engine.
    public var searchText: String
    /// Bumped on every change; the ETag is derived from it.
    public var revision: Int
    /// The `Idempotency-Key` (as stored: a digest) of the request that created it: written with the invoice in one
    /// insert, under a unique index, so a retry after a crash finds this invoice instead of creating another.
    public var idempotencyKey: String?
    public var finalizedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The sender's time zone when it was drafted (IANA name): the zone its "today" is in (overdue, payment dates).
    /// Absent on invoices stored before it was kept: UTC.
    public var timeZone: String?
    /// Where in `originalTranscript` each value was heard, with the reading's confidence, as drafted (edits later do
    /// not move them). Absent on manual drafts and on invoices stored before it was kept.
    public var sources: [FieldSource]?

    /// Today for this invoice: in its sender's time zone.
    public func today(at now: Date) -> CalendarDate { CalendarDate(now, in: self.timeZone.flatMap(TimeZone.init(identifier:)) ?? .gmt) }

    public init(
        id: String, ownerId: String, status: InvoiceStatus = .draft, source: InvoiceSource, issueDate: CalendarDate, dueDate: CalendarDate,
        currency: Currency, from: Party, to: Party, clientId: String? = nil, items: [LineItem], taxRate: TaxRate, discountRate: TaxRate = .zero,
        notes: String? = nil, terms: String? = nil, poNumber: String? = nil, originalTranscript: String? = nil, warnings: [InvoiceWarning] = [], createdAt: Date
    ) throws(MoneyError) {
        self.id = id
        self.ownerId = ownerId
        self.status = status
        self.source = source
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.currency = currency
        self.from = from
        self.to = to
        self.clientId = clientId
        self.items = items
        self.taxRate = taxRate
        self.discountRate = discountRate
        self.subtotal = 0
        self.discount = 0
        self.tax = 0
        self.total = 0
        self.taxBreakdown = []
        self.notes = notes
        self.terms = terms
        self.poNumber = poNumber
        self.originalTranscript = originalTranscript
        self.warnings = warnings
        self.payments = []
        self.amountPaid = 0
        self.balance = 0
        self.searchText = ""
        self.revision = 1
        self.createdAt = createdAt
        self.updatedAt = createdAt
        try self.recompute()
    }

    /// Finalized or sent, money still owed, and the due date passed (in the zone `today` was computed in).
    public func isOverdue(today: CalendarDate) -> Bool {
        (self.status == .finalized || self.status == .sent) && self.balance > 0 && self.dueDate < today
    }

    /// Recomputes line amounts, totals, balance and the search text from the items and rates (after any edit).
    public mutating func recompute() throws(MoneyError) {
        let totals = try InvoiceMath.compute(items: &self.items, discountRate: self.discountRate, taxRate: self.taxRate)
        self.subtotal = totals.subtotal
        self.discount = totals.discount
        self.tax = totals.tax
        self.total = totals.total
        self.taxBreakdown = totals.taxBreakdown
        let (balance, overflow) = totals.total.subtractingReportingOverflow(self.amountPaid)
        guard !overflow else { throw .outOfRange }
        self.balance = balance
        self.searchText = SearchText.fold(([self.number ?? "", self.to.name, self.poNumber ?? ""] + self.items.map(\.description)).joined(separator: " | "))
    }

    public func money(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: self.currency) }
}

/// Case-, accent- and punctuation-insensitive text for matching names and searching.
public enum SearchText {
    /// "Café  Müller, Inc." → "cafe muller inc"
    public static func fold(_ text: String) -> String {
        // ASCII (most names and descriptions) folds to lower case alone: Foundation's folding, the costly part of
        // drafting, is for the rest.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.utf8.count)
            var space = false
            for byte in text.utf8 {
                let lower = (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
                if (0x61...0x7A).contains(lower) || (0x30...0x39).contains(lower) || lower == UInt8(ascii: "|") {
                    if space, !bytes.isEmpty { bytes.append(0x20) }
                    bytes.append(lower)
                    space = false
                } else {
                    space = true
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var out = ""
        var space = false
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) || scalar == "|" {
                if space, !out.isEmpty { out.append(" ") }
                out.unicodeScalars.append(scalar)
                space = false
            } else {
                space = true
            }
        }
        return out.lowercased()
    }
}
