import Foundation

/// Reads an invoice request as people say it: tokens once (`SpokenTokenizer`), disfluencies once (`Disfluencies`),
/// then the terms (due, tax, discount, PO, notes), the client phrase and the items, each a small grammar over the
/// tokens. Every step walks the tokens a bounded number of times with a bounded look-around, so the work is linear in
/// the transcript's length; there is no regular expression, so nothing can backtrack.
///
/// Every value it reads carries the span of the transcript it came from and a confidence (`FieldSource`); where a
/// sentence reads two ways it says so in a warning on that field rather than guess silently.
struct SpokenInvoiceParser {
    let context: ExtractionContext

    /// The tokens after cleaning, and which of them a reading has taken.
    private var tokens: [SpokenToken] = []
    private var used: [Bool] = []
    private var result = ExtractedInvoice()
    private var sources: [FieldSource] = []
    private var transcript = ""

    init(context: ExtractionContext) { self.context = context }

    /// One more than a draft may have, so that the draft builder refuses the sentence instead of a silent cut.
    static let maximumItems = DraftBuilder.maximumItems + 1

    mutating func parse(_ transcript: String) -> ExtractedInvoice {
        self.transcript = transcript
        let (raw, warnings) = SpokenTokenizer.tokens(transcript)
        let cleaned = Disfluencies.clean(raw)
        self.tokens = cleaned.tokens
        self.used = [Bool](repeating: false, count: self.tokens.count)
        self.result.warnings = warnings
        self.readNotes()
        self.readTerms()
        let client = self.readClient()
        self.readItems(clientStart: client)
        self.summarise()
        self.result.sources = self.sources
        return self.result
    }

    // MARK: Helpers

    private func lower(_ index: Int) -> String { index >= 0 && index < self.tokens.count ? self.tokens[index].lower : "" }
    private func isWord(_ index: Int, _ words: Set<String>) -> Bool {
        index >= 0 && index < self.tokens.count && self.tokens[index].kind == .word && words.contains(self.tokens[index].lower)
    }
    private mutating func take(_ range: Range<Int>) {
        for index in range where index < self.used.count { self.used[index] = true }
    }
    private mutating func source(_ field: String, _ range: Range<Int>, _ confidence: Double) {
        guard !range.isEmpty, range.upperBound <= self.tokens.count else { return }
        let start = self.tokens[range.lowerBound].start
        let end = self.tokens[range.upperBound - 1].end
        self.sources.append(FieldSource(field: field, start: start, end: end, text: self.slice(start, end), confidence: confidence))
    }
    /// The transcript between two UTF-16 offsets (they always fall on scalar boundaries: the tokenizer made them).
    private func slice(_ start: Int, _ end: Int) -> String {
        let utf16 = self.transcript.utf16
        guard start <= end, end <= utf16.count else { return "" }
        let from = utf16.index(utf16.startIndex, offsetBy: start)
        let to = utf16.index(from, offsetBy: end - start)
        return String(self.transcript[from..<to])
    }
    /// Words joined as said, punctuation attached to the word before it.
    private func text(_ indices: [Int]) -> String {
        var out = ""
        for index in indices {
            let token = self.tokens[index]
            if !out.isEmpty, token.kind != .punctuation, !(token.kind == .word && !token.spaced && self.tokens[max(index - 1, 0)].kind == .word) {
                out += " "
            }
            out += token.text
        }
        return out
    }

    // MARK: Notes and terms

    /// "note: …" or "notes: …": the rest is free text, never read for items.
    private mutating func readNotes() {
        for index in self.tokens.indices where self.isWord(index, ["note", "notes", "memo"]) && self.lower(index + 1) == ":" {
            guard index + 2 < self.tokens.count else { break }
            let start = self.tokens[index + 2].start
            let end = self.tokens[self.tokens.count - 1].end
            self.result.notes = self.slice(start, end).trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
            self.source("notes", (index + 2)..<self.tokens.count, 0.9)
            self.take(index..<self.tokens.count)
            return
        }
    }

    private static let connectors: Set<String> = ["plus", "with", "add", "and", "apply", "including", "less", "minus", "a", "an", "at", "of", "give", "them"]
    private static let taxWords: Set<String> = ["tax", "vat", "gst", "hst", "taxes"]

    private mutating func readTerms() {
        var index = 0
        while index < self.tokens.count {
            if self.used[index] {
                index += 1
                continue
            }
            if let end = self.readPercent(at: index) ?? self.readNoTax(at: index) ?? self.readDue(at: index) ?? self.readNet(at: index)
                ?? self.readPurchaseOrder(at: index)
            {
                index = max(end, index + 1)
            } else {
                index += 1
            }
        }
    }

