import Foundation

/// One word, number, symbol or punctuation mark of a transcript, and where in the transcript it was said.
struct SpokenToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case word, number, symbol, punctuation
        /// A run of more digits than any amount, quantity or date has (`TranscriptText.maximumDigits`).
        case tooLong
    }

    var kind: Kind
    /// As said, in Unicode NFC: "Acme", "4,500", "$", ",".
    var text: String
    /// Lower-cased, for matching.
    var lower: String
    /// UTF-16 offsets into the transcript (what JavaScript's `String.prototype.slice` and NSRange take).
    var start: Int
    var end: Int
    /// Whether a space came before it: "3k", "$120" and "40hrs" are written together.
    var spaced: Bool
    /// A number token's value in thousandths, read once here (nil: more than three decimals or out of range).
    var value: Int64? = nil

    var isComma: Bool { self.kind == .punctuation && (self.text == "," || self.text == "-") }
    /// Ends a clause: , ; : . ! ? and dashes.
    var isBreak: Bool { self.kind == .punctuation }
}

/// Splits a transcript into tokens in one pass over its Unicode scalars (linear in its length), doing what
/// `TranscriptText.normalize` does for the rules: format characters dropped, every kind of space one separator,
/// marks kept only on letters, absurd digit runs replaced by a `.tooLong` token with a warning.
///
/// Hand-written: Foundation's `NLTokenizer` is Apple-only, and a speech transcript needs numbers with their
/// separators ("4,500.50") and currency symbols kept as tokens of their own, which no kept library does.
enum SpokenTokenizer {
    /// More tokens than any invoice sentence has; the rest of a longer text is ignored, with a warning.
    static let maximumTokens = 4000

