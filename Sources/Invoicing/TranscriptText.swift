import Foundation

/// What every extractor rule sees: the transcript normalised once, so that no rule has to cope with what people and
/// speech recognisers put around words.
///
/// - Unicode NFC, so a letter and its accent are one scalar;
/// - format characters (zero-width spaces and joiners, bidi controls, BOM) removed, and combining marks that do not
///   follow a letter (on punctuation, digits or spaces they carry no meaning) dropped;
/// - every control character and every kind of whitespace becomes a space, and runs of spaces become one: the
///   patterns then never meet two ways to split a run of spaces, which is what made them backtrack quadratically;
/// - a run of more than `maximumDigits` digits (twice what any amount, quantity or date could have, so an
///   absurd number still reaches the rules and is refused by range, not dropped) is replaced by a marker
///   that no rule reads as a number, with a warning, so no parser meets an unbounded digit string.
///
/// One pass over the scalars: linear in the input.
public enum TranscriptText {
    public static let maximumDigits = 40
    public static let tooLongNumber = "(number-too-long)"

    public static func normalize(_ raw: String) -> (text: String, warnings: [InvoiceWarning]) {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var previousIsLetter = false
        var digits = String.UnicodeScalarView()
        var tooLong = false
        func flushDigits() {
            guard !digits.isEmpty else { return }
            if digits.count > Self.maximumDigits {
                out.append(contentsOf: Self.tooLongNumber.unicodeScalars)
                tooLong = true
            } else {
                out.append(contentsOf: digits)
            }
            digits.removeAll(keepingCapacity: true)
        }
        for scalar in raw.precomposedStringWithCanonicalMapping.unicodeScalars {
            let properties = scalar.properties
            switch properties.generalCategory {
            case .format:
                continue
            case .nonspacingMark, .spacingMark, .enclosingMark:
                // Keeps accents on letters; a mark anywhere else is noise.
                if previousIsLetter, digits.isEmpty { out.append(scalar) }
                continue
            case .control, .spaceSeparator, .lineSeparator, .paragraphSeparator:
                flushDigits()
                pendingSpace = !out.isEmpty
                previousIsLetter = false
                continue
            default:
                break
            }
            if properties.isWhitespace {
                flushDigits()
                pendingSpace = !out.isEmpty
                previousIsLetter = false
                continue
            }
            // Whitespace flushed the digits, so a pending space always comes before what follows it.
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            if scalar.isASCII, ("0"..."9").contains(scalar) {
                digits.append(scalar)
                previousIsLetter = false
                continue
            }
            flushDigits()
            out.append(scalar)
            previousIsLetter = properties.isAlphabetic
        }
        flushDigits()
        let warnings = tooLong ? [InvoiceWarning(field: nil, "A number with more than \(Self.maximumDigits) digits was ignored.")] : []
        return (String(out), warnings)
    }
}