    /// A percentage and what it is of: "plus 8 percent tax", "tax of 20%", "10% off", "a discount of 5 percent".
    private mutating func readPercent(at index: Int) -> Int? {
        guard let number = SpokenNumbers.parse(self.tokens, at: index) else { return nil }
        var end = number.end
        if self.lower(end) == "%" || self.lower(end) == "percent" || self.lower(end) == "pc" {
            end += 1
        } else if self.lower(end) == "per", self.lower(end + 1) == "cent" {
            end += 2
        } else {
            return nil
        }
        var begin = index
        var kind: String?
        // What follows: "tax", "sales tax", "vat", "off", "discount".
        var after = end
        if self.lower(after) == "sales" { after += 1 }
        if Self.taxWords.contains(self.lower(after)) {
            kind = "tax"
            end = after + 1
        } else if ["off", "discount"].contains(self.lower(end)) {
            kind = "discount"
            end += 1
            if ["on", "the", "total", "invoice", "everything"].contains(self.lower(end)) {
                while ["on", "the", "total", "invoice", "everything"].contains(self.lower(end)) { end += 1 }
            }
        }
        // What comes before: "tax of", "vat at", "discount of", "less", "minus".
        var before = begin - 1
        while ["of", "at", "is", "rate"].contains(self.lower(before)) { before -= 1 }
        if kind == nil {
            if Self.taxWords.contains(self.lower(before)) || (self.lower(before) == "tax" && self.lower(before - 1) == "sales") {
                kind = "tax"
                begin = before
                if self.lower(begin - 1) == "sales" { begin -= 1 }
            } else if self.lower(before) == "discount" {
                kind = "discount"
                begin = before
            } else if ["less", "minus"].contains(self.lower(index - 1)) {
                kind = "discount"
            }
        }
        guard let kind else { return nil }
        while begin > 0, !self.used[begin - 1], Self.connectors.contains(self.lower(begin - 1)) || self.tokens[begin - 1].isComma { begin -= 1 }
        if kind == "tax" {
            guard self.result.taxRate == nil else { return end }
            self.result.taxRate = number.text
            self.source("taxRate", index..<number.end, number.digits ? 0.95 : 0.9)
        } else {
            guard self.result.discountPercent == nil else { return end }
            self.result.discountPercent = number.text
            self.source("discountPercent", index..<number.end, number.digits ? 0.95 : 0.9)
        }
        self.take(begin..<end)
        return end
    }

    /// "no tax", "without VAT", "tax free", "tax-exempt".
    private mutating func readNoTax(at index: Int) -> Int? {
        var end: Int?
        if self.isWord(index, ["no", "without", "zero"]) {
            var next = index + 1
            if self.lower(next) == "sales" { next += 1 }
            if Self.taxWords.contains(self.lower(next)) { end = next + 1 }
        } else if Self.taxWords.contains(self.lower(index)), ["free", "exempt"].contains(self.lower(index + 1)) {
            end = index + 2
        } else if ["tax-free", "tax-exempt"].contains(self.lower(index)) {
            end = index + 1
        }
        guard let end, self.result.taxRate == nil else { return nil }
        self.result.taxRate = "0"
        self.source("taxRate", index..<end, 0.95)
        var begin = index
        while begin > 0, !self.used[begin - 1], self.tokens[begin - 1].isComma || ["and", "with"].contains(self.lower(begin - 1)) { begin -= 1 }
        self.take(begin..<end)
        return end
    }

    /// "due in two weeks", "due on March 3rd", "due end of month", "payable within 30 days", "due upon receipt".
    private mutating func readDue(at index: Int) -> Int? {
        guard self.isWord(index, ["due", "payable"]) else { return nil }
        var begin = index
        if self.isWord(index - 1, ["payment", "it's", "is", "and"]) { begin -= 1 }
        if self.isWord(begin - 1, ["payment"]) { begin -= 1 }
        var cursor = index + 1
        while self.isWord(cursor, ["date", "is", "on", "by", "before", "no", "later", "than"]) { cursor += 1 }
        if self.isWord(cursor, ["in", "within"]) {
            var at = cursor + 1
            var count: Int64 = 1000
            if let number = SpokenNumbers.parse(self.tokens, at: at) {
                count = number.value
                at = number.end
            } else if self.isWord(at, ["a", "an", "one"]) {
                at += 1
            } else if self.isWord(at, ["a", "couple"]) {
                at += 1
            }
            if self.lower(at) == "couple" {
                count = 2000
                at += 1
                if self.lower(at) == "of" { at += 1 }
            }
            let unit = self.lower(at)
            let factor: Int64? = unit.hasPrefix("day") ? 1 : unit.hasPrefix("week") ? 7 : unit.hasPrefix("month") ? 30 : unit == "fortnight" ? 14 : nil
            if let factor {
                let days = SpokenNumbers.multiply(count, factor) / 1000
                self.result.dueInDays = days > 100_000 ? Int.max : Int(days)
                var end = at + 1
                if self.isWord(end, ["time", "time's"]) || (self.lower(end) == "'" && self.lower(end + 1) == "time") { end += 1 }
                self.source("dueDate", index..<end, 0.9)
                self.take(begin..<end)
                return end
            }
        }
        if self.isWord(cursor, ["on", "upon"]), self.isWord(cursor + 1, ["receipt"]) || self.isWord(cursor, ["upon"]) && self.isWord(cursor + 1, ["receipt"]) {
            self.result.dueInDays = 0
            self.source("dueDate", index..<(cursor + 2), 0.9)
            self.take(begin..<(cursor + 2))
            return cursor + 2
        }
        if self.isWord(cursor, ["immediately", "now", "today"]) {
            self.result.dueInDays = 0
            self.source("dueDate", index..<(cursor + 1), 0.9)
            self.take(begin..<(cursor + 1))
            return cursor + 1
        }
        // A date as said: the longest phrase of up to seven words that reads as a date.
        var phraseEnd = cursor
        while phraseEnd < self.tokens.count, phraseEnd - cursor < 7,
            !self.tokens[phraseEnd].isBreak || self.lower(phraseEnd) == "." && phraseEnd + 1 < self.tokens.count && !self.tokens[phraseEnd + 1].spaced,
            !self.isWord(phraseEnd, ["and", "plus", "with", "for"])
        {
            phraseEnd += 1
        }
        guard phraseEnd > cursor else { return nil }
        var end = phraseEnd
        while end > cursor {
            let said = self.text(Array(cursor..<end))
            if SpokenDate.resolve(said, today: self.context.today) != nil { break }
            end -= 1
        }
        let confidence = end > cursor ? 0.9 : 0.4
        if end == cursor { end = phraseEnd }
        self.result.dueDate = self.text(Array(cursor..<end))
        self.source("dueDate", cursor..<end, confidence)
        self.take(begin..<end)
        return end
    }

