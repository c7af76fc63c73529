import Foundation

/// The number grammar of spoken English over tokens: digits ("4,500", "4.99", "3k"), words ("twelve", "eighty-five",
/// "one hundred and fifty", "fifteen hundred", "two and a half", "a dozen", "a grand", "four point five"), and both
/// ("1.5 million", "3 grand"). Values are thousandths (three decimals, the finest a quantity has), saturating far
/// beyond any amount so that an absurd number is refused by range later, never wrapped.
///
/// Hand-written: no kept Swift library reads number words (Foundation's spell-out formatter only writes them).
enum SpokenNumbers {
    struct Match: Equatable {
        /// Thousandths.
        var value: Int64
        /// The index after the number's last token.
        var end: Int
        /// Said in digits (a recogniser's digits are what the speaker said plainly).
        var digits: Bool
        /// Longer than `TranscriptText.maximumDigits` digits, or beyond `ceiling`.
        var tooLarge: Bool = false
        /// Two numbers read as one price ("twelve fifty" → 12.50): a reading worth a warning.
        var idiom: Bool = false
        /// For an idiom, the other reading ("twelve fifty": 1,250 besides 12.50), in thousandths.
        var alternative: Int64? = nil

        /// Decimal text: "12", "1.5", "4.99".
        var text: String { self.tooLarge ? TranscriptText.tooLongNumber : Decimals.formatShortest(self.value, scale: 3) }
    }

    static let units: [String: Int64] = [
        "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
        "nineteen": 19,
    ]
    static let tens: [String: Int64] = [
        "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    static let scales: [String: Int64] = ["hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000]
    /// Beyond any amount, quantity or date (in thousandths: 10^15 units).
    static let ceiling: Int64 = 1_000_000_000_000_000_000

    /// The value of a single number word or hyphenated number ("eighty-five"), not counting scales.
    static func wordValue(_ word: String) -> Int64? {
        if let value = Self.units[word] ?? Self.tens[word] { return word == "oh" ? nil : value }
        guard word.utf8.contains(UInt8(ascii: "-")) else { return nil }
        let parts = word.split(separator: "-")
        guard parts.count == 2, let ten = Self.tens[String(parts[0])], let unit = Self.units[String(parts[1])], unit < 10, unit > 0 else { return nil }
        return ten + unit
    }

    static func isScale(_ word: String) -> Bool { Self.scales[word] != nil || word == "dozen" || word == "grand" || word == "k" }

