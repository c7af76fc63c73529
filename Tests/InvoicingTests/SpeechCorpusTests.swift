import Foundation
import Testing

@testable import Invoicing

/// Scores the offline extractor on `SpeechCorpus` and on a speech recogniser's version of every line, per field, per
/// utterance (every field right) and per category, and holds the bars below. The table is printed for the note.
@Suite("Speech corpus")
struct SpeechCorpusTests {
    struct Expected {
        var category: String
        var utterance: String
        var client: String
        /// (description, quantity, unit price, currency or nil)
        var items: [(String, String, String, String?)]
        var terms: [String: String]
    }

    static let today = CalendarDate(year: 2026, month: 12, day: 1)

    static func parse() -> [Expected] {
        SpeechCorpus.lines.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 4 else { return nil }
            let items = parts[3].split(separator: ";").map { item -> (String, String, String, String?) in
                let fields = item.split(separator: "*").map { $0.trimmingCharacters(in: .whitespaces) }
                return (fields[0], fields[1], fields[2], fields[3] == "-" ? nil : fields[3])
            }
            var terms: [String: String] = [:]
            if parts.count > 4 {
                var key: String?
                for word in parts[4].split(separator: " ") {
                    if let eq = word.firstIndex(of: "=") {
                        key = String(word[..<eq])
                        terms[key!] = String(word[word.index(after: eq)...])
                    } else if let key {
                        terms[key, default: ""] += " " + word
                    }
                }
            }
            return Expected(category: parts[0], utterance: parts[1], client: parts[2], items: items, terms: terms)
        }
    }

    /// What a speech recogniser makes of a line: lower case, no punctuation, symbols said as words, and numbers as
    /// digits or words (alternating, so both appear).
    static func recognised(_ text: String, words: Bool) -> String {
        var out = text.lowercased()
        for (symbol, word) in [("$", ""), ("€", ""), ("£", ""), ("%", " percent"), ("@", " at "), ("/hr", " per hour"), ("&", " and ")] {
            out = out.replacingOccurrences(of: symbol, with: word)
        }
        // A price said with a symbol is said with its word by a recogniser ("$200" → "200 dollars").
        let currencyWords = text.contains("$") ? " dollars" : text.contains("€") ? " euros" : text.contains("£") ? " pounds" : ""
        var tokens: [String] = []
        for raw in out.split(separator: " ") {
            var token = String(raw).trimmingCharacters(in: CharacterSet(charactersIn: ",.:;!?"))
            if token.isEmpty { continue }
            token = token.replacingOccurrences(of: ",", with: "")
            if let value = Int(token), words, value < 10000 { token = Self.spelled(value) }
            tokens.append(token)
        }
        var joined = tokens.joined(separator: " ")
        if !currencyWords.isEmpty, !joined.contains("dollar"), !joined.contains("euro"), !joined.contains("pound") {
            // Put the word after the first number that had the symbol: good enough for one-symbol lines.
            if let range = text.range(of: text.contains("$") ? "$" : text.contains("€") ? "€" : "£") {
                let after = text[range.upperBound...].prefix { $0.isNumber || $0 == "," || $0 == "." }
                let said = after.replacingOccurrences(of: ",", with: "")
                let spoken = words ? Int(said).map(Self.spelled) ?? said : said
                if let found = joined.range(of: spoken) { joined.replaceSubrange(found, with: spoken + currencyWords) }
            }
        }
        return joined
    }

    static func spelled(_ value: Int) -> String {
        let units = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
            "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
        ]
        let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
        if value < 20 { return units[value] }
        if value < 100 { return tens[value / 10] + (value % 10 == 0 ? "" : "-" + units[value % 10]) }
        if value < 1000 { return units[value / 100] + " hundred" + (value % 100 == 0 ? "" : " " + spelled(value % 100)) }
        return spelled(value / 1000) + " thousand" + (value % 1000 == 0 ? "" : " " + spelled(value % 1000))
    }

    struct Score {
        var utterances = 0
        var right = 0
        var fields = 0
        var fieldsRight = 0
    }

    static func same(_ a: String, _ b: String) -> Bool { (try? Decimals.parse(a, scale: 3)) == (try? Decimals.parse(b, scale: 3)) }

    /// The misses of one utterance (empty: all right).
    static func misses(_ expected: Expected, _ utterance: String, asr: Bool, fields: inout Int) -> [String] {
        let result = RuleBasedExtractor().extractSync(utterance, context: ExtractionContext(today: Self.today, defaultCurrency: .usd))
        var misses: [String] = []
        func check(_ name: String, _ ok: Bool) {
            fields += 1
            if !ok { misses.append(name) }
        }
        // "&" is said "and": the same name either way.
        func name(_ text: String) -> String { SearchText.fold(text).split(separator: " ").filter { $0 != "and" }.joined(separator: " ") }
        check("client \(result.clientName ?? "nil")", name(result.clientName ?? "") == name(expected.client))
        check("item count \(result.items.count)", result.items.count == expected.items.count)
        for (index, item) in expected.items.enumerated() where index < result.items.count {
            let got = result.items[index]
            let want = SearchText.fold(item.0)
            let have = SearchText.fold(got.description)
            check("description \(got.description)", item.0 == "-" || have.contains(want) || want.contains(have) && !have.isEmpty)
            check("quantity \(got.quantity)", Self.same(got.quantity, item.1))
            check("price \(got.unitPrice)", Self.same(got.unitPrice, item.2))
            // A recogniser says "dollars" for "$": the currency is then said either way.
            check("currency \(got.currency ?? "nil")", got.currency == item.3 || asr && item.3 == nil)
        }
        check(
            "due \(result.dueInDays.map(String.init) ?? result.dueDate ?? "nil")",
            {
                if let days = expected.terms["due"] { return result.dueInDays == Int(days) }
                if let date = expected.terms["date"] {
                    return result.dueDate.flatMap { SpokenDate.resolve($0, today: Self.today) } == SpokenDate.resolve(date, today: Self.today)
                }
                return result.dueInDays == nil && result.dueDate == nil
            }())
        check(
            "tax \(result.taxRate ?? "nil")",
            result.taxRate.map { r in expected.terms["tax"].map { Self.same(r, $0) } ?? false } ?? (expected.terms["tax"] == nil))
        check(
            "discount \(result.discountPercent ?? "nil")",
            result.discountPercent.map { r in expected.terms["disc"].map { Self.same(r, $0) } ?? false } ?? (expected.terms["disc"] == nil))
        return misses
    }

    @Test func utteranceAccuracyByCategory() {
        let corpus = Self.parse()
        var scores: [String: Score] = [:]
        var report: [String] = []
        for (number, expected) in corpus.enumerated() {
            for (category, utterance) in [(expected.category, expected.utterance), ("asr", Self.recognised(expected.utterance, words: number % 2 == 0))] {
                var fields = 0
                let misses = Self.misses(expected, utterance, asr: category == "asr", fields: &fields)
                scores[category, default: Score()].utterances += 1
                scores[category, default: Score()].fields += fields
                scores[category, default: Score()].fieldsRight += fields - misses.count
                if misses.isEmpty {
                    scores[category, default: Score()].right += 1
                } else {
                    report.append("  miss [\(category)] \"\(utterance)\": \(misses.joined(separator: ", "))")
                }
            }
        }
        let total = scores.values.reduce(Score()) {
            Score(
                utterances: $0.utterances + $1.utterances, right: $0.right + $1.right, fields: $0.fields + $1.fields,
                fieldsRight: $0.fieldsRight + $1.fieldsRight)
        }
        print(
            "speech corpus: \(total.utterances) utterances, \(total.right) all right (\(String(format: "%.1f", Double(total.right) * 100 / Double(total.utterances))) %), fields \(String(format: "%.1f", Double(total.fieldsRight) * 100 / Double(total.fields))) %"
        )
        for (category, score) in scores.sorted(by: { $0.key < $1.key }) {
            print(
                "  \(category): \(score.right)/\(score.utterances) utterances (\(String(format: "%.0f", Double(score.right) * 100 / Double(score.utterances))) %), fields \(String(format: "%.1f", Double(score.fieldsRight) * 100 / Double(score.fields))) %"
            )
        }
        for line in report { print(line) }
        #expect(total.utterances >= 200)
        // The bars: nine utterances in ten right over all, every category at least three in four.
        #expect(Double(total.right) >= 0.9 * Double(total.utterances), "utterance accuracy \(total.right)/\(total.utterances)")
        for (category, score) in scores {
            #expect(Double(score.right) >= 0.75 * Double(score.utterances), "\(category): \(score.right)/\(score.utterances)")
        }
    }
}