    /// "net 30", "net thirty", "terms net 15 days".
    private mutating func readNet(at index: Int) -> Int? {
        guard self.isWord(index, ["net"]), let number = SpokenNumbers.parse(self.tokens, at: index + 1), number.value % 1000 == 0, number.value <= 3_650_000
        else {
            return nil
        }
        var end = number.end
        if self.isWord(end, ["days", "day"]) { end += 1 }
        var begin = index
        if self.isWord(index - 1, ["terms", "terms:"]) { begin -= 1 }
        if self.isWord(begin - 1, ["payment"]) { begin -= 1 }
        self.result.dueInDays = Int(number.value / 1000)
        self.source("dueDate", index..<end, 0.95)
        self.take(begin..<end)
        return end
    }

    /// "PO 4521", "P.O. number A-77", "purchase order #123".
    private mutating func readPurchaseOrder(at index: Int) -> Int? {
        var cursor: Int
        if self.isWord(index, ["po"]) {
            cursor = index + 1
            if self.lower(cursor) == "." { cursor += 1 }
        } else if self.isWord(index, ["p"]), self.lower(index + 1) == ".", self.isWord(index + 2, ["o"]) {
            cursor = index + 3
            if self.lower(cursor) == "." { cursor += 1 }
        } else if self.isWord(index, ["purchase"]), self.isWord(index + 1, ["order"]) {
            cursor = index + 2
        } else {
            return nil
        }
        while self.isWord(cursor, ["number", "no", "num"]) || self.lower(cursor) == "#" || self.lower(cursor) == "." { cursor += 1 }
        var codeStart = cursor
        if cursor < self.tokens.count, self.tokens[cursor].kind == .word, self.tokens[cursor].text.count <= 4, cursor + 1 < self.tokens.count,
            self.tokens[cursor + 1].kind == .number
        {
            cursor += 1
        } else {
            codeStart = cursor
        }
        guard cursor < self.tokens.count, self.tokens[cursor].kind == .number else { return nil }
        let end = cursor + 1
        self.result.poNumber = self.slice(self.tokens[codeStart].start, self.tokens[cursor].end)
        self.source("poNumber", codeStart..<end, 0.95)
        var begin = index
        while begin > 0, !self.used[begin - 1],
            self.tokens[begin - 1].isComma || ["on", "for", "under", "with", "reference", "ref"].contains(self.lower(begin - 1))
        {
            begin -= 1
        }
        self.take(begin..<end)
        return end
    }

    // MARK: The client

    private static let billingVerbs: Set<String> = ["bill", "invoice", "charge", "invoicing", "billing"]
    /// Words that end a name ("Bill Acme for…", "Invoice Globex at…").
    private static let nameStops: Set<String> = [
        "for", "at", "@", "with", "from", "due", "plus", "on", "about", "regarding", "re", "per", "each", "to", "a", "an", "the", "this", "that",
        "please", "thanks", "today", "tomorrow", "owes", "owe", "is", "was", "who", "which", "because", "so", "them", "him", "her", "me", "us", "it",
    ]
    /// Company suffixes, as they are written.
    private static let suffixes: [String: String] = [
        "inc": "Inc.", "llc": "LLC", "ltd": "Ltd", "gmbh": "GmbH", "co": "Co.", "corp": "Corp", "corporation": "Corporation", "plc": "PLC",
        "ag": "AG", "sa": "SA", "bv": "BV", "llp": "LLP", "lp": "LP", "pty": "Pty", "limited": "Limited", "company": "Company", "sons": "Sons",
        "group": "Group", "industries": "Industries", "partners": "Partners",
    ]

    /// Titles written with a point ("Dr. Smith").
    private static let titles: Set<String> = ["dr", "mr", "mrs", "ms", "mx", "st", "jr", "sr", "prof", "messrs"]

    /// Finds who is billed. Returns the index where the client phrase began (the items are read after it).
    private mutating func readClient() -> Int? {
        for index in self.tokens.indices where !self.used[index] {
            if let found = self.clientPhrase(at: index) {
                self.result.clientName = found.name
                self.source("clientName", found.nameRange, found.confidence)
                self.take(found.taken)
                // What was said before the client phrase ("can you make an") is not an item unless it has a number.
                let before = 0..<found.taken.lowerBound
                if !before.contains(where: { !self.used[$0] && (self.tokens[$0].kind == .number || SpokenNumbers.wordValue(self.tokens[$0].lower) != nil) }) {
                    self.take(before)
                }
                return found.taken.lowerBound
            }
        }
        self.result.warnings.append(InvoiceWarning(field: "clientName", "No client was named (say \"bill <client> for …\")."))
        return nil
    }

