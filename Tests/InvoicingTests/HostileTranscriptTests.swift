import Foundation
import Testing

@testable import Invoicing

/// Transcripts as an attacker or a confused recogniser would send them: none may trap, and each must end in a draft
/// or a `DraftError` (a 422), never in an overflowed number.
@Suite("Hostile transcripts")
struct HostileTranscriptTests {
    let extractor = RuleBasedExtractor()
    let profile = BusinessProfile()

    func draft(_ transcript: String) -> Result<Invoice, DraftError> {
        let extracted = self.extractor.extractSync(
            transcript, context: ExtractionContext(today: CalendarDate(year: 2026, month: 12, day: 1), defaultCurrency: .usd))
        let context = DraftContext(
            id: "0123456789abcdef0123456789abcdef", ownerId: "u", profile: self.profile, today: CalendarDate(year: 2026, month: 12, day: 1), now: Date(),
            source: .transcript, transcript: transcript
        )
        return Result { () throws(DraftError) in try DraftBuilder().draft(from: extracted, context: context) }
    }

    @Test func hugeTermsAreRefusedNotWrapped() {
        guard case .failure(let error) = self.draft("Bill Acme for 2 hours of design at 85 dollars, due in 400000000000000000 months") else {
            Issue.record("a draft with absurd terms was accepted")
            return
        }
        #expect(error.field == "dueDate")
        #expect(self.extractor.extractSync("Bill Acme for 1 logo at 5 dollars due in 99999999999999999999999999 weeks").dueInDays != nil)
    }

    @Test func trailingSpacesAreLinearWork() {
        // 9 000 spaces made the patterns backtrack quadratically (~20 s); normalised once, they are one space.
        let transcript = "Bill Acme for 2 hours of design at 85 dollars" + String(repeating: " ", count: 9000)
        guard case .success(let invoice) = self.draft(transcript) else {
            Issue.record("the sentence before the spaces was not understood")
            return
        }
        #expect(invoice.total == 17_000)
        for filler in [" ", "\t", "\u{00A0}", ", ", "and ", "1 ", "a", "bill "] {
            _ = self.draft("Bill Acme for " + String(repeating: filler, count: 9000 / filler.count))
        }
    }

    @Test func marksAndInvisibleCharactersNextToPunctuation() {
        for transcript in [
            "Bill Acme,\u{301} for 2 hours at 85 dollars", "Bill Acme\u{200B}: 2 hours\u{200D} at 85 dollars\u{301}.",
            "\u{FEFF}Bill Acme for 2 hours at $\u{301}85",
            "Bill\u{202E} Acme for 2 hours at 85\u{2066} dollars", ",\u{301},\u{301},\u{301}", "Bill Acmé\u{0308} for 1 logo at 5 euros",
            "\u{1F600}\u{301}\u{200D}\u{1F600}",
            "Bill Acme for 2 hours at 85 dollars\u{0}\u{1}\u{7F}", String(repeating: "\u{301}", count: 5000),
        ] {
            _ = self.draft(transcript)
        }
        #expect(self.extractor.extractSync("Bill Acme\u{200B} for 2 hours at 85 dollars").clientName == "Acme")
    }

    @Test func hugeSpokenAndWrittenNumbersNeverOverflow() {
        let words = String(repeating: "million ", count: 50)
        for transcript in [
            "Bill Acme for \(words)hours at 85 dollars", "Bill Acme for 2 hours at \(words)dollars",
            "Bill Acme for 2 hours at 9999999999999999999999999 dollars",
            "Bill Acme for 99999999999999999 hours at 99999999999999 dollars", "Bill Acme for 2 hours at 9223372036854775807k dollars",
            "Bill Acme for 2 hours at 922337203685477k dollars", "Bill Acme for 2 hours at 85 dollars with 99999999999999999999% discount",
            "Bill Acme for 2 hours at 85 dollars plus 1e308% tax", "Bill Acme for 2 hours at 0." + String(repeating: "0", count: 9000) + "1 dollars",
            "Bill Acme for 2 hours at 85 dollars due on 99999-99-99", "Bill Acme for 2 hours at 85 dollars due the 99999999999999999999th of March",
        ] {
            if case .success(let invoice) = self.draft(transcript) {
                #expect(invoice.total >= 0)
            }
        }
    }

    @Test func manySeparatorsStayBounded() {
        let transcript = "Bill Acme for " + String(repeating: "x, ", count: 3000) + "2 hours at 85 dollars"
        _ = self.draft(transcript)
        let many = "Bill Acme for " + Array(repeating: "1 logo at 5 dollars", count: 500).joined(separator: " and ")
        guard case .failure(let error) = self.draft(many) else {
            Issue.record("more than the maximum number of items was accepted")
            return
        }
        #expect(error.field == "items")
    }

    @Test func spokenDatesRefuseAbsurdInput() {
        let today = CalendarDate(year: 2026, month: 12, day: 1)
        #expect(SpokenDate.resolve(String(repeating: "next ", count: 1000), today: today) == nil)
        #expect(SpokenDate.resolve("in 99999999999999999999 months", today: today) == nil)
        #expect(SpokenDate.resolve("march 99999999999", today: today) == nil)
        #expect(CalendarDate("2026-13-01") == nil)
        #expect(CalendarDate("+026-01-01") == nil)
        #expect(CalendarDate("2026-1-011") == nil)
    }
}