    /// Whether a number starts at `index`.
    static func startsNumber(_ tokens: [SpokenToken], at index: Int) -> Bool { Self.parse(tokens, at: index) != nil }

    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Self.ceiling : min(sum, Self.ceiling)
    }

    static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Self.ceiling : min(product, Self.ceiling)
    }

    /// The number that starts at `index`, if any: the longest reading.
    static func parse(_ tokens: [SpokenToken], at start: Int) -> Match? {
        guard start < tokens.count else { return nil }
        let first = tokens[start]
        var index = start
        var total: Int64 = 0  // thousandths, of completed groups
        var current: Int64 = 0  // thousandths, of the group being said
        var digits = false
        var sawNumber = false
        var tooLarge = false
        if first.kind == .tooLong {
            return Match(value: Self.ceiling, end: start + 1, digits: true, tooLarge: true)
        }
        if first.kind == .number {
            guard let value = first.value else {
                // More decimals than three: not a quantity or a price (the draft builder says so).
                return Match(value: Self.ceiling, end: start + 1, digits: true, tooLarge: true)
            }
            current = value
            digits = true
            sawNumber = true
            index += 1
        } else if first.kind == .word {
            // "a" and "an" count only before a scale: "a hundred", "a dozen", "a grand", "a thousand".
            if first.lower == "a" || first.lower == "an" || first.lower == "one", index + 1 < tokens.count, Self.isScale(tokens[index + 1].lower),
                tokens[index + 1].lower != "k"
            {
                current = 1000
                sawNumber = true
                index += 1
            } else if first.lower == "half", index + 1 < tokens.count, ["a", "an"].contains(tokens[index + 1].lower) {
                // "half an hour": the number is a half, and "an" is the hour's article.
                return Match(value: 500, end: start + 1, digits: false)
            } else if first.lower == "a", index + 1 < tokens.count, tokens[index + 1].lower == "half" {
                return Match(value: 500, end: start + 2, digits: false)
            } else if let value = Self.wordValue(first.lower) {
                current = value * 1000
                sawNumber = true
                index += 1
            } else {
                return nil
            }
        } else {
            return nil
        }
        // Continue a number: more number words, scales, "and" inside ("one hundred and fifty"), "point" decimals,
        // "and a half". A digit token never continues a number (two numbers said apart stay apart).
        var lastWasTens = first.kind == .word && Self.tens[first.lower] != nil
        var groupHasHundred = false
        while index < tokens.count {
            let token = tokens[index]
            let word = token.lower
            guard token.kind == .word else { break }
            if word == "k" && !token.spaced || word == "grand" || word == "thousand" || word == "million" || word == "billion" {
                let scale: Int64 = word == "million" ? 1_000_000 : word == "billion" ? 1_000_000_000 : 1000
                total = Self.add(total, Self.multiply(current == 0 ? 1000 : current, scale))
                current = 0
                groupHasHundred = false
                lastWasTens = false
                index += 1
                if word == "grand" || word == "k" { break }
                continue
            }
            if word == "hundred" {
                guard !groupHasHundred else { break }
                current = Self.multiply(current == 0 ? 1000 : current, 100)
                groupHasHundred = true
                lastWasTens = false
                index += 1
                continue
            }
            if word == "dozen" {
                current = Self.multiply(current == 0 ? 1000 : current, 12)
                index += 1
                break
            }
            if !digits, let value = Self.wordValue(word) {
                // "eighty five" (tens then a unit), or the words after a hundred: "one hundred fifty".
                let tensThenUnit = lastWasTens && value < 10 && value > 0 && current % 10_000 == 0
                let afterHundred = groupHasHundred && current % 100_000 == 0
                let afterThousand = current == 0 && total > 0
                guard tensThenUnit || afterHundred || afterThousand else { break }
                current = Self.add(current, value * 1000)
                lastWasTens = Self.tens[word] != nil
                index += 1
                continue
            }
            if word == "and", index + 1 < tokens.count {
                let next = tokens[index + 1].lower
                if next == "a", index + 2 < tokens.count, tokens[index + 2].lower == "half" {
                    current = Self.add(current, 500)
                    index += 3
                    break
                }
                if !digits, groupHasHundred || total > 0, let value = Self.wordValue(next), value > 0 {
                    current = Self.add(current, value * 1000)
                    lastWasTens = Self.tens[next] != nil
                    index += 2
                    continue
                }
                break
            }
            if word == "point", !digits, index + 1 < tokens.count {
                // "four point five" → 4.5, "ninety nine point nine nine" → 99.99: digit words after the point.
                var fraction: [Int64] = []
                var cursor = index + 1
                while cursor < tokens.count, fraction.count < 3, let value = Self.units[tokens[cursor].lower], value < 10 {
                    fraction.append(value)
                    cursor += 1
                }
                guard !fraction.isEmpty else { break }
                var thousandths: Int64 = 0
                for (position, digit) in fraction.enumerated() { thousandths += digit * [100, 10, 1][position] }
                current = Self.add(current, thousandths)
                index = cursor
                break
            }
            break
        }
        guard sawNumber else { return nil }
        let value = Self.add(total, current)
        if value >= Self.ceiling { tooLarge = true }
        return Match(value: value, end: index, digits: digits, tooLarge: tooLarge)
    }

    /// Where a price is expected, two numbers said as one ("twelve fifty" → 12.50, "ninety-nine ninety-nine" →
    /// 99.99, "one fifty" → 150): a first number of 1–9 is hundreds, of 10–99 whole units before cents.
    static func priceIdiom(_ tokens: [SpokenToken], at start: Int) -> Match? {
        guard let first = Self.parse(tokens, at: start), !first.digits, first.value % 1000 == 0, (1_000...99_000).contains(first.value),
            let second = Self.parse(tokens, at: first.end), !second.digits, second.value % 1000 == 0, (10_000...99_000).contains(second.value)
        else { return nil }
        // "twenty five" is one number, not an idiom: the grammar already joined it, so a second number here is apart.
        let whole = first.value / 1000
        let part = second.value / 1000
        let hundreds = (whole * 100 + part) * 1000
        let cents = whole * 1000 + part * 10
        // "one fifty" is 150, "four ninety-nine" 4.99: a round second part after a single digit is hundreds.
        let asHundreds = whole < 10 && part % 10 == 0
        return Match(value: asHundreds ? hundreds : cents, end: second.end, digits: false, idiom: true, alternative: asHundreds ? cents : hundreds)
    }

    /// Units a quantity is counted in, canonical.
    static func unit(_ word: String) -> String? {
        switch word {
        case "h", "hr", "hrs", "hour", "hours": return "hour"
        case "day", "days": return "day"
        case "week", "weeks", "wk", "wks": return "week"
        case "month", "months", "mo", "mos": return "month"
        case "minute", "minutes", "min", "mins": return "minute"
        case "session", "sessions": return "session"
        case "unit", "units", "item", "items", "piece", "pieces", "pcs", "pc": return "unit"
        default: return nil
        }
    }
}

