import Foundation

/// Dates as people say them, resolved against "today" in the user's time zone (the caller computes `today` there).
///
/// Hand-written: Foundation's date parsers take formats, not phrases, and no kept Swift library parses spoken dates.
/// Conventions, stated so users can predict them: "Friday" and "next Friday" are the first Friday strictly after
/// today; "next week" is seven days on; "next month" and "in N months" keep the day of the month, clamped to the
/// month's last day; "March 3" without a year is the next March 3 on or after today.
public enum SpokenDate {
    /// Longer than any date as said: not a date (a model's answer or a typed field could be anything).
    public static let maximumLength = 100

    public static func resolve(_ said: String, today: CalendarDate) -> CalendarDate? {
        guard said.utf8.count <= Self.maximumLength else { return nil }
        if let iso = CalendarDate(said.trimmingCharacters(in: .whitespaces)) { return iso }
        // Ordinal words first ("twenty first" → "21"), then cardinal ones ("two weeks" → "2 weeks").
        var folded = " " + SearchText.fold(said) + " "
        for (word, value) in Self.ordinals.sorted(by: { $0.key.count > $1.key.count }) {
            folded = folded.replacingOccurrences(of: " \(word) ", with: " \(value) ")
        }
        let text = NumberWords.normalize(folded.trimmingCharacters(in: .whitespaces))
        var words = text.split(separator: " ").map(String.init).filter { !["on", "by", "the", "of", "due"].contains($0) }
        guard !words.isEmpty else { return nil }
        switch words.joined(separator: " ") {
        case "today", "now": return today
        case "tomorrow": return today.adding(days: 1)
        case "yesterday": return today.adding(days: -1)
        case "next week": return today.adding(days: 7)
        case "next month": return today.adding(months: 1)
        case "end month", "end this month": return today.endOfMonth
        case "end next month": return today.adding(months: 1).endOfMonth
        default: break
        }
        if words.first == "next" || words.first == "this" { words.removeFirst() }
        if words.count == 1, let weekday = Self.weekdays.firstIndex(of: words[0]) {
            let ahead = (weekday - today.weekday + 7) % 7
            return today.adding(days: ahead == 0 ? 7 : ahead)
        }
        // "in 3 days", "2 weeks from now", "30 days"
        if words.first == "in" { words.removeFirst() }
        if words.last == "now", words.count >= 3, words[words.count - 2] == "from" { words.removeLast(2) }
        if words.count == 2, let count = Int(words[0]) ?? (words[0] == "a" || words[0] == "an" ? 1 : nil), (0...3650).contains(count) {
            switch words[1] {
            case "day", "days": return today.adding(days: count)
            case "week", "weeks": return today.adding(days: 7 * count)
            case "month", "months": return today.adding(months: count)
            default: break
            }
        }
        // "march 3", "march 3rd 2027", "3 march", "3rd of march"
        var month: Int?
        var day: Int?
        var year: Int?
        for word in words {
            if let m = Self.month(word) {
                guard month == nil else { return nil }
                month = m
            } else if let number = Int(word.trimmingCharacters(in: .letters)) ?? Self.ordinals[word] {
                if number >= 1000 { year = number } else if day == nil { day = number } else { return nil }
            } else {
                return nil
            }
        }
        guard let month, let day else { return nil }
        if let year { return CalendarDate(String(format: "%04d-%02d-%02d", year, month, day)) }
        for candidateYear in [today.year, today.year + 1] {
            if let date = CalendarDate(String(format: "%04d-%02d-%02d", candidateYear, month, day)), date >= today { return date }
        }
        return nil
    }

    static let weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let ordinals: [String: Int] = {
        let words = [
            "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth",
            "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
        ]
        var map: [String: Int] = [:]
        for (index, word) in words.enumerated() { map[word] = index + 1 }
        for (index, word) in words.prefix(9).enumerated() { map["twenty " + word] = 21 + index }
        map["thirtieth"] = 30
        map["thirty first"] = 31
        return map
    }()

    static func month(_ word: String) -> Int? {
        guard word.count >= 3 else { return nil }
        let prefix = String(word.prefix(3))
        guard let index = Self.monthNames.firstIndex(of: prefix) else { return nil }
        let full = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"][index]
        return full.hasPrefix(word) || word == "sept" ? index + 1 : nil
    }
}

extension CalendarDate {
    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int {
        // Zeller-style count from a known Sunday (1970-01-04); dates before 1970 are not invoices.
        let days = Self.daysSinceEpoch(self)
        return Int(((days - 3) % 7 + 7) % 7)
    }

    public func adding(months: Int) -> CalendarDate {
        let index = self.year * 12 + (self.month - 1) + months
        let year = index / 12
        let month = index % 12 + 1
        let last = CalendarDate(year: year, month: month, day: 1).endOfMonth.day
        return CalendarDate(year: year, month: month, day: min(self.day, last))
    }

    public var endOfMonth: CalendarDate {
        let next = self.month == 12 ? CalendarDate(year: self.year + 1, month: 1, day: 1) : CalendarDate(year: self.year, month: self.month + 1, day: 1)
        return next.adding(days: -1)
    }

    static func daysSinceEpoch(_ date: CalendarDate) -> Int {
        // Howard Hinnant's days_from_civil.
        let y = date.month <= 2 ? date.year - 1 : date.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = date.month
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + date.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
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
