import Foundation

/// Checks a language model's reading against the parser's on what the transcript states plainly: a quantity or a price
/// said in digits ("12 hours", "$85") that the model read otherwise gets a warning on that field, so a user sees the
/// disagreement instead of either reading silently winning. The model's value stays (it may have understood a
/// correction the parser did not); numbers said in words are not judged, they are where readings legitimately differ.
public enum ExtractionCrossCheck {
    public static func warnings(model: ExtractedInvoice, transcript: String, context: ExtractionContext) -> [InvoiceWarning] {
        let parsed = RuleBasedExtractor().extractSync(transcript, context: context)
        guard let sources = parsed.sources, parsed.items.count == model.items.count else { return [] }
        var warnings: [InvoiceWarning] = []
        /// The text of a field said in digits ("12 hours", "$85", "85 dollars"), or nil when said in words.
        func plain(_ field: String) -> String? {
            guard let text = sources.first(where: { $0.field == field })?.text else { return nil }
            let start = text.drop { Currencies.symbol(String($0)) != nil || $0 == " " }
            return start.first?.isASCII == true && start.first?.isNumber == true ? text : nil
        }
        func same(_ a: String, _ b: String) -> Bool {
            guard let x = try? Decimals.parse(a, scale: 3), let y = try? Decimals.parse(b, scale: 3) else { return a == b }
            return x == y
        }
        for (index, (mine, theirs)) in zip(parsed.items, model.items).enumerated() {
            for (name, said, read) in [("quantity", mine.quantity, theirs.quantity), ("unitPrice", mine.unitPrice, theirs.unitPrice)] {
                let field = "items[\(index)].\(name)"
                guard let text = plain(field), !same(said, read) else { continue }
                warnings.append(InvoiceWarning(field: field, "The transcript says \"\(text)\" but it was read as \(read); check it."))
            }
        }
        return warnings
    }
}
