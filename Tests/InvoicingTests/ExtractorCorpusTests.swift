import Foundation
import Testing

@testable import Invoicing

/// A corpus of spoken invoice requests with what each should yield. The test reports the rule-based extractor's
/// field accuracy and fails when it drops below the bar (or when any utterance's money goes wrong).
@Suite("Extractor corpus")
struct ExtractorCorpusTests {
    struct Expected {
        var utterance: String
        var client: String?
        /// (description, quantity, unit price, currency)
        var items: [(String, String, String, String?)]
        var dueInDays: Int? = nil
        var taxRate: String? = nil
        /// The due date as said (resolved later by the server), lower-cased.
        var dueDate: String? = nil
        var discount: String? = nil
        var po: String? = nil
    }

    static let corpus: [Expected] = [
        .init(
            utterance: "Bill Acme for twelve hours of design at 85 dollars, due in two weeks", client: "Acme", items: [("Design", "12", "85", "USD")],
            dueInDays: 14),
        .init(utterance: "Invoice Globex for three logos at $200 each", client: "Globex", items: [("Logos", "3", "200", "USD")]),
        .init(utterance: "Charge Initech for 10 hours of consulting at €120 per hour", client: "Initech", items: [("Consulting", "10", "120", "EUR")]),
        .init(
            utterance: "Bill Wayne Enterprises for a website redesign for $2,500", client: "Wayne Enterprises",
            items: [("Website redesign", "1", "2,500", "USD")]),
        .init(
            utterance: "Invoice Stark Industries for 5 days of training at 900 dollars a day, net 30", client: "Stark Industries",
            items: [("Training", "5", "900", "USD")], dueInDays: 30),
        .init(utterance: "Bill Umbrella Corp for two hours of support at 60 pounds", client: "Umbrella Corp", items: [("Support", "2", "60", "GBP")]),
        .init(
            utterance: "Bill Hooli for 8 hours of development at 150 dollars plus 10% tax", client: "Hooli", items: [("Development", "8", "150", "USD")],
            taxRate: "10"),
        .init(
            utterance: "Invoice Pied Piper for four illustrations at 250 euros each, due in 10 days", client: "Pied Piper",
            items: [("Illustrations", "4", "250", "EUR")], dueInDays: 10),
        .init(
            utterance: "Charge Soylent for one hundred and fifty hours of research at 40 dollars", client: "Soylent", items: [("Research", "150", "40", "USD")]),
        .init(utterance: "Bill Tyrell for twenty five copies at 3.50 dollars", client: "Tyrell", items: [("Copies", "25", "3.50", "USD")]),
        .init(utterance: "Bill Cyberdyne for 2.5 hours of editing at 80 dollars", client: "Cyberdyne", items: [("Editing", "2.5", "80", "USD")]),
        .init(
            utterance: "Invoice Oscorp for a logo for 500 dollars and 3 hours of revisions at 75 dollars", client: "Oscorp",
            items: [("Logo", "1", "500", "USD"), ("Revisions", "3", "75", "USD")]),
        .init(
            utterance: "Bill Massive Dynamic for 6 hours of photography at £110 an hour, due in three weeks", client: "Massive Dynamic",
            items: [("Photography", "6", "110", "GBP")], dueInDays: 21),
        .init(
            utterance: "Charge Vandelay Industries for 40 hours of import consulting at 95 dollars, plus 8.25% sales tax", client: "Vandelay Industries",
            items: [("Import consulting", "40", "95", "USD")], taxRate: "8.25"),
        .init(utterance: "Bill Dunder Mifflin for 500 reams at 4 dollars each", client: "Dunder Mifflin", items: [("Reams", "500", "4", "USD")]),
        .init(
            utterance: "Invoice Prestige Worldwide for one day of event planning at 1,200 dollars", client: "Prestige Worldwide",
            items: [("Event planning", "1", "1,200", "USD")]),
        .init(
            utterance: "Bill Bluth Company for 3 banners at 45 dollars and 2 hours of installation at 50 dollars", client: "Bluth Company",
            items: [("Banners", "3", "45", "USD"), ("Installation", "2", "50", "USD")]),
        .init(
            utterance: "Charge Aperture Science for ten hours of testing at 200 euros, no tax", client: "Aperture Science",
            items: [("Testing", "10", "200", "EUR")], taxRate: "0"),
        .init(
            utterance: "Bill Gringotts for seven hours of bookkeeping at £55, due in 1 month", client: "Gringotts", items: [("Bookkeeping", "7", "55", "GBP")],
            dueInDays: 30),
        .init(utterance: "Invoice Monsters Inc for 12 hours of voice work at 130 dollars", client: "Monsters Inc", items: [("Voice work", "12", "130", "USD")]),
        .init(utterance: "Bill Wonka for 2 weeks of consulting at 3,000 dollars per week", client: "Wonka", items: [("Consulting", "2", "3,000", "USD")]),
        .init(
            utterance: "Charge Nakatomi for 9 hours of security review at 140 dollars, net 15", client: "Nakatomi",
            items: [("Security review", "9", "140", "USD")], dueInDays: 15),
        .init(
            utterance: "Bill Sterling Cooper for 3 ad concepts at 800 dollars each, plus 5 percent tax", client: "Sterling Cooper",
            items: [("Ad concepts", "3", "800", "USD")], taxRate: "5"),
        .init(utterance: "Invoice Los Pollos for 20 hours of menu design at 45 dollars", client: "Los Pollos", items: [("Menu design", "20", "45", "USD")]),
        .init(utterance: "Bill Duff for sixty cases at 12 dollars", client: "Duff", items: [("Cases", "60", "12", "USD")]),
        .init(utterance: "Bill Kwik-E-Mart for 4 hours of repairs at 70 dollars", client: "Kwik-E-Mart", items: [("Repairs", "4", "70", "USD")]),
        .init(utterance: "Charge Buy More for 15 hours of IT support at $65", client: "Buy More", items: [("IT support", "15", "65", "USD")]),
        .init(utterance: "Invoice Rekall for one brochure for 350 euros", client: "Rekall", items: [("Brochure", "1", "350", "EUR")]),
        .init(
            utterance: "Bill Virtucon for 30 hours of strategy at 250 dollars, due in 45 days", client: "Virtucon", items: [("Strategy", "30", "250", "USD")],
            dueInDays: 45),
        .init(
            utterance: "Bill Krusty Krab for eleven hours of cooking classes at 35 pounds", client: "Krusty Krab",
            items: [("Cooking classes", "11", "35", "GBP")]),
        .init(
            utterance: "Charge Ollivanders for 3 hours of appraisal at £90 plus 20% VAT", client: "Ollivanders", items: [("Appraisal", "3", "90", "GBP")],
            taxRate: "20"),
        .init(utterance: "Bill Black Mesa for 16 hours of lab work at 110 dollars", client: "Black Mesa", items: [("Lab work", "16", "110", "USD")]),
        .init(
            utterance: "Invoice Spacely Sprockets for 1000 sprockets at 0.75 dollars each", client: "Spacely Sprockets",
            items: [("Sprockets", "1000", "0.75", "USD")]),
        .init(
            utterance: "Bill Cogswell Cogs for 2 hours of meetings at 100 dollars and a report for 400 dollars", client: "Cogswell Cogs",
            items: [("Meetings", "2", "100", "USD"), ("Report", "1", "400", "USD")]),
        .init(
            utterance: "Charge Weyland Yutani for fifty hours of engineering at 175 dollars, due in 30 days", client: "Weyland Yutani",
            items: [("Engineering", "50", "175", "USD")], dueInDays: 30),
        .init(utterance: "Bill Gekko and Co for 5 hours of analysis at €300", client: "Gekko and Co", items: [("Analysis", "5", "300", "EUR")]),
        .init(utterance: "Invoice Blue Sun for eight hours of translation at 60 euros", client: "Blue Sun", items: [("Translation", "8", "60", "EUR")]),
        .init(
            utterance: "Bill Wernham Hogg for 3 days of workshops at 1,500 pounds a day", client: "Wernham Hogg", items: [("Workshops", "3", "1,500", "GBP")]),
        .init(
            utterance: "Charge Planet Express for 6 deliveries at 40 dollars each, net 10", client: "Planet Express", items: [("Deliveries", "6", "40", "USD")],
            dueInDays: 10),
        .init(
            utterance: "Bill Acme for thirteen hours of design at 85 dollars and 2 icons at 50 dollars, plus 7% tax, due in two weeks", client: "Acme",
            items: [("Design", "13", "85", "USD"), ("Icons", "2", "50", "USD")], dueInDays: 14, taxRate: "7"),
        .init(
            utterance: "Invoice Zorg Industries for 4 hours of negotiation at 500 dollars", client: "Zorg Industries",
            items: [("Negotiation", "4", "500", "USD")]),
        .init(utterance: "Bill Soylent Green for twenty hours of catering at 30 dollars", client: "Soylent Green", items: [("Catering", "20", "30", "USD")]),
        // Dates as said, discounts and purchase orders.
        .init(
            utterance: "Bill Acme for 6 hours of design at 90 dollars, due next Friday", client: "Acme", items: [("Design", "6", "90", "USD")],
            dueDate: "next friday"),
        .init(
            utterance: "Invoice Globex for 2 workshops at 1,200 euros each, due on December 15", client: "Globex", items: [("Workshops", "2", "1,200", "EUR")],
            dueDate: "december 15"),
        .init(
            utterance: "Charge Initech for 12 hours of support at 75 dollars, due by the end of the month", client: "Initech",
            items: [("Support", "12", "75", "USD")], dueDate: "the end of the month"),
        .init(
            utterance: "Bill Hooli for 10 hours of consulting at 150 dollars with a 10% discount", client: "Hooli", items: [("Consulting", "10", "150", "USD")],
            discount: "10"),
        .init(
            utterance: "Invoice Massive Dynamic for 3 audits at 2000 dollars, PO 88123", client: "Massive Dynamic", items: [("Audits", "3", "2000", "USD")],
            po: "88123"),
        .init(
            utterance: "Bill Wonka for 40 hours of packaging design at 65 pounds, discount of 5 percent, purchase order number WX-19", client: "Wonka",
            items: [("Packaging design", "40", "65", "GBP")], discount: "5", po: "WX-19"),
        .init(
            utterance: "Charge Oscorp for eight hours of testing at 110 dollars, plus 20% VAT, due on the 3rd of January", client: "Oscorp",
            items: [("Testing", "8", "110", "USD")], taxRate: "20", dueDate: "the 3rd of january"),
        .init(
            utterance: "Bill Nakatomi for 5 days of security review at 1500 dollars a day, due tomorrow", client: "Nakatomi",
            items: [("Security review", "5", "1500", "USD")], dueDate: "tomorrow"),
    ]

