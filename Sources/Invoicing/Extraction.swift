import Foundation

/// What an extractor heard, as it was said: no money maths, no invoice numbers, dates as words. The server turns this
/// into an invoice (`DraftBuilder`), so neither the rules below nor a language model ever sets an amount or a date.
public struct ExtractedInvoice: Sendable, Equatable, Codable {
    public struct Item: Sendable, Equatable, Codable {
        public var description: String
        /// Decimal text, e.g. "12" or "1.5".
        public var quantity: String
        public var unit: String?
        /// Decimal text in the currency's major unit, e.g. "85" or "1,200.50".
        public var unitPrice: String
        /// ISO code of a currency named next to this price, if any.
        public var currency: String?
        /// Percentage text off this line ("10"), if one was said.
        public var discountPercent: String?
        /// This line's own tax rate as percentage text, if one was said for it alone.
        public var taxRate: String?

        public init(
            description: String, quantity: String, unit: String?, unitPrice: String, currency: String?, discountPercent: String? = nil, taxRate: String? = nil
        ) {
            self.description = description
            self.quantity = quantity
            self.unit = unit
            self.unitPrice = unitPrice
            self.currency = currency
            self.discountPercent = discountPercent
            self.taxRate = taxRate
        }
    }

    /// How sure the extractor is of each part, 0…1 (nil: not said, a default will be used).
    public struct Confidence: Sendable, Equatable, Codable {
        public var clientName: Double?
        public var items: Double?
        public var dates: Double?
        public var taxRate: Double?
        public var currency: Double?
        public init(clientName: Double? = nil, items: Double? = nil, dates: Double? = nil, taxRate: Double? = nil, currency: Double? = nil) {
            self.clientName = clientName
            self.items = items
            self.dates = dates
            self.taxRate = taxRate
            self.currency = currency
        }
    }

    public var clientName: String?
    public var items: [Item]
    public var currency: String?
    /// The issue date as said ("yesterday", "March 3rd", "2026-03-03"); nil means today.
    public var issueDate: String?
    /// The due date as said ("next Friday", "end of the month", "December 15"); resolved in the user's time zone.
    public var dueDate: String?
    /// Payment terms as said in days ("due in two weeks" → 14, "net 30" → 30).
    public var dueInDays: Int?
    /// Percentage text, e.g. "8.25".
    public var taxRate: String?
    /// Percentage text off the whole invoice, e.g. "10".
    public var discountPercent: String?
    public var poNumber: String?
    public var notes: String?
    public var warnings: [InvoiceWarning]
    public var confidence: Confidence
    /// Where in the transcript each value was heard, and how sure the reading is (nil from a provider that does not say).
    public var sources: [FieldSource]?

    public init(
        clientName: String? = nil, items: [Item] = [], currency: String? = nil, issueDate: String? = nil, dueDate: String? = nil,
        dueInDays: Int? = nil, taxRate: String? = nil, discountPercent: String? = nil, poNumber: String? = nil, notes: String? = nil,
        warnings: [InvoiceWarning] = [], confidence: Confidence = Confidence()
    ) {
        self.clientName = clientName
        self.items = items
        self.currency = currency
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.dueInDays = dueInDays
        self.taxRate = taxRate
        self.discountPercent = discountPercent
        self.poNumber = poNumber
        self.notes = notes
        self.warnings = warnings
        self.confidence = confidence
    }
}

/// Where a value of the draft came from: its span in the transcript and how sure the reading is.
public struct FieldSource: Sendable, Equatable, Codable {
    /// "clientName", "items[0]", "items[0].quantity", "items[0].unitPrice", "items[0].description", "items[0].currency",
    /// "dueDate", "taxRate", "discountPercent", "poNumber", "notes".
    public var field: String
    /// UTF-16 offsets into the transcript, end exclusive (JavaScript's `transcript.slice(start, end)`).
    public var start: Int
    public var end: Int
    /// The transcript between them.
    public var text: String
    /// 0…1.
    public var confidence: Double

    public init(field: String, start: Int, end: Int, text: String, confidence: Double) {
        self.field = field
        self.start = start
        self.end = end
        self.text = text
        self.confidence = confidence
    }
}

/// What an extractor may know besides the transcript: the user's own vocabulary and defaults.
public struct ExtractionContext: Sendable {
    public var today: CalendarDate
    public var defaultCurrency: Currency
    public var knownClients: [String]
    public var knownServices: [String]

    public init(today: CalendarDate, defaultCurrency: Currency, knownClients: [String] = [], knownServices: [String] = []) {
        self.today = today
        self.defaultCurrency = defaultCurrency
        self.knownClients = knownClients
        self.knownServices = knownServices
    }
}

/// Turns a transcript into an `ExtractedInvoice`. The rule-based one below is the offline default; the AI provider's
/// (`AIExtractor`, used when `OPENAI_API_KEY` is set) implements the same protocol.
public protocol InvoiceExtractor: Sendable {
    func extract(transcript: String, context: ExtractionContext) async throws -> ExtractedInvoice
}

/// The offline extractor: `SpokenInvoiceParser` over English as people say it ("Um, so, bill Acme Corp for, uh,
/// twelve hours of design at eighty-five bucks an hour, due in two weeks").
///
/// Hand-written because no kept Swift library parses invoice phrasing.
public struct RuleBasedExtractor: InvoiceExtractor {
    public init() {}

    public func extract(transcript: String, context: ExtractionContext) async throws -> ExtractedInvoice {
        self.extractSync(transcript, context: context)
    }

    public func extractSync(_ transcript: String, context: ExtractionContext = ExtractionContext(today: CalendarDate(Date()), defaultCurrency: .usd))
        -> ExtractedInvoice
    {
        var parser = SpokenInvoiceParser(context: context)
        return parser.parse(transcript)
    }
}
