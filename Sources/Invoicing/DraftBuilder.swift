import Foundation
import WireFormat

/// Why a transcript could not become an invoice; each case is the client's to fix (422 at the API).
public struct DraftError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public let field: String
    public init(_ description: String, field: String = "transcript") {
        self.description = description
        self.field = field
    }
}

/// An address-book entry the invoice was matched to, with its defaults.
public struct KnownClient: Sendable, Equatable {
    public var id: String
    public var party: Party
    public var currency: Currency?
    public var paymentTermsDays: Int?
    public var taxRate: TaxRate?

    public init(id: String, party: Party, currency: Currency? = nil, paymentTermsDays: Int? = nil, taxRate: TaxRate? = nil) {
        self.id = id
        self.party = party
        self.currency = currency
        self.paymentTermsDays = paymentTermsDays
        self.taxRate = taxRate
    }
}

/// Everything besides what was said that decides a draft: who is billing, whom (if known), and what they usually charge.
public struct DraftContext: Sendable {
    public var id: String
    public var ownerId: String
    public var profile: BusinessProfile
    /// Today in the user's time zone.
    public var today: CalendarDate
    public var now: Date
    public var source: InvoiceSource
    public var transcript: String?
    public var client: KnownClient?
    /// Folded service description → the rate last charged for it (this client's first, then any client's).
    public var usualRates: [String: Money]

    public init(
        id: String, ownerId: String, profile: BusinessProfile, today: CalendarDate, now: Date, source: InvoiceSource, transcript: String?,
        client: KnownClient? = nil, usualRates: [String: Money] = [:]
    ) {
        self.id = id
        self.ownerId = ownerId
        self.profile = profile
        self.today = today
        self.now = now
        self.source = source
        self.transcript = transcript
        self.client = client
        self.usualRates = usualRates
    }
}

/// Turns what was said (or typed) into a draft invoice: validates and normalises every value, resolves dates in the
/// user's time zone, applies the client's and the profile's defaults, flags what looks misheard, and leaves every
/// amount to `InvoiceMath`. The extractor's output is untrusted input here, whoever produced it.
public struct DraftBuilder: Sendable {
    public static let maximumItems = 200
    public static let maximumTextLength = 500
    public static let maximumNotesLength = 2000
    /// More than a draft of `maximumItems` items has (six per item and the terms); a provider's answer is cut there.
    public static let maximumSources = 6 * 200 + 20
    /// Issue and due dates outside these years are refused (no invoice has them, and far years do not round-trip
    /// through every store and date parser).
    public static let plausibleYears = 1970...2999

    public init() {}

    public func draft(from extracted: ExtractedInvoice, context: DraftContext) throws(DraftError) -> Invoice {
        guard let clientName = extracted.clientName.map(Self.clean), !clientName.isEmpty else {
            throw DraftError("No client was named; say who to bill, e.g. \"Bill Acme for …\".", field: "clientName")
        }
        guard !extracted.items.isEmpty else {
            throw DraftError("No line items with a price were found; say e.g. \"3 hours of design at 85 dollars\".", field: "items")
        }
        guard extracted.items.count <= Self.maximumItems else { throw DraftError("At most \(Self.maximumItems) line items are allowed.", field: "items") }
        let profile = context.profile
        let client = context.client

        let currency: Currency
        if let code = extracted.currency {
            guard let found = Currency(code: code) else { throw DraftError("\(code) is not an ISO 4217 currency.", field: "currency") }
            currency = found
        } else {
            currency = client?.currency ?? profile.defaultCurrency
        }

        var warnings = extracted.warnings
        var items: [LineItem] = []
        for (index, item) in extracted.items.enumerated() {
            let field = "items[\(index)]"
            let line = try self.lineItem(item, field: field, currency: currency)
            let description = line.description
            if line.unitPrice == 0 { warnings.append(InvoiceWarning(field: "\(field).unitPrice", "\"\(description)\" has a price of zero.")) }
            if let said = item.currency, said != currency.code {
                warnings.append(InvoiceWarning(field: "\(field).unitPrice", "\"\(description)\" was priced in \(said); the invoice is in \(currency.code)."))
            }
            if let warning = Self.misheard(
                line.money(currency), usual: context.usualRates[SearchText.fold(description)], description: description, field: "\(field).unitPrice")
            {
                warnings.append(warning)
            }
            items.append(line)
        }

        let taxRate = try Self.rate(extracted.taxRate, field: "taxRate", what: "tax rate") ?? client?.taxRate ?? profile.taxRate
        let discountRate = try Self.rate(extracted.discountPercent, field: "discountPercent", what: "discount") ?? .zero

        var issueDate = context.today
        if let said = extracted.issueDate {
            if let date = SpokenDate.resolve(said, today: context.today) {
                issueDate = date
            } else {
                warnings.append(InvoiceWarning(field: "issueDate", "Could not understand the date \"\(Self.clean(said))\"; used today."))
            }
        }
        let termsDays = extracted.dueInDays ?? client?.paymentTermsDays ?? profile.defaultPaymentTermsDays
        guard (0...3650).contains(termsDays) else { throw DraftError("Payment terms must be between 0 and 3650 days.", field: "dueDate") }
        var dueDate = issueDate.adding(days: termsDays)
        if let said = extracted.dueDate {
            if let date = SpokenDate.resolve(said, today: context.today), date >= issueDate {
                dueDate = date
            } else {
                warnings.append(InvoiceWarning(field: "dueDate", "Could not use the due date \"\(Self.clean(said))\"; used \(termsDays)-day terms."))
            }
        }
        guard Self.plausibleYears.contains(issueDate.year), Self.plausibleYears.contains(dueDate.year) else {
            throw DraftError("Dates must be in the years \(Self.plausibleYears.lowerBound) to \(Self.plausibleYears.upperBound).", field: "dueDate")
        }
        for (field, value) in [("clientName", extracted.confidence.clientName), ("items", extracted.confidence.items), ("dueDate", extracted.confidence.dates)]
        {
            if let value, value < 0.5 { warnings.append(InvoiceWarning(field: field, "Low confidence in what was heard here; check it.")) }
        }

        let notes = extracted.notes.map { String(Self.clean($0).prefix(Self.maximumNotesLength)) }.flatMap { $0.isEmpty ? nil : $0 }
        let po = extracted.poNumber.map { String(Self.clean($0).prefix(50)) }.flatMap { $0.isEmpty ? nil : $0 }
        do {
            var invoice = try Invoice(
                id: context.id, ownerId: context.ownerId, source: context.source, issueDate: issueDate, dueDate: dueDate, currency: currency,
                from: profile.asSender, to: client?.party ?? Party(name: clientName), clientId: client?.id, items: items, taxRate: taxRate,
                discountRate: discountRate, notes: notes, terms: profile.defaultTerms, poNumber: po, originalTranscript: context.transcript,
                warnings: warnings, createdAt: context.now
            )
            invoice.paperSize = profile.paperSize
            invoice.sources = context.transcript == nil ? nil : extracted.sources.map { Array($0.prefix(Self.maximumSources)) }
            return invoice
        } catch {
            throw DraftError("The invoice total is too large.", field: "items")
        }
    }

