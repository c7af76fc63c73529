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
        #expect(result.items == [.init(description: "Website redesign", quantity: "1", unit: nil, unitPrice: "2500.5", currency: "USD")])
        #expect(result.dueInDays == 45)
        #expect(result.taxRate == "0")
    }

    @Test func notesAreNotParsedAsItems() {
        let result = self.extractor.extractSync("Bill Acme for 2 days of training at 900 dollars a day. Note: thanks for the 3 coffees at 5 dollars")
        #expect(result.items.count == 1)
        #expect(result.items[0].unit == "day")
        #expect(result.notes == "thanks for the 3 coffees at 5 dollars")
    }

    static func context(_ profile: BusinessProfile, today: String, client: KnownClient? = nil, rates: [String: Money] = [:]) -> DraftContext {
        DraftContext(
            id: "id", ownerId: "owner", profile: profile, today: CalendarDate(today)!, now: Date(), source: .transcript, transcript: "t", client: client,
            usualRates: rates
        )
    }

    @Test func draftComputesEveryAmount() throws {
        let extracted = self.extractor.extractSync(
            "Bill Acme for twelve hours of design at 85 dollars and 3 logos at $200 each, plus 10% tax, due in two weeks")
        let profile = BusinessProfile(companyName: "Studio", defaultCurrency: Currency(code: "EUR")!, defaultPaymentTermsDays: 30)
        let invoice = try DraftBuilder().draft(from: extracted, context: Self.context(profile, today: "2026-11-27"))
        #expect(invoice.currency.code == "USD")  // said beats the profile default
        #expect(invoice.items.map(\.amount) == [102_000, 60_000])
        #expect(invoice.subtotal == 162_000)
        #expect(invoice.tax == 16_200)
        #expect(invoice.total == 178_200)
        #expect(invoice.taxBreakdown == [TaxLine(rate: TaxRate(basisPoints: 1000), taxable: 162_000, tax: 16_200)])
        #expect(invoice.dueDate.description == "2026-12-11")
        #expect(invoice.from.name == "Studio")
        #expect(invoice.to.name == "Acme")
        #expect(invoice.number == nil)
        #expect(invoice.status == .draft)
    }

    @Test func draftUsesProfileDefaultsAndRejectsNonsense() throws {
        let profile = BusinessProfile(defaultCurrency: Currency(code: "JPY")!, defaultPaymentTermsDays: 10, taxRate: try TaxRate(percent: "10"))
        let extracted = self.extractor.extractSync("Bill Sato for 3 lessons at 5000")
        let invoice = try DraftBuilder().draft(from: extracted, context: Self.context(profile, today: "2026-01-01"))
        #expect(invoice.currency.code == "JPY")
        #expect(invoice.total == 16_500)
        #expect(invoice.dueDate.description == "2026-01-11")

        #expect(throws: DraftError.self) {
            try DraftBuilder().draft(from: self.extractor.extractSync("hello there"), context: Self.context(profile, today: "2026-01-01"))
        }
        var tooPrecise = extracted
        tooPrecise.items[0].unitPrice = "5000.5"
        #expect(throws: DraftError.self) { try DraftBuilder().draft(from: tooPrecise, context: Self.context(profile, today: "2026-01-01")) }
    }

    @Test func clientDefaultsComeBetweenWhatWasSaidAndTheProfile() throws {
        let profile = BusinessProfile(defaultCurrency: .usd, defaultPaymentTermsDays: 30, taxRate: try TaxRate(percent: "10"))
        let client = KnownClient(
            id: "c1", party: Party(name: "Acme Corporation", address: "1 Road Runner Way"), currency: Currency(code: "EUR"), paymentTermsDays: 7,
            taxRate: try TaxRate(percent: "20")
        )
        let invoice = try DraftBuilder().draft(
            from: self.extractor.extractSync("Bill acme for 2 hours of design at 100"), context: Self.context(profile, today: "2026-03-01", client: client))
        #expect(invoice.currency.code == "EUR")
        #expect(invoice.dueDate.description == "2026-03-08")
        #expect(invoice.taxRate.basisPoints == 2000)
        #expect(invoice.to == client.party)  // the book's name and address, not the words heard
        #expect(invoice.clientId == "c1")
        // What was said still wins over the client's defaults.
        let said = try DraftBuilder().draft(
            from: self.extractor.extractSync("Bill acme for 2 hours of design at 100 dollars, no tax, net 15"),
            context: Self.context(profile, today: "2026-03-01", client: client)
        )
        #expect(said.currency.code == "USD")
        #expect(said.tax == 0)
        #expect(said.dueDate.description == "2026-03-16")
    }

    @Test func discountsAndPerLineTaxRoundPerLine() throws {
        // 3 × 33.33 = 99.99, 10 % off → 89.99 (9.999 rounds to 10.00); invoice 5 % off each line; tax per line.
        var items = [
            LineItem(description: "A", quantity: Quantity(3), unit: nil, unitPrice: 3333, discountRate: try TaxRate(percent: "10")),
            LineItem(description: "B", quantity: try Quantity(parsing: "1.5"), unit: nil, unitPrice: 1001, taxRate: try TaxRate(percent: "0")),
        ]
        let totals = try InvoiceMath.compute(items: &items, discountRate: try TaxRate(percent: "5"), taxRate: try TaxRate(percent: "20"))
        #expect(items.map(\.amount) == [8999, 1502])  // 1.5 × 10.01 = 15.015 → 15.02
        #expect(totals.subtotal == 10_501)
        #expect(totals.discount == 450 + 75)  // 449.95 → 450, 75.1 → 75
        #expect(
            totals.taxBreakdown == [
                TaxLine(rate: TaxRate(basisPoints: 0), taxable: 1427, tax: 0), TaxLine(rate: TaxRate(basisPoints: 2000), taxable: 8549, tax: 1710),
            ])
        #expect(totals.total == 10_501 - 525 + 1710)
    }

    @Test func spokenDatesResolveInTheUsersToday() throws {
        let today = CalendarDate("2026-11-27")!  // a Friday
        #expect(today.weekday == 5)
        let cases: [(String, String)] = [
            ("next Friday", "2026-12-04"), ("friday", "2026-12-04"), ("monday", "2026-11-30"), ("tomorrow", "2026-11-28"),
            ("end of the month", "2026-11-30"), ("end of next month", "2026-12-31"), ("in two weeks", "2026-12-11"), ("30 days", "2026-12-27"),
            ("December 15", "2026-12-15"), ("the 3rd of March", "2027-03-03"), ("March twenty-first", "2027-03-21"), ("2027-01-31", "2027-01-31"),
            ("next month", "2026-12-27"), ("in 3 months", "2027-02-27"),
        ]
        for (said, expected) in cases { #expect(SpokenDate.resolve(said, today: today)?.description == expected, "\(said)") }
        #expect(CalendarDate("2027-01-31")!.adding(months: 1).description == "2027-02-28")
        #expect(SpokenDate.resolve("whenever", today: today) == nil)
        #expect(SpokenDate.resolve("February 30", today: today) == nil)

        // The user's zone decides what "today" is: 23:30 UTC on the 27th is already the 28th in Tokyo.
        let instant = Date(timeIntervalSince1970: 1_795_822_200)  // 2026-11-27T23:30:00Z
        #expect(BusinessProfile(timeZone: "Asia/Tokyo").today(at: instant).description == "2026-11-28")
        #expect(BusinessProfile(timeZone: "America/Los_Angeles").today(at: instant).description == "2026-11-27")
        let extracted = self.extractor.extractSync("Bill Acme for 2 hours of design at 50 dollars, due next friday")
        #expect(extracted.dueDate?.lowercased() == "next friday")
        let invoice = try DraftBuilder().draft(from: extracted, context: Self.context(BusinessProfile(), today: "2026-11-27"))
        #expect(invoice.dueDate.description == "2026-12-04")
    }

    @Test func misheardRatesAreFlaggedNotChanged() throws {
        let usual = ["design": Money(minorUnits: 5000, currency: .usd), "copywriting": Money(minorUnits: 8500, currency: .usd)]
        let extracted = self.extractor.extractSync(
            "Bill Acme for 3 hours of design at fifteen dollars and 2 hours of copywriting at 900 dollars and 1 hour of review at 40 dollars")
        let invoice = try DraftBuilder().draft(from: extracted, context: Self.context(BusinessProfile(), today: "2026-11-27", rates: usual))
        #expect(invoice.items[0].unitPrice == 1500)  // kept as said
        let fields = invoice.warnings.map { $0.field ?? "" }
        #expect(fields.contains("items[0].unitPrice"))
        #expect(invoice.warnings.first { $0.field == "items[0].unitPrice" }?.message.contains("sound alike") == true)
        #expect(invoice.warnings.first { $0.field == "items[1].unitPrice" }?.message.contains("far from the usual") == true)
        #expect(!fields.contains("items[2].unitPrice"))  // no history, no guess
    }

    @Test func discountsAndPurchaseOrdersAreHeard() throws {
        let extracted = self.extractor.extractSync("Invoice Globex for 10 hours of consulting at 120 dollars with a 10% discount, PO 4471")
        #expect(extracted.discountPercent == "10")
        #expect(extracted.poNumber == "4471")
        #expect(extracted.items.count == 1)
        #expect(extracted.items.first?.description == "Consulting")
    }
}