    private struct ClientPhrase {
        var name: String
        var nameRange: Range<Int>
        var taken: Range<Int>
        var confidence: Double
    }

    private func clientPhrase(at index: Int) -> ClientPhrase? {
        let word = self.lower(index)
        // "send Acme a bill", "give Acme an invoice"
        if ["send", "give", "email", "mail"].contains(word), let name = self.name(from: index + 1),
            self.isWord(name.end, ["a", "an", "the"]), self.isWord(name.end + 1, ["bill", "invoice"])
        {
            var end = name.end + 2
            if self.isWord(end, ["for", "of"]) { end += 1 }
            return ClientPhrase(name: name.text, nameRange: name.range, taken: index..<end, confidence: name.known ? 0.95 : 0.85)
        }
        // "Acme owes me 500 dollars"
        if self.isWord(index, ["owes", "owe"]) {
            var start = index
            while start > 0, index - start < 5, !self.used[start - 1], self.tokens[start - 1].kind == .word,
                !Self.nameStops.contains(self.lower(start - 1)) || start - 1 == 0 && self.lower(0) == "the"
            {
                start -= 1
            }
            guard start < index else { return nil }
            var end = index + 1
            if self.isWord(end, ["me", "us"]) { end += 1 }
            if self.isWord(end, ["for"]) { end += 1 }
            let range = start..<index
            return ClientPhrase(name: self.nameText(range), nameRange: range, taken: start..<end, confidence: self.isKnown(range) ? 0.95 : 0.8)
        }
        // "For Dunder Mifflin: …", "client: Acme", "customer is Acme"
        if ["for", "client", "customer"].contains(word) {
            var start = index + 1
            if self.isWord(start, ["is"]) || self.lower(start) == ":" { start += 1 }
            var end = start
            while end < self.tokens.count, end - start < 6,
                self.tokens[end].kind == .word && !SpokenNumbers.startsNumber(self.tokens, at: end) || self.lower(end) == "&"
                    || self.lower(end) == "." && end > start
            {
                end += 1
            }
            // "for X" without its colon only where the sentence begins with it and a number follows ("for hanso
            // foundation 3 reports").
            let opens = word == "for" && !(0..<index).contains { !self.used[$0] }
            let ended = end == self.tokens.count || self.tokens[end].isBreak || SpokenNumbers.startsNumber(self.tokens, at: end)
            if end > start,
                self.lower(end) == ":" || (word != "for" && ended) || opens && end < self.tokens.count && SpokenNumbers.startsNumber(self.tokens, at: end)
            {
                let range = start..<end
                return ClientPhrase(
                    name: self.nameText(range), nameRange: range, taken: index..<(end + (end < self.tokens.count && self.tokens[end].isBreak ? 1 : 0)),
                    confidence: 0.85)
            }
        }
        // "bill Acme for", "invoice to Globex", "charge Initech", "make an invoice for Initech", "send a bill to Hooli"
        if Self.billingVerbs.contains(word) {
            var start = index + 1
            while start < self.tokens.count, self.tokens[start].isComma { start += 1 }
            let noun = self.isWord(index - 1, ["an", "a", "the", "new", "my", "up"])
            if self.isWord(start, ["to", "for"]) { start += 1 } else if noun { return nil }
            if self.isWord(start, ["the", "client", "customer"]), self.isWord(start + 1, ["client", "customer"]) { start += 2 }
            guard let name = self.name(from: start) else { return nil }
            var end = name.end
            if self.isWord(end, ["for"]) || self.lower(end) == ":" { end += 1 }
            var begin = index
            while begin > 0, self.isWord(begin - 1, ["an", "a", "the", "new", "my", "up"]) { begin -= 1 }
            return ClientPhrase(name: name.text, nameRange: name.range, taken: begin..<end, confidence: name.known ? 0.95 : 0.85)
        }
        return nil
    }

    private struct Name {
        var text: String
        var range: Range<Int>
        var end: Int
        var known: Bool
    }

    /// A client's name starting at `start`: a known client first (longest match), else one to five words up to a word
    /// that ends names, a number or a pause; "&", "and Sons" and company suffixes ("Inc.", "GmbH") stay in it.
    private func name(from start: Int) -> Name? {
        guard start < self.tokens.count else { return nil }
        if let known = self.knownClient(at: start) {
            return Name(text: known.name, range: start..<known.end, end: known.end, known: true)
        }
        var end = start
        var words = 0
        while end < self.tokens.count, words < 6 {
            let token = self.tokens[end]
            if token.kind == .symbol, token.text == "&", end > start {
                end += 1
                continue
            }
            if token.kind == .punctuation, token.text == ".", end > start,
                Self.suffixes[self.lower(end - 1)] != nil || Self.titles.contains(self.lower(end - 1)) || self.lower(end - 1).count == 1
            {
                // "Inc.", "Co.", an initial ("J. Crew").
                end += 1
                continue
            }
            guard token.kind == .word else { break }
            let word = token.lower
            if end > start || word != "the" {
                if Self.nameStops.contains(word) { break }
            }
            if word == "and" || word == "of" {
                // "Johnson and Johnson", "Bank of America", "Smith and Sons": only before a capitalised word or a suffix.
                let next = end + 1 < self.tokens.count ? self.tokens[end + 1] : nil
                // In a recogniser's lower case: when the name then ends ("bank of america for").
                let ends = self.isWord(end + 2, ["for", "at"]) || end + 2 < self.tokens.count && self.tokens[end + 2].isBreak
                guard end > start, let next, next.kind == .word, next.text.first?.isUppercase == true || Self.suffixes[next.lower] != nil || ends else { break }
            } else if end > start, SpokenNumbers.wordValue(word) != nil || SpokenNumbers.unit(word) != nil || Currencies.word(word) != nil {
                break
            }
            end += 1
            words += 1
        }
        while end > start, self.tokens[end - 1].kind != .word, self.tokens[end - 1].text != "." { end -= 1 }
        guard end > start else { return nil }
        if end - start == 1, SpokenNumbers.wordValue(self.lower(start)) != nil { return nil }
        let range = start..<end
        return Name(text: self.nameText(range), range: range, end: end, known: false)
    }

