import Foundation
import Testing

@testable import Invoicing

@Suite("Rule-based extractor and draft builder")
struct ExtractorTests {
    let extractor = RuleBasedExtractor()

    @Test func theCanonicalSentence() {
        let result = self.extractor.extractSync("Bill Acme for twelve hours of design at 85 dollars, due in two weeks")
        #expect(result.clientName == "Acme")
        #expect(result.items == [.init(description: "Design", quantity: "12", unit: "hour", unitPrice: "85", currency: "USD")])
        #expect(result.dueInDays == 14)
        #expect(result.currency == "USD")
    }

    @Test func severalItemsSymbolsAndTax() {
        let result = self.extractor.extractSync(
            "Invoice Globex Corporation: 3 logos at €200 each and five hours of consulting at €120 per hour, plus 8.5% tax, due in 15 days"
        )
        #expect(result.clientName == "Globex Corporation")
        #expect(result.items.count == 2)
        #expect(result.items[0] == .init(description: "Logos", quantity: "3", unit: nil, unitPrice: "200", currency: "EUR"))
        #expect(result.items[1] == .init(description: "Consulting", quantity: "5", unit: "hour", unitPrice: "120", currency: "EUR"))
        #expect(result.taxRate == "8.5")
        #expect(result.dueInDays == 15)
        #expect(result.currency == "EUR")
    }

    @Test func descriptionsWithAndStayWhole() {
        let result = self.extractor.extractSync("Charge Initech for 10 hours of design and development at £95 an hour")
        #expect(result.clientName == "Initech")
        #expect(result.items.map(\.description) == ["Design and development"])
        #expect(result.items.first?.currency == "GBP")
    }

    @Test func numberWords() {
        #expect(NumberWords.normalize("one hundred and fifty hours") == "150 hours")
        #expect(NumberWords.normalize("twenty-five logos, three days") == "25 logos, 3 days")
        #expect(NumberWords.normalize("two and a half hours") == "2.5 hours")
        #expect(NumberWords.normalize("a website for two thousand dollars") == "a website for 2000 dollars")
    }

    @Test func singleItemWithoutQuantityAndNetTerms() {
        let result = self.extractor.extractSync("Bill Wayne Enterprises for a website redesign for $2,500.50, net 45, no tax")
        #expect(result.clientName == "Wayne Enterprises")
        #expect(result.items == [.init(description: "Website redesign", quantity: "1", unit: nil, unitPrice: "2,500.50", currency: "USD")])
        #expect(result.dueInDays == 45)
        #expect(result.taxRate == "0")
    }

    @Test func notesAreNotParsedAsItems() {
        let result = self.extractor.extractSync("Bill Acme for 2 days of training at 900 dollars a day. Note: thanks for the 3 coffees at 5 dollars")
        #expect(result.items.count == 1)
        #expect(result.items[0].unit == "day")
        #expect(result.notes == "thanks for the 3 coffees at 5 dollars")
    }

    @Test func draftComputesEveryAmount() throws {
        let extracted = self.extractor.extractSync("Bill Acme for twelve hours of design at 85 dollars and 3 logos at $200 each, plus 10% tax, due in two weeks")
        let profile = BusinessProfile(companyName: "Studio", defaultCurrency: Currency(code: "EUR")!, defaultPaymentTermsDays: 30)
        let invoice = try DraftBuilder().draft(
            from: extracted, profile: profile, today: CalendarDate("2026-11-27")!, id: "id", ownerId: "owner", number: "INV-0001",
            transcript: "t", now: Date()
        )
        #expect(invoice.currency.code == "USD")  // said beats the profile default
        #expect(invoice.items.map(\.amount) == [102_000, 60_000])
        #expect(invoice.subtotal == 162_000)
        #expect(invoice.tax == 16_200)
        #expect(invoice.total == 178_200)
        #expect(invoice.dueDate.description == "2026-12-11")
        #expect(invoice.from.name == "Studio")
        #expect(invoice.to.name == "Acme")
    }

    @Test func draftUsesProfileDefaultsAndRejectsNonsense() throws {
        let profile = BusinessProfile(defaultCurrency: Currency(code: "JPY")!, defaultPaymentTermsDays: 10, taxRate: try TaxRate(percent: "10"))
        let extracted = self.extractor.extractSync("Bill Sato for 3 lessons at 5000")
        let invoice = try DraftBuilder().draft(
            from: extracted, profile: profile, today: CalendarDate("2026-01-01")!, id: "i", ownerId: "o", number: "n", transcript: nil, now: Date()
        )
        #expect(invoice.currency.code == "JPY")
        #expect(invoice.total == 16_500)
        #expect(invoice.dueDate.description == "2026-01-11")

        #expect(throws: DraftError.self) {
            try DraftBuilder().draft(
                from: self.extractor.extractSync("hello there"), profile: profile, today: CalendarDate("2026-01-01")!, id: "i", ownerId: "o",
                number: "n", transcript: nil, now: Date()
            )
        }
        var tooPrecise = extracted
        tooPrecise.items[0].unitPrice = "5000.5"
        #expect(throws: DraftError.self) {
            try DraftBuilder().draft(from: tooPrecise, profile: profile, today: CalendarDate("2026-01-01")!, id: "i", ownerId: "o", number: "n", transcript: nil, now: Date())
        }
    }
}