@Suite("Spoken invoice parser")
struct SpokenInvoiceParserTests {
    let extractor = RuleBasedExtractor()

    @Test func spansAreUTF16OffsetsOfTheTranscript() throws {
        let transcript = "😀 Um, bill Zoë Ångström for, uh, two hours of design at 50 euros"
        let result = self.extractor.extractSync(transcript)
        #expect(result.clientName == "Zoë Ångström")
        let sources = try #require(result.sources)
        for source in sources {
            let said = (transcript as NSString).substring(with: NSRange(location: source.start, length: source.end - source.start))
            #expect(said == source.text, "\(source.field)")
        }
        #expect(sources.first { $0.field == "clientName" }?.start == 12)
        #expect(sources.first { $0.field == "items[0].quantity" }?.text == "two hours")
    }

    @Test func aPriceIdiomIsReadAndFlagged() {
        let result = self.extractor.extractSync("Charge Stark Industries twelve fifty for the domain renewal")
        #expect(result.items.map(\.unitPrice) == ["12.5"] && result.items.first?.description == "Domain renewal")
        #expect(result.warnings.contains { $0.field == "items[0].unitPrice" && $0.message.contains("1250") })
        #expect((result.sources?.first { $0.field == "items[0].unitPrice" }?.confidence ?? 1) < 0.7)
    }

    @Test func selfCorrectionsReplaceWhatTheyCorrect() {
        let result = self.extractor.extractSync("Bill Acme for design, sorry, I mean development, 10 hours at 95 dollars, actually 105 dollars")
        #expect(result.items == [.init(description: "Development", quantity: "10", unit: "hour", unitPrice: "105", currency: "USD")])
    }

    @Test func workIsLinearInTheLength() {
        // 100 times the sentence: every token is visited a bounded number of times (no timing asserted; this
        // checks that a long transcript is read at all and keeps its items, bounded by the draft's maximum).
        let sentence = "Bill Acme for 2 hours of design at 85 dollars and 3 logos at 200 dollars each, "
        let result = self.extractor.extractSync(String(repeating: sentence, count: 100))
        #expect(result.items.count > 100 && result.items.count <= DraftBuilder.maximumItems + 1)
    }
}