    static func tokens(_ raw: String) -> (tokens: [SpokenToken], warnings: [InvoiceWarning]) {
        let scalars = Array(raw.unicodeScalars)
        // offsets[i] is the UTF-16 offset of scalars[i]; offsets[count] the length.
        var offsets = [Int](repeating: 0, count: scalars.count + 1)
        for (index, scalar) in scalars.enumerated() { offsets[index + 1] = offsets[index] + (scalar.value > 0xFFFF ? 2 : 1) }
        var tokens: [SpokenToken] = []
        var warnings: [InvoiceWarning] = []
        var index = 0
        var spaced = true
        func isDigit(_ i: Int) -> Bool { i < scalars.count && scalars[i].isASCII && ("0"..."9").contains(scalars[i]) }
        // ASCII first: the Unicode property tables are the slow part of tokenising, and most transcripts are ASCII.
        func isLetter(_ i: Int) -> Bool {
            guard i < scalars.count else { return false }
            let scalar = scalars[i]
            if scalar.isASCII { return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
            return scalar.properties.isAlphabetic
        }
        func isMark(_ i: Int) -> Bool {
            guard i < scalars.count, !scalars[i].isASCII else { return false }
            switch scalars[i].properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: return false
            }
        }
        func emit(_ kind: SpokenToken.Kind, from start: Int, to end: Int, text: String? = nil) {
            var view = String.UnicodeScalarView()
            if text == nil {
                for i in start..<end where scalars[i].isASCII || scalars[i].properties.generalCategory != .format { view.append(scalars[i]) }
            }
            let said = text ?? String(view)
            let normal = said.utf8.allSatisfy { $0 < 0x80 } ? said : said.precomposedStringWithCanonicalMapping
            var token = SpokenToken(kind: kind, text: normal, lower: normal.lowercased(), start: offsets[start], end: offsets[end], spaced: spaced)
            if kind == .number { token.value = try? Decimals.parse(normal, scale: 3) }
            tokens.append(token)
            spaced = false
        }
        while index < scalars.count {
            if tokens.count >= Self.maximumTokens {
                warnings.append(InvoiceWarning(field: nil, "The transcript is too long; only its first \(Self.maximumTokens) words were read."))
                break
            }
            let scalar = scalars[index]
            if scalar == " " {
                spaced = true
                index += 1
                continue
            }
            if isLetter(index) || isDigit(index) {
                // Handled below without the property tables.
            } else if scalar.properties.generalCategory == .format || isMark(index) {
                index += 1
                continue
            }
            let properties = scalar.properties
            if !isLetter(index), !isDigit(index), properties.isWhitespace || properties.generalCategory == .control {
                spaced = true
                index += 1
                continue
            }
            if isDigit(index) {
                // Digits, with a comma before exactly three digits (a thousands separator) and a point before a digit.
                let start = index
                var digits = 0
                while index < scalars.count {
                    if isDigit(index) {
                        digits += 1
                        index += 1
                    } else if scalars[index] == ",", isDigit(index + 1), isDigit(index + 2), isDigit(index + 3), !isDigit(index + 4) {
                        index += 1
                    } else if scalars[index] == ".", isDigit(index + 1) {
                        index += 1
                    } else {
                        break
                    }
                }
                if digits > TranscriptText.maximumDigits {
                    emit(.tooLong, from: start, to: index, text: TranscriptText.tooLongNumber)
                    if !warnings.contains(where: { $0.message.contains("digits") }) {
                        warnings.append(InvoiceWarning(field: nil, "A number with more than \(TranscriptText.maximumDigits) digits was ignored."))
                    }
                } else {
                    emit(.number, from: start, to: index)
                }
                continue
            }
            if isLetter(index) {
                // A word: letters and their marks, with an apostrophe or a hyphen between two letters ("o'brien",
                // "eighty-five"), and a trailing hyphen (a word cut off: "twe-").
                let start = index
                while index < scalars.count {
                    if isLetter(index) || isMark(index) || scalars[index].properties.generalCategory == .format {
                        index += 1
                    } else if ["'", "\u{2019}", "-"].contains(scalars[index]), isLetter(index + 1), index > start {
                        index += 1
                    } else {
                        break
                    }
                }
                if index < scalars.count, scalars[index] == "-", !isLetter(index + 1), !isDigit(index + 1) {
                    index += 1
                }
                emit(.word, from: start, to: index)
                continue
            }
            switch properties.generalCategory {
            case .currencySymbol, .mathSymbol, .otherSymbol:
                emit(.symbol, from: index, to: index + 1)
            default:
                switch scalar {
                case "@", "%", "/", "#", "&":
                    emit(.symbol, from: index, to: index + 1)
                case ",", ";", ":", ".", "!", "?", "\u{2014}", "\u{2013}", "\u{2026}":
                    emit(.punctuation, from: index, to: index + 1, text: scalar == "\u{2014}" || scalar == "\u{2013}" ? "-" : nil)
                case "-" where spaced || !(isLetter(index + 1) || isDigit(index + 1)):
                    // A dash between spaces is a pause, like a comma.
                    emit(.punctuation, from: index, to: index + 1)
                default:
                    // Quotes, brackets and the like carry nothing here; they still separate words.
                    spaced = true
                }
            }
            index += 1
        }
        return (tokens, warnings)
    }
}

/// What people say that is not the invoice: fillers ("um", "uh", "you know"), openers ("so", "okay", "hey"), stutters
/// ("the the", "twe- twelve") and self-corrections ("design, sorry, I mean development", "ten hours, actually twelve").
/// One pass over the tokens with a bounded look-back: linear in their number.
enum Disfluencies {
    static let fillers: Set<String> = ["um", "umm", "uhm", "uh", "uhh", "er", "erm", "ah", "ahh", "eh", "hmm", "hm", "mm", "mhm"]
    /// Said before the request, never part of it.
    static let openers: Set<String> = [
        "so", "okay", "ok", "alright", "right", "hey", "hi", "hello", "well", "yeah", "yes", "please", "now", "oh", "and", "then", "listen",
    ]
    /// Two-word fillers anywhere.
    static let fillerPairs: Set<[String]> = [["you", "know"], ["i", "guess"], ["i", "think"], ["let's", "see"], ["let", "me"]]
    /// What announces that the words after it replace the words before it.
    static let corrections: [[String]] = [
        ["sorry", "i", "mean"], ["sorry", "i", "meant"], ["no", "sorry"], ["i", "mean"], ["i", "meant"], ["no", "wait"], ["scratch", "that"],
        ["make", "that"], ["or", "rather"], ["correction"], ["sorry"], ["actually"], ["wait"],
    ]
    static let correctionStarts = Set(corrections.compactMap(\.first))
    /// Words a correction of a word phrase does not reach back past ("for design, sorry, development": "for" stays).
    static let boundaries: Set<String> = [
        "for", "of", "at", "to", "bill", "invoice", "charge", "and", "plus", "on", "in", "with", "from", "@",
    ]

