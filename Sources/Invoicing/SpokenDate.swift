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