    private func knownClient(at start: Int) -> (name: String, end: Int)? {
        var best: (name: String, end: Int)?
        for known in self.context.knownClients.prefix(200) {
            let words = SearchText.fold(known).split(separator: " ")
            guard !words.isEmpty, start + words.count <= self.tokens.count else { continue }
            var cursor = start
            var matched = true
            for word in words {
                while cursor < self.tokens.count, self.tokens[cursor].kind != .word, cursor > start { cursor += 1 }
                guard cursor < self.tokens.count, SearchText.fold(self.tokens[cursor].text) == word else {
                    matched = false
                    break
                }
                cursor += 1
            }
            if matched, cursor > (best?.end ?? start) { best = (known, cursor) }
        }
        return best
    }

    private func isKnown(_ range: Range<Int>) -> Bool {
        let folded = SearchText.fold(self.nameText(range))
        return self.context.knownClients.contains { SearchText.fold($0) == folded }
    }

    /// The name as written, or in title case when the recogniser wrote it all in lower case.
    private func nameText(_ range: Range<Int>) -> String {
        let indices = Array(range)
        let raw = self.text(indices)
        guard raw == raw.lowercased() else { return raw }
        var parts: [String] = []
        for index in indices {
            let token = self.tokens[index]
            if token.kind != .word {
                if token.text == ".", let last = parts.last, !last.hasSuffix(".") {
                    parts[parts.count - 1] = last + "."
                } else if token.text != "." {
                    parts.append(token.text)
                }
                continue
            }
            if let suffix = Self.suffixes[token.lower], index > range.lowerBound {
                parts.append(suffix)
            } else if ["and", "of", "the"].contains(token.lower), index > range.lowerBound {
                parts.append(token.lower)
            } else {
                parts.append(token.text.prefix(1).uppercased() + token.text.dropFirst())
            }
        }
        return parts.joined(separator: " ")
    }

    // MARK: Items

    /// Words that join items: "and", "plus", "also", "then", "as well as", "along with".
    private static let joiners: Set<String> = ["and", "plus", "also", "then", "additionally"]

    private mutating func readItems(clientStart: Int?) {
        // The unused tokens in order, cut into segments at pauses and joiners; a number is never cut ("one hundred
        // and fifty", "two and a half").
        var segments: [[Int]] = []
        var current: [Int] = []
        var index = 0
        while index < self.tokens.count {
            if self.used[index] {
                if !current.isEmpty, index > 0, !self.used[index - 1] {
                    segments.append(current)
                    current = []
                }
                index += 1
                continue
            }
            if let number = SpokenNumbers.parse(self.tokens, at: index), number.end > index + 1 {
                let end = min(number.end, self.used[index...].firstIndex(of: true) ?? self.tokens.count)
                current.append(contentsOf: index..<end)
                index = end
                continue
            }
            let token = self.tokens[index]
            let joiner =
                token.isBreak && token.text != "."
                || token.text == "." && (index + 1 == self.tokens.count || self.tokens[index + 1].spaced)
                || token.kind == .word && Self.joiners.contains(token.lower)
                || token.lower == "as" && self.lower(index + 1) == "well" && self.lower(index + 2) == "as"
                || token.lower == "along" && self.lower(index + 1) == "with"
            if joiner {
                if !current.isEmpty { segments.append(current) }
                current = [index]  // the separator leads the next segment (kept only when segments merge)
                if token.lower == "as" {
                    current = [index, index + 1, index + 2]
                    index += 2
                }
                if token.lower == "along" {
                    current = [index, index + 1]
                    index += 1
                }
                index += 1
                continue
            }
            current.append(index)
            index += 1
        }
        if !current.isEmpty { segments.append(current) }

        var pending: [Int] = []
        var readings: [ItemReading] = []
        for segment in segments.prefix(Self.maximumItems * 4) {
            let reading = self.readItem(pending + segment)
            if reading.price != nil {
                readings.append(reading)
                pending = []
            } else {
                pending += segment
            }
            if readings.count >= Self.maximumItems { break }
        }
        // A quantity said after the price, alone ("design work, 85 an hour, 10 hours"): the last item's.
        if !pending.isEmpty, let last = readings.indices.last, readings[last].quantity == nil {
            let rest = self.readItem(pending)
            if rest.price == nil, let quantity = rest.quantity, rest.unit != nil {
                readings[last].quantity = quantity
                readings[last].quantityRange = rest.quantityRange
                readings[last].unit = rest.unit
                readings[last].tokens += pending
                pending = []
            }
        }
        // Words left without a price: part of the last item said before them if they are only words ("…, for the
        // website"), else a warning.
        let leftover = pending.filter { self.tokens[$0].kind == .word && !Self.descriptionStops.contains(self.tokens[$0].lower) }
        if !leftover.isEmpty {
            if readings.isEmpty || pending.contains(where: { SpokenNumbers.parse(self.tokens, at: $0) != nil }) || leftover.count > 3 {
                let said = self.text(pending.filter { self.tokens[$0].kind != .punctuation || self.tokens[$0].text == "&" })
                self.result.warnings.append(InvoiceWarning(field: "items", "Could not understand \"\(said)\" as an item with a price."))
            } else if let last = readings.indices.last, readings[last].descriptionTokens.isEmpty {
                readings[last].descriptionTokens = leftover
            }
        }
        for (number, reading) in readings.enumerated() { self.record(reading, number: number) }
    }