/// The currency lexicon: symbols, ISO codes, words and slang. "Dollars" are the user's own dollars when their default
/// currency is one (a Canadian's "fifty dollars" is CAD), US dollars otherwise.
enum Currencies {
    static func symbol(_ text: String) -> String? {
        switch text {
        case "$": return "USD"
        case "€": return "EUR"
        case "£": return "GBP"
        case "¥": return "JPY"
        case "₹": return "INR"
        case "₩": return "KRW"
        case "₽": return "RUB"
        case "₺": return "TRY"
        case "₪": return "ILS"
        case "₦": return "NGN"
        case "₱": return "PHP"
        case "₫": return "VND"
        case "฿": return "THB"
        case "₴": return "UAH"
        case "₣": return "CHF"
        default: return nil
        }
    }

    static let dollarCurrencies: Set<String> = ["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"]

    /// A currency word or code at the lower-cased `word`; "dollar" is resolved by `dollars(default:)`.
    static func word(_ word: String) -> String? {
        switch word {
        case "dollar", "dollars", "buck", "bucks", "usd": return "USD"
        case "euro", "euros", "eur": return "EUR"
        case "pound", "pounds", "quid", "gbp", "sterling", "pounds-sterling": return "GBP"
        case "yen", "jpy": return "JPY"
        case "franc", "francs", "chf": return "CHF"
        case "rupee", "rupees", "inr": return "INR"
        case "cad", "loonies": return "CAD"
        case "aud": return "AUD"
        case "nzd": return "NZD"
        case "sek", "kronor": return "SEK"
        case "nok", "dkk": return word.uppercased()
        case "krona": return "SEK"
        case "peso", "pesos", "mxn": return "MXN"
        case "yuan", "rmb", "cny", "renminbi": return "CNY"
        case "zloty", "zlotys", "pln": return "PLN"
        case "rand", "zar": return "ZAR"
        case "real", "reais", "brl": return "BRL"
        default: return nil
        }
    }

    /// Words that say which dollar before "dollars": "canadian dollars", "aussie dollars".
    static func dollarKind(_ word: String) -> String? {
        switch word {
        case "us", "american": return "USD"
        case "canadian": return "CAD"
        case "australian", "aussie": return "AUD"
        case "kiwi": return "NZD"
        case "singapore": return "SGD"
        case "hong": return "HKD"
        default: return nil
        }
    }

    /// Cents and pence: a minor unit named after the number ("ninety-nine cents").
    static func isMinorUnit(_ word: String) -> Bool { ["cent", "cents", "pence", "p"].contains(word) }
}
