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

/// An English rule-based extractor: "Bill Acme for twelve hours of design at 85 dollars, due in two weeks".
///
/// Hand-written because no kept Swift library parses invoice phrasing; it covers the client after
/// "bill / invoice / charge", items with quantities, units and unit prices, "$ € £ / dollars euros pounds",
/// "due in N days|weeks|months" or "net N", and "plus N% tax".
public struct RuleBasedExtractor: InvoiceExtractor {
    public init() {}

    public func extract(transcript: String, context: ExtractionContext) async throws -> ExtractedInvoice {
        self.extractSync(transcript, context: context)
    }

    public func extractSync(_ transcript: String, context: ExtractionContext = ExtractionContext(today: CalendarDate(Date()), defaultCurrency: .usd))
        -> ExtractedInvoice
    {
        let (clean, warnings) = TranscriptText.normalize(transcript)
        var text = NumberWords.normalize(clean)
        var result = ExtractedInvoice()
        result.warnings = warnings

        // Notes: everything after "note:" / "notes:" is free text and must not be parsed for items.
        if let match = Self.notes.firstMatch(in: text) {
            result.notes = match.group(1)?.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
            if let range = match.range { text = String(text[..<range.lowerBound]) }
        }

        if let match = Self.dueOn.firstMatch(in: text) {
            result.dueDate = match.group(1)
            match.remove(from: &text)
        } else if let match = Self.dueIn.firstMatch(in: text) {
            // Out-of-range terms ("due in 400000000000000000 months") stay out of range, never wrap: the draft
            // builder refuses them with a 422.
            let count = match.group(1).map { $0.lowercased().hasPrefix("a") ? 1 : Int($0) ?? Int.max } ?? 0
            let unit = match.group(2)?.lowercased() ?? "day"
            let factor = unit.hasPrefix("week") ? 7 : unit.hasPrefix("month") ? 30 : 1
            let (days, overflow) = count.multipliedReportingOverflow(by: factor)
            result.dueInDays = overflow ? Int.max : days
            match.remove(from: &text)
        } else if let match = Self.net.firstMatch(in: text) {
            result.dueInDays = match.group(1).flatMap { Int($0) }
            match.remove(from: &text)
        }

        if let match = Self.noTax.firstMatch(in: text) {
            result.taxRate = "0"
            match.remove(from: &text)
        } else if let match = Self.taxAfter.firstMatch(in: text) ?? Self.taxBefore.firstMatch(in: text) {
            result.taxRate = match.group(1)
            match.remove(from: &text)
        }

        if let match = Self.discount.firstMatch(in: text) ?? Self.discountBefore.firstMatch(in: text) {
            result.discountPercent = match.group(1)
            match.remove(from: &text)
        }
        if let match = Self.purchaseOrder.firstMatch(in: text) {
            result.poNumber = match.group(1)
            match.remove(from: &text)
        }

        var body = Substring(text)
        if let match = Self.client.firstMatch(in: text), let range = match.range {
            let name = match.group(1)?.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ",.:;'")))
            if let name, !name.isEmpty {
                result.clientName = name.prefix(1).uppercased() + name.dropFirst()
            }
            body = text[range.upperBound...]
        }

        result.items = Self.items(in: String(body), warnings: &result.warnings)
        let currencies = result.items.compactMap(\.currency)
        result.currency = currencies.first
        if Set(currencies).count > 1, let first = currencies.first {
            result.warnings.append(
                InvoiceWarning(
                    field: "currency", "Several currencies were mentioned (\(Set(currencies).sorted().joined(separator: ", "))); the invoice uses \(first)."))
        }
        if result.clientName == nil { result.warnings.append(InvoiceWarning(field: "clientName", "No client was named (say \"bill <client> for …\").")) }
        // Rules either match or do not: what they matched is as sure as the phrasing; a known client is surer.
        let known = Set(context.knownClients.map(SearchText.fold))
        result.confidence = .init(
            clientName: result.clientName.map { known.contains(SearchText.fold($0)) ? 0.95 : 0.8 },
            items: result.items.isEmpty ? nil : (result.warnings.contains { $0.field == "items" } ? 0.6 : 0.9),
            dates: (result.dueDate ?? result.dueInDays.map(String.init)) == nil ? nil : 0.9,
            taxRate: result.taxRate == nil ? nil : 0.95,
            currency: result.currency == nil ? nil : 0.95
        )
        return result
    }

    /// Splits the body into chunks at commas, semicolons, "and" and "plus", re-joining a chunk that has no price
    /// with the next one ("design and development at 85" stays one item).
    static func items(in body: String, warnings: inout [InvoiceWarning]) -> [ExtractedInvoice.Item] {
        // At most `maximumChunks` separators are honoured (more items than an invoice may have), and a run of chunks
        // without a price is re-joined only up to `maximumPending` characters: the work stays linear in the input.
        let separators = Self.separator.matches(in: body).prefix(Self.maximumChunks)
        var chunks: [(text: String, separator: String)] = []
        var start = body.startIndex
        for separator in separators {
            guard let range = separator.range, range.lowerBound >= start else { continue }
            chunks.append((String(body[start..<range.lowerBound]), String(body[range])))
            start = range.upperBound
        }
        chunks.append((String(body[start...]), ""))

        var items: [ExtractedInvoice.Item] = []
        var pending = ""
        for chunk in chunks {
            if pending.utf8.count > Self.maximumPending {
                warnings.append(InvoiceWarning(field: "items", "Could not understand part of the sentence as an item with a price."))
                pending = ""
            }
            let candidate = pending + chunk.text
            if let item = Self.item(from: candidate) {
                items.append(item)
                pending = ""
            } else {
                pending = candidate + chunk.separator
            }
        }
        let leftover = pending.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        if !leftover.isEmpty, !items.isEmpty || leftover.count > 3 {
            warnings.append(InvoiceWarning(field: "items", "Could not understand \"\(leftover)\" as an item with a price."))
        }
        return items
    }

    static let maximumChunks = 400
    static let maximumPending = 600

    static func item(from chunk: String) -> ExtractedInvoice.Item? {
        let text = chunk.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ",.;:")))
        guard let match = Self.itemPattern.firstMatch(in: text) else { return nil }
        var quantity = match.group(1) ?? "1"
        if quantity.lowercased() == "a" || quantity.lowercased() == "an" { quantity = "1" }
        let unit = match.group(2).map { Self.canonicalUnit($0) }
        var description = (match.group(3) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if description.lowercased().hasPrefix("of ") { description = String(description.dropFirst(3)) }
        guard !description.isEmpty else { return nil }
        var price = match.group(5) ?? "0"
        if match.group(6) != nil, let thousands = try? Decimals.parse(price, scale: 3) {
            // "3k": a thousand times, checked; too large stays too large (the draft builder's 422), never wraps.
            let (value, overflow) = thousands.multipliedReportingOverflow(by: 1000)
            price = overflow ? price + "000000" : Decimals.format(value, scale: 3)
        }
        let currency = Self.currencyCode(symbol: match.group(4), word: match.group(7))
        return .init(
            description: description.prefix(1).uppercased() + description.dropFirst(), quantity: quantity, unit: unit,
            unitPrice: price, currency: currency
        )
    }

    static func canonicalUnit(_ unit: String) -> String {
        switch unit.lowercased() {
        case "h", "hr", "hrs", "hour", "hours": return "hour"
        case "day", "days": return "day"
        case "week", "weeks": return "week"
        case "month", "months": return "month"
        default: return "unit"
        }
    }

    static func currencyCode(symbol: String?, word: String?) -> String? {
        switch (symbol ?? word ?? "").lowercased() {
        case "$", "dollar", "dollars", "bucks", "usd": return "USD"
        case "€", "euro", "euros", "eur": return "EUR"
        case "£", "pound", "pounds", "quid", "gbp": return "GBP"
        default: return nil
        }
    }

    // MARK: Patterns (case-insensitive, run on text whose number words are already digits).

    static let client = Pattern(#"\b(?:bill|invoice|charge)\s+(?:to\s+)?(.+?)(?:\s+for\b|\s*[,:;]|(?=\s+\d)|$)"#)
    static let dueIn = Pattern(#",?\s*(?:payment\s+)?due\s+(?:with)?in\s+(\d+|an?)\s+(days?|weeks?|months?)"#)
    static let months =
        "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
    static let weekdays = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    static let dueOn = Pattern(
        #",?\s*(?:payment\s+)?due\s+(?:on\s+|by\s+)?((?:next|this)\s+(?:"# + weekdays + #"|week|month)|"# + weekdays
            + #"|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|next\s+)?month|tomorrow|\d{4}-\d{2}-\d{2}|"# + months
            + #"\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"# + months + #"(?:,?\s+\d{4})?)\b"#
    )
    static let discount = Pattern(
        #",?\s*(?:\b(?:with|and|less|minus|plus|apply)\s+(?:an?\s+)?)?(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)\s*(?:off|discount)\b(?:\s+(?:on\s+)?(?:the\s+)?(?:total|invoice|everything))?"#
    )
    static let discountBefore = Pattern(
        #",?\s*(?:\b(?:with|and|less|minus|plus|apply)\s+)?(?:an?\s+)?discount\s+of\s+(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)"#)
    static let purchaseOrder = Pattern(
        #",?\s*\b(?:on\s+|for\s+|under\s+)?(?:po|p\.o\.|purchase\s+order)(?:\s+(?:number|no\.?|#))?\s*#?\s*([A-Za-z-]{0,10}\d[A-Za-z0-9-]{0,30})\b"#)
    static let net = Pattern(#",?\s*\bnet\s*(\d{1,3})\b"#)
    static let noTax = Pattern(#",?\s*\b(?:no|without|zero)\s+(?:sales\s+)?(?:tax|vat|gst)\b"#)
    static let taxAfter = Pattern(#",?\s*(?:\b(?:plus|with|add|and)\s+)?(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)\s*(?:sales\s+)?(?:tax|vat|gst)\b"#)
    static let taxBefore = Pattern(
        #",?\s*(?:\b(?:plus|with|add|and)\s+)?(?:sales\s+)?(?:tax|vat|gst)\s+(?:of|at)\s+(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)"#)
    static let notes = Pattern(#"\bnotes?\s*:\s*(.*)$"#)
    // A comma followed by exactly three digits is a thousands separator ("2,500.50"), not a list comma.
    static let separator = Pattern(#"\s*(?:,(?!\d{3}(?:\D|$))|;|\band\b|\bplus\b)\s*"#)
    static let itemPattern = Pattern(
        #"^(?:(\d+(?:\.\d+)?|an?)\s+)?(?:(hours?|hrs?|h|days?|weeks?|months?|units?|items?|pieces?|pcs)\b\s*(?:of\s+)?)?(.+?)\s+(?:at|@|for|costing)\s+(?:a\s+rate\s+of\s+)?([$€£])?\s*(\d[\d,]*(?:\.\d+)?)\s*(k\b)?\s*(dollars?|bucks|usd|euros?|eur|pounds?|gbp|quid)?(?:\s*(?:per|/|an?|each)\b.*|\s+(?:an?\s+)?(?:hour|day|week|month|piece|unit|item)\b.*)?$"#
    )
}

/// A thin wrapper over NSRegularExpression that hands out Swift ranges and capture groups.
struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented thread-safe; it is just not annotated Sendable.
    let regex: NSRegularExpression

    init(_ pattern: String) {
        // The patterns are literals in this file; a typo is a programming error caught by the unit tests.
        self.regex = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
    }

    struct Match {
        let text: String
        let result: NSTextCheckingResult
        /// Nil when ICU's UTF-16 range does not fall on this string's scalar boundaries (never for text that went
        /// through `TranscriptText.normalize`, but a nil here is a non-match, never a trap).
        var range: Range<String.Index>? { Range(self.result.range, in: self.text) }

        /// Removes the match from `text` (the string it was found in).
        func remove(from text: inout String) {
            guard let range = self.range else { return }
            text.removeSubrange(range)
        }
        func group(_ index: Int) -> String? {
            let range = self.result.range(at: index)
            guard range.location != NSNotFound, let swiftRange = Range(range, in: self.text) else { return nil }
            return String(self.text[swiftRange])
        }
    }

    func firstMatch(in text: String) -> Match? {
        self.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)).map { Match(text: text, result: $0) }
    }

    func matches(in text: String) -> [Match] {
        self.regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { Match(text: text, result: $0) }
    }
}

/// Spoken numbers to digits: "twelve" → "12", "one hundred and fifty" → "150", "two and a half" → "2.5".
enum NumberWords {
    static let units: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12,
    ]
    static let tens: [String: Int] = [
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    static let scales: [String: Int] = ["hundred": 100, "thousand": 1000, "million": 1_000_000]

    static func isNumberWord(_ word: String) -> Bool {
        let parts = word.split(separator: "-").map(String.init)
        return !parts.isEmpty && parts.allSatisfy { units[$0] != nil || tens[$0] != nil || scales[$0] != nil }
    }

    static func normalize(_ text: String) -> String {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var output: [String] = []
        var index = 0
        while index < tokens.count {
            let (core, trailing) = split(tokens[index])
            guard isNumberWord(core.lowercased()) else {
                output.append(tokens[index])
                index += 1
                continue
            }
            var total = 0
            var current = 0
            var lastTrailing = trailing
            var cursor = index
            var half = false
            while cursor < tokens.count {
                let (word, punctuation) = split(tokens[cursor])
                let lower = word.lowercased()
                if isNumberWord(lower) {
                    for part in lower.split(separator: "-").map(String.init) {
                        if let value = units[part] ?? tens[part] {
                            current = Self.bounded(current, plus: value)
                        } else if let scale = scales[part] {
                            if scale == 100 {
                                current = Self.bounded(max(current, 1), times: 100)
                            } else {
                                total = Self.bounded(total, plus: Self.bounded(max(current, 1), times: scale))
                                current = 0
                            }
                        }
                    }
                    lastTrailing = punctuation
                    cursor += 1
                    if !punctuation.isEmpty { break }
                    continue
                }
                // "and" continues only inside a number ("one hundred and fifty") or before "a half".
                if lower == "and", cursor + 1 < tokens.count {
                    let next = split(tokens[cursor + 1]).0.lowercased()
                    if isNumberWord(next) {
                        cursor += 1
                        continue
                    }
                    if next == "a", cursor + 2 < tokens.count, split(tokens[cursor + 2]).0.lowercased() == "half" {
                        half = true
                        lastTrailing = split(tokens[cursor + 2]).1
                        cursor += 3
                        break
                    }
                }
                break
            }
            let value = Self.bounded(total, plus: current)
            // "a million million million …" saturates instead of overflowing, and then reads as a number too long
            // for any field (TranscriptText's marker), never as a wrapped-around one.
            let digits = value >= Self.ceiling ? TranscriptText.tooLongNumber : half ? "\(value).5" : "\(value)"
            output.append(digits + lastTrailing)
            index = cursor
        }
        return output.joined(separator: " ")
    }

    /// Spoken numbers saturate at 10^15 (beyond any amount, quantity or date).
    static let ceiling = 1_000_000_000_000_000

    static func bounded(_ a: Int, plus b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Self.ceiling : min(sum, Self.ceiling)
    }

    static func bounded(_ a: Int, times b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Self.ceiling : min(product, Self.ceiling)
    }

    /// "twelve," → ("twelve", ",").
    private static func split(_ token: String) -> (String, String) {
        var core = token
        var trailing = ""
        while let last = core.last, ",.;:!?".contains(last) {
            trailing.insert(last, at: trailing.startIndex)
            core.removeLast()
        }
        return (core, trailing)
    }
}