    private struct ItemReading {
        var quantity: SpokenNumbers.Match?
        var quantityRange: Range<Int>?
        var impliedQuantity = false
        var unit: String?
        var price: SpokenNumbers.Match?
        var priceRange: Range<Int>?
        var currency: String?
        var currencyRange: Range<Int>?
        var total = false
        var descriptionTokens: [Int] = []
        var tokens: [Int] = []
        /// Words that could describe something (not stop words).
        var content = 0
        var cue = false
    }

    private static let priceCues: Set<String> = [
        "at", "@", "costing", "cost", "costs", "price", "priced", "rate", "fee", "is", "was", "of", "for", "totalling", "totaling", "charging", "paid", "worth",
    ]
    private static let descriptionStops: Set<String> = [
        "the", "a", "an", "some", "my", "our", "for", "at", "with", "on", "to", "of", "in", "and", "plus", "also", "then", "each", "apiece", "per",
        "flat", "fixed", "fee", "rate", "total", "altogether", "worth", "price", "that's", "that", "is", "was", "which", "it", "it's", "them", "those",
        "these", "&", "as", "well", "along", "cost", "costs", "costing", "priced", "charge", "lump", "sum", "hourly", "daily", "weekly", "monthly",
        "additionally", "please", "thanks", "thank", "you", "um", "just", "like", "about", "around", "roughly", "approximately",
    ]
    /// Rates: "an hour", "a day", "per hour", "/hr", "hourly", "each".
    private func rate(at index: Int) -> (unit: String?, end: Int)? {
        let word = self.lower(index)
        if ["each", "apiece", "ea"].contains(word) { return (nil, index + 1) }
        if ["hourly"].contains(word) { return ("hour", index + 1) }
        if ["daily"].contains(word) { return ("day", index + 1) }
        if ["weekly"].contains(word) { return ("week", index + 1) }
        if ["monthly"].contains(word) { return ("month", index + 1) }
        if ["per", "a", "an", "/", "every"].contains(word) {
            let next = self.lower(index + 1)
            if let unit = SpokenNumbers.unit(next) { return (unit, index + 2) }
            if ["piece", "item", "unit", "one", "logo", "head", "person", "page", "seat", "license", "user"].contains(next)
                || (word == "per" && self.tokens.indices.contains(index + 1) && self.tokens[index + 1].kind == .word)
            {
                return (nil, index + 2)
            }
        }
        return nil
    }