    /// One line, validated: a description, a positive quantity with at most 3 decimals, a non-negative price in the
    /// currency's minor unit, and rates between 0 and 100 %. Its amount is left to `InvoiceMath`.
    public func lineItem(_ item: ExtractedInvoice.Item, field: String, currency: Currency) throws(DraftError) -> LineItem {
        let description = Self.clean(item.description)
        guard !description.isEmpty else { throw DraftError("A line item has no description.", field: "\(field).description") }
        let quantity: Quantity
        do { quantity = try Quantity(parsing: item.quantity) } catch {
            throw DraftError("The quantity \"\(item.quantity)\" of \"\(description)\" is not a number with at most 3 decimals.", field: "\(field).quantity")
        }
        guard quantity.thousandths > 0 else { throw DraftError("The quantity of \"\(description)\" must be positive.", field: "\(field).quantity") }
        let unitPrice: Money
        do { unitPrice = try Money(parsing: item.unitPrice, currency: currency) } catch {
            throw DraftError("The price \"\(item.unitPrice)\" of \"\(description)\" is not a valid \(currency.code) amount.", field: "\(field).unitPrice")
        }
        guard unitPrice.minorUnits >= 0 else { throw DraftError("The price of \"\(description)\" must not be negative.", field: "\(field).unitPrice") }
        let discount = try Self.rate(item.discountPercent, field: "\(field).discountPercent", what: "discount") ?? .zero
        let tax = try Self.rate(item.taxRate, field: "\(field).taxRate", what: "tax rate")
        let unit = item.unit.map(Self.clean).flatMap { $0.isEmpty ? nil : String($0.prefix(20)) }
        return LineItem(description: description, quantity: quantity, unit: unit, unitPrice: unitPrice.minorUnits, discountRate: discount, taxRate: tax)
    }

    static func rate(_ text: String?, field: String, what: String) throws(DraftError) -> TaxRate? {
        guard let text else { return nil }
        do { return try TaxRate(percent: text) } catch {
            throw DraftError("The \(what) \"\(text)%\" must be between 0 and 100 with at most 2 decimals.", field: field)
        }
    }

    /// Numbers that sound alike when spoken: thirteen/thirty … nineteen/ninety.
    static let soundAlike: [Int64: Int64] = {
        var pairs: [Int64: Int64] = [:]
        for n in Int64(3)...9 {
            pairs[10 + n] = n * 10
            pairs[n * 10] = 10 + n
        }
        return pairs
    }()

    /// A price far from what this service usually costs (a third or less, three times or more), or one that is the
    /// sound-alike of the usual rate ("fifteen" for a usual fifty), is flagged, never changed.
    static func misheard(_ price: Money, usual: Money?, description: String, field: String) -> InvoiceWarning? {
        guard let usual, usual.currency == price.currency, usual.minorUnits > 0, price.minorUnits > 0, usual != price else { return nil }
        // Compare with the shared trailing zeros removed: 1500 vs 5000 cents is 15 vs 50.
        var (said, known) = (price.minorUnits, usual.minorUnits)
        while said % 10 == 0, known % 10 == 0 {
            said /= 10
            known /= 10
        }
        if soundAlike[said] == known {
            return InvoiceWarning(
                field: field, "\(price.formatted) for \"\(description)\" may be misheard: the usual rate is \(usual.formatted), and the two sound alike.")
        }
        // The usual rate comes from stored documents: compared without multiplying, so no stored value can overflow.
        if price.minorUnits / 3 >= usual.minorUnits || usual.minorUnits / 3 >= price.minorUnits {
            return InvoiceWarning(field: field, "\(price.formatted) for \"\(description)\" is far from the usual \(usual.formatted); check it.")
        }
        return nil
    }

    /// Trims, collapses whitespace, turns control and bidi characters into spaces (a spoken or typed line is printed
    /// as one line, and no character may reorder or hide what the PDF shows) and bounds the length of text that will
    /// be printed on an invoice.
    public static func clean(_ text: String) -> String {
        let collapsed = TextRules.replacingForbidden(String(text.prefix(Self.maximumTextLength * 4))).split(whereSeparator: \.isWhitespace).joined(
            separator: " ")
        return String(collapsed.prefix(Self.maximumTextLength))
    }
}