    /// Words after which a pause is only a hesitation: the phrase goes on.
    static let functionWords: Set<String> = ["of", "for", "at", "in", "to", "the", "a", "an", "with", "and", "bill", "invoice", "charge", "within", "by", "on"]

    /// Words too common to mark where a repeated phrase starts.
    static let repeatable: Set<String> = ["the", "a", "an", "of", "for", "at", "and", "to", "in", "on", "i"]

    struct Result {
        var tokens: [SpokenToken]
        var corrected: Int
    }

    static func clean(_ input: [SpokenToken]) -> Result {
        var out: [SpokenToken] = []
        out.reserveCapacity(input.count)
        var corrected = 0
        var index = 0
        var atStart = true
        func lower(_ i: Int) -> String? { i < input.count ? input[i].lower : nil }
        while index < input.count {
            let token = input[index]
            if token.kind == .word {
                // A cut-off word ("twe-") and fillers go; so do openers before the request begins.
                if token.lower.hasSuffix("-") || Self.fillers.contains(token.lower) {
                    // The pauses around a filler inside a phrase go with it ("for, uh, twelve hours").
                    if out.count >= 2, out.last?.isComma == true, Self.functionWords.contains(out[out.count - 2].lower) { out.removeLast() }
                    index += 1
                    if index < input.count, input[index].isComma, out.last.map({ Self.functionWords.contains($0.lower) || $0.isComma }) ?? true {
                        index += 1
                    }
                    continue
                }
                if atStart, Self.openers.contains(token.lower) {
                    index += 1
                    continue
                }
                if let next = lower(index + 1), Self.fillerPairs.contains([token.lower, next]) {
                    index += 2
                    continue
                }
                // "like" between pauses or before a number ("like, twelve hours", "like 40 hours") is a filler.
                if token.lower == "like",
                    (out.last?.isComma ?? true) || (index + 1 < input.count && (input[index + 1].isComma || SpokenNumbers.startsNumber(input, at: index + 1)))
                {
                    index += 1
                    continue
                }
                // A stutter: the same word twice ("the the", "for for"); numbers may repeat ("two two-hour calls").
                if let last = out.last, last.kind == .word, last.lower == token.lower, SpokenNumbers.wordValue(token.lower) == nil {
                    index += 1
                    continue
                }
                if let marker = Self.correction(input, at: index), !out.isEmpty, Self.isCorrection(input, marker: marker, at: index, out: out) {
                    var after = index + marker
                    while after < input.count, input[after].isComma { after += 1 }
                    if Self.applyCorrection(to: &out, replacement: input, at: after) {
                        // The replacement's number took the old one's place; skip its tokens.
                        after = SpokenNumbers.parse(input, at: after)?.end ?? after
                    }
                    corrected += 1
                    index = after
                    continue
                }
            }
            if token.isComma, out.isEmpty || out.last?.isComma == true {
                index += 1
                continue
            }
            atStart = false
            out.append(token)
            index += 1
        }
        while out.last?.isComma == true { out.removeLast() }
        return Result(tokens: out, corrected: corrected)
    }