    /// One item from its tokens (a segment, or several that had no price of their own).
    private func readItem(_ indices: [Int]) -> ItemReading {
        var reading = ItemReading()
        reading.tokens = indices
        var taken = Set<Int>()
        var position = 0
        let members = Set(indices)
        func at(_ offset: Int) -> Int? { offset >= 0 && offset < indices.count ? indices[offset] : nil }
        /// Whether the tokens from..<end all belong to this item (a number or phrase does not reach into another).
        func contiguous(_ from: Int, _ end: Int) -> Bool { end - from <= 12 && (from..<end).allSatisfy { members.contains($0) } }
        while position < indices.count {
            let index = indices[position]
            let token = self.tokens[index]
            // A currency symbol before a number: "$120", "€ 200".
            if token.kind == .symbol, let code = Currencies.symbol(token.text), let next = at(position + 1), reading.price == nil,
                let number = SpokenNumbers.parse(self.tokens, at: next), contiguous(next, number.end)
            {
                var match = number
                if let idiom = SpokenNumbers.priceIdiom(self.tokens, at: next), contiguous(next, idiom.end) { match = idiom }
                reading.price = match
                reading.priceRange = next..<match.end
                reading.currency = code
                reading.currencyRange = index..<(index + 1)
                reading.cue = true
                for i in index..<match.end { taken.insert(i) }
                position += 1 + (match.end - next)
                // "$120/hr", "$200 each"
                if let rate = self.rate(at: match.end), contiguous(match.end, rate.end) {
                    reading.unit = reading.unit ?? rate.unit
                    for i in match.end..<rate.end { taken.insert(i) }
                    position += rate.end - match.end
                }
                continue
            }
            if let number = SpokenNumbers.parse(self.tokens, at: index), contiguous(index, number.end) {
                var match = number
                var end = number.end
                let next = self.lower(end)
                let previous = position > 0 ? self.lower(indices[position - 1]) : ""
                // A quantity with its unit: "12 hours", "half an hour", "40hrs", "a couple of days".
                var unitEnd = end
                if ["a", "an"].contains(next), match.value < 1000, SpokenNumbers.unit(self.lower(end + 1)) != nil { unitEnd = end + 1 }
                if let unit = SpokenNumbers.unit(self.lower(unitEnd)), reading.quantity == nil,
                    !["per", "a", "an", "/"].contains(previous) || match.value != 1000,
                    unitEnd < self.tokens.count, contiguous(end, unitEnd + 1)
                {
                    reading.quantity = match
                    reading.quantityRange = index..<(unitEnd + 1)
                    reading.unit = unit
                    for i in index...unitEnd { taken.insert(i) }
                    position += unitEnd + 1 - index
                    continue
                }
                // A price with its currency word: "85 dollars", "eighty-five bucks", "50 pound", "3k", "a grand".
                var currency: String?
                var currencyRange: Range<Int>?
                if let idiom = SpokenNumbers.priceIdiom(self.tokens, at: index), contiguous(index, idiom.end), reading.price == nil {
                    let after = self.lower(idiom.end)
                    let cued =
                        Self.priceCues.contains(previous) || position == 0 || Currencies.word(after) != nil || self.rate(at: idiom.end) != nil
                        || after == "for" || idiom.end >= (indices.last ?? 0) + 1
                    if cued, SpokenNumbers.unit(after) == nil {
                        match = idiom
                        end = idiom.end
                    }
                }
                let word = self.lower(end)
                if let kind = Currencies.dollarKind(word), ["dollar", "dollars", "bucks"].contains(self.lower(end + 1)) {
                    currency = kind
                    currencyRange = end..<(end + 2)
                } else if let code = Currencies.word(word) {
                    currency =
                        code == "USD" && Currencies.dollarCurrencies.contains(self.context.defaultCurrency.code) ? self.context.defaultCurrency.code : code
                    currencyRange = end..<(end + 1)
                    if word == "pounds", self.lower(end + 1) == "sterling" { currencyRange = end..<(end + 2) }
                } else if Currencies.isMinorUnit(word), match.value < 1_000_000 {
                    match.value /= 100
                    currency = nil
                    currencyRange = end..<(end + 1)
                } else if end < self.tokens.count, self.tokens[end].kind == .symbol, let code = Currencies.symbol(self.tokens[end].text),
                    !self.tokens[end].spaced
                {
                    currency = code
                    currencyRange = end..<(end + 1)
                }
                let rateStart = currencyRange?.upperBound ?? end
                let rate = self.rate(at: rateStart)
                let isPrice =
                    currencyRange != nil || rate != nil || Self.priceCues.contains(previous) && reading.price == nil
                    || match.idiom || self.tokens[index].kind == .number && !self.tokens[index].spaced && previous == "@"
                if isPrice && reading.price == nil {
                    reading.price = match
                    reading.priceRange = index..<end
                    reading.currency = currency
                    reading.currencyRange = currencyRange
                    reading.cue = currencyRange != nil || rate != nil || Self.priceCues.contains(previous)
                    var last = rateStart
                    if let rate, contiguous(rateStart, rate.end) {
                        if reading.quantity == nil || reading.unit == nil { reading.unit = reading.unit ?? rate.unit }
                        last = rate.end
                    }
                    if ["total", "altogether"].contains(self.lower(last)) || self.lower(last) == "in" && self.lower(last + 1) == "total" {
                        reading.total = true
                        last += self.lower(last) == "in" ? 2 : 1
                    }
                    for i in index..<last where members.contains(i) { taken.insert(i) }
                    position += indices[position...].prefix { $0 < last }.count
                    continue
                }
                // A count before what is counted: "3 logos", "500 reams of paper", "two illustrations".
                if reading.quantity == nil, end < self.tokens.count, self.tokens[end].kind == .word, !Self.descriptionStops.contains(word) || word == "x" {
                    reading.quantity = match
                    reading.quantityRange = index..<end
                    for i in index..<end { taken.insert(i) }
                    position += end - index
                    continue
                }
                // A bare number: the price if none was said yet ("the audit, fifteen hundred"), else the quantity.
                if reading.price == nil {
                    reading.price = match
                    reading.priceRange = index..<end
                } else if reading.quantity == nil {
                    reading.quantity = match
                    reading.quantityRange = index..<end
                }
                for i in index..<end { taken.insert(i) }
                position += end - index
                continue
            }
            // "a website redesign", "an hour of revisions" (the "an hour" case is a quantity above): an article is one.
            if reading.quantity == nil, ["a", "an", "one"].contains(token.lower), position + 1 < indices.count,
                self.tokens[indices[position + 1]].kind == .word, !Self.descriptionStops.contains(self.lower(indices[position + 1]))
            {
                reading.impliedQuantity = true
                taken.insert(index)
                position += 1
                continue
            }
            if reading.quantity == nil, token.lower == "couple", let next = at(position + 1) {
                var unitAt = next
                if self.lower(unitAt) == "of" { unitAt += 1 }
                if let unit = SpokenNumbers.unit(self.lower(unitAt)) {
                    reading.quantity = SpokenNumbers.Match(value: 2000, end: unitAt + 1, digits: false)
                    reading.quantityRange = index..<(unitAt + 1)
                    reading.unit = unit
                    for i in index...unitAt { taken.insert(i) }
                    position += unitAt + 1 - index
                    if position > 0, let previous = at(position - (unitAt + 1 - index) - 1), self.lower(previous) == "a" { taken.insert(previous) }
                    continue
                }
            }
            // "flat fee of", "a flat rate of": a price follows and the quantity is one.
            if ["flat", "fixed", "lump"].contains(token.lower) { reading.cue = true }
            position += 1
        }
        // The description: the words not taken, without the stop words at either end (and "of" after a quantity).
        var words = indices.filter { !taken.contains($0) && (self.tokens[$0].kind == .word || self.tokens[$0].text == "&") }
        while let first = words.first, Self.descriptionStops.contains(self.tokens[first].lower) || self.isRateWord(first, taken: taken) { words.removeFirst() }
        while let last = words.last, Self.descriptionStops.contains(self.tokens[last].lower) || self.isRateWord(last, taken: taken) { words.removeLast() }
        // Inside: drop rate words ("per", "hour" of "per hour") that the price took as its unit.
        reading.descriptionTokens = words
        reading.content = words.count
        return reading
    }