    static let today = CalendarDate(year: 2026, month: 12, day: 1)

    @Test func fieldAccuracyOfTheRuleBasedExtractor() {
        #expect(Self.corpus.count >= 40)
        let extractor = RuleBasedExtractor()
        var fields = 0
        var correct = 0
        var misses: [String] = []
        for expected in Self.corpus {
            let result = extractor.extractSync(expected.utterance, context: ExtractionContext(today: Self.today, defaultCurrency: .usd))
            func check(_ name: String, _ ok: Bool) {
                fields += 1
                if ok { correct += 1 } else { misses.append("\(name) in \"\(expected.utterance)\"") }
            }
            check("client", result.clientName == expected.client)
            check("item count", result.items.count == expected.items.count)
            for (index, item) in expected.items.enumerated() where index < result.items.count {
                let got = result.items[index]
                check("description", got.description.lowercased() == item.0.lowercased())
                check("quantity", (try? Decimals.parse(got.quantity, scale: 3)) == (try? Decimals.parse(item.1, scale: 3)))
                check("unit price", (try? Decimals.parse(got.unitPrice, scale: 3)) == (try? Decimals.parse(item.2, scale: 3)))
                check("currency", got.currency == item.3)
            }
            check("due", result.dueInDays == expected.dueInDays)
            check("tax", result.taxRate == expected.taxRate)
            check(
                "due date",
                result.dueDate.flatMap { SpokenDate.resolve($0, today: Self.today) } == expected.dueDate.flatMap { SpokenDate.resolve($0, today: Self.today) })
            check("discount", result.discountPercent == expected.discount)
            check("PO", result.poNumber == expected.po)
        }
        let accuracy = Double(correct) / Double(fields)
        print("extractor corpus: \(Self.corpus.count) utterances, \(fields) fields, accuracy \(String(format: "%.1f", accuracy * 100)) %")
        for miss in misses { print("  miss: \(miss)") }
        #expect(accuracy >= 0.9, "field accuracy \(accuracy)")
    }
}