    /// The length of a correction marker at `index`, if one starts there.
    static func correction(_ tokens: [SpokenToken], at index: Int) -> Int? {
        guard Self.correctionStarts.contains(tokens[index].lower) else { return nil }
        for marker in Self.corrections where index + marker.count <= tokens.count {
            if zip(marker, tokens[index..<(index + marker.count)]).allSatisfy({ $0 == $1.lower }) { return marker.count }
        }
        return nil
    }

    /// "actually" and "wait" correct only after a pause ("…, actually twelve"); "make that" only before a number.
    static func isCorrection(_ tokens: [SpokenToken], marker: Int, at index: Int, out: [SpokenToken]) -> Bool {
        let word = tokens[index].lower
        let afterPause = out.last?.isComma == true || (index > 0 && tokens[index - 1].isComma)
        switch word {
        case "sorry", "correction": return true
        case "actually", "wait": return afterPause || marker > 1 || SpokenNumbers.startsNumber(tokens, at: index + marker)
        case "make": return SpokenNumbers.startsNumber(tokens, at: index + marker)
        case "i": return true
        default: return true
        }
    }

    /// Removes what the replacement at `start` replaces. Returns true when it substituted a bare number in place
    /// ("at 85 dollars, sorry, 95": "at 95 dollars"); false when it only removed the old words, the new ones to follow.
    static func applyCorrection(to out: inout [SpokenToken], replacement tokens: [SpokenToken], at start: Int) -> Bool {
        while out.last?.isComma == true { out.removeLast() }
        guard start < tokens.count, !out.isEmpty else { return false }
        // The replacement repeats a word said shortly before ("due in two weeks, no wait, due in three weeks", "bill
        // Hooli, no wait, bill Pied Piper"): everything from that word on is replaced.
        let first = tokens[start]
        if first.kind == .word, !Self.repeatable.contains(first.lower),
            let again = out.indices.reversed().prefix(8).first(where: { out[$0].kind == .word && out[$0].lower == first.lower })
        {
            out.removeSubrange(again...)
            return false
        }
        if let number = SpokenNumbers.parse(tokens, at: start) {
            // A number replaces the last number said (with its unit or currency when the new one has its own).
            var end = out.count
            var begin: Int?
            var cursor = out.count - 1
            var steps = 0
            while cursor >= 0, steps < 12 {
                if let found = SpokenNumbers.parse(out, at: cursor), found.end <= out.count {
                    begin = cursor
                    end = found.end
                    // A number of several words ("one hundred fifty"): its first word is the earliest, among the number
                    // words before, from which it still parses to here.
                    var earliest = cursor
                    while earliest > 0, cursor - earliest < 8, out[earliest - 1].kind == .word,
                        SpokenNumbers.wordValue(out[earliest - 1].lower) != nil || SpokenNumbers.isScale(out[earliest - 1].lower)
                            || ["and", "a", "an"].contains(out[earliest - 1].lower)
                    {
                        earliest -= 1
                    }
                    for candidate in earliest..<cursor where SpokenNumbers.parse(out, at: candidate)?.end == end {
                        begin = candidate
                        break
                    }
                    break
                }
                cursor -= 1
                steps += 1
            }
            guard let begin else { return false }
            let next = number.end < tokens.count ? tokens[number.end] : nil
            let newHasUnit = next.map { $0.kind == .word && (SpokenNumbers.unit($0.lower) != nil || Currencies.word($0.lower) != nil) } ?? false
            let leadingSymbol = begin > 0 && out[begin - 1].kind == .symbol && Currencies.symbol(out[begin - 1].text) != nil
            if newHasUnit || tokens[start].kind == .symbol {
                out.removeSubrange((leadingSymbol ? begin - 1 : begin)...)
                return false
            }
            out.replaceSubrange(begin..<end, with: tokens[start..<number.end])
            return true
        }
        // A phrase replaces the words back to the last boundary (at most four).
        var removed = 0
        while let last = out.last, last.kind == .word, !Self.boundaries.contains(last.lower), SpokenNumbers.wordValue(last.lower) == nil, removed < 4 {
            out.removeLast()
            removed += 1
        }
        return false
    }
}