    private func isRateWord(_ index: Int, taken: Set<Int>) -> Bool {
        // "…design work an hour" where "an hour" was not taken: the unit of a rate.
        SpokenNumbers.unit(self.lower(index)) != nil && (self.isWord(index - 1, ["per", "a", "an", "every"]) || self.lower(index - 1) == "/")
            || (["per", "every"].contains(self.lower(index)) && SpokenNumbers.unit(self.lower(index + 1)) != nil)
    }

    private mutating func record(_ reading: ItemReading, number: Int) {
        guard let price = reading.price, let priceRange = reading.priceRange else { return }
        let field = "items[\(number)]"
        var description = self.text(reading.descriptionTokens)
        var descriptionConfidence = 0.85
        if description.isEmpty {
            description = "Services"
            descriptionConfidence = 0.3
            self.result.warnings.append(InvoiceWarning(field: "\(field).description", "No description was said for this item; it reads \"Services\"."))
        }
        description = description.prefix(1).uppercased() + description.dropFirst()
        var quantity = reading.quantity
        var unitPrice = price
        if reading.total, let count = quantity, count.value > 0, !count.tooLarge, !price.tooLarge {
            // "three logos for 600 in total": the unit price is the total's share, when it divides exactly into cents.
            let (scaled, overflow) = price.value.multipliedReportingOverflow(by: 1000)
            if !overflow, scaled % count.value == 0, (scaled / count.value) % 10 == 0 {
                unitPrice.value = scaled / count.value
            } else {
                description = "\(count.text) × \(description)"
                quantity = nil
            }
            self.result.warnings.append(
                InvoiceWarning(field: "\(field).unitPrice", "\(price.text) was said as the total for \"\(description)\"; the unit price is its share."))
        }
        if price.idiom, let alternative = price.alternative {
            let said = self.text(Array(priceRange))
            let other = Decimals.formatShortest(alternative, scale: 3)
            self.result.warnings.append(
                InvoiceWarning(field: "\(field).unitPrice", "\"\(said)\" was read as \(unitPrice.text); if \(other) was meant, change it."))
        }
        self.result.items.append(
            ExtractedInvoice.Item(
                description: description, quantity: quantity?.text ?? "1", unit: reading.unit, unitPrice: unitPrice.text, currency: reading.currency))
        if let first = reading.tokens.first, let last = reading.tokens.last {
            self.source(field, first..<(last + 1), min(price.idiom ? 0.6 : 0.9, descriptionConfidence + 0.1))
        }
        if let first = reading.descriptionTokens.first, let last = reading.descriptionTokens.last {
            self.source("\(field).description", first..<(last + 1), descriptionConfidence)
        }
        if let range = reading.quantityRange, let quantity {
            self.source("\(field).quantity", range, quantity.digits ? 0.95 : 0.9)
        }
        let priceConfidence = price.idiom ? 0.6 : reading.cue || reading.currency != nil ? (price.digits ? 0.95 : 0.9) : 0.7
        self.source(
            "\(field).unitPrice",
            (reading.currencyRange.map { min($0.lowerBound, priceRange.lowerBound) } ?? priceRange.lowerBound)..<max(
                priceRange.upperBound, reading.currencyRange?.upperBound ?? 0), priceConfidence)
        if let range = reading.currencyRange, reading.currency != nil { self.source("\(field).currency", range, 0.95) }
    }

    // MARK: The whole

    private mutating func summarise() {
        let currencies = self.result.items.compactMap(\.currency)
        self.result.currency = currencies.first
        if Set(currencies).count > 1, let first = currencies.first {
            self.result.warnings.append(
                InvoiceWarning(
                    field: "currency", "Several currencies were mentioned (\(Set(currencies).sorted().joined(separator: ", "))); the invoice uses \(first)."))
        }
        if self.result.items.isEmpty, !self.result.warnings.contains(where: { $0.field == "items" }) {
            self.result.warnings.append(InvoiceWarning(field: "items", "No item with a price was found."))
        }
        func confidence(_ field: String) -> Double? { self.sources.first { $0.field == field }?.confidence }
        let items = self.sources.filter { $0.field.hasPrefix("items[") && $0.field.hasSuffix("]") }.map(\.confidence)
        self.result.confidence = .init(
            clientName: confidence("clientName"), items: items.min(), dates: confidence("dueDate"), taxRate: confidence("taxRate"),
            currency: self.result.currency == nil ? nil : 0.95
        )
    }
}
