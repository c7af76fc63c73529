import Foundation
import Testing

@testable import Invoicing

/// Drafting and the business memory as domain rules, on a fixed clock, without storage or HTTP: matching against the
/// address book, the client's and the profile's defaults, "today" in the profile's time zone, usual-rate warnings,
/// what an invoice teaches the memory, and the overdue flag in the invoice's own zone.
@Suite("Drafting and the business memory")
struct DraftingTests {
    static let eur = Currency(code: "EUR")!
    /// 2026-12-31 23:30 UTC: already 1 January 2027 in Auckland, still 31 December in New York.
    static let newYearsEve = Date(timeIntervalSince1970: 1_798_759_800)

    static func client(_ name: String, aliases: [String] = [], currency: Currency? = nil, terms: Int? = nil, tax: TaxRate? = nil) -> Client {
        var client = Client.new(id: "c-\(SearchText.fold(name))", ownerID: "owner", name: name, now: Self.newYearsEve)
        client.aliases = aliases
        client.currency = currency
        client.paymentTermsDays = terms
        client.taxRate = tax
        client.refreshKeys()
        return client
    }

    static func request(_ profile: BusinessProfile, client: Client? = nil) -> Drafting.Request {
        .init(id: "inv-1", ownerId: "owner", profile: profile, source: .transcript, transcript: "…", client: client)
    }

    static func said(_ name: String, price: String = "85", quantity: String = "12", description: String = "design") -> ExtractedInvoice {
        ExtractedInvoice(clientName: name, items: [.init(description: description, quantity: quantity, unit: "hours", unitPrice: price, currency: nil)])
    }

    @Test func todayIsTheProfilesWhereverTheServerIs() throws {
        let auckland = BusinessProfile(timeZone: "Pacific/Auckland")
        let newYork = BusinessProfile(defaultPaymentTermsDays: 14, timeZone: "America/New_York")
        let memory = BusinessMemory(clients: [], catalog: [])
        let early = try Drafting().draft(Self.said("Acme"), request: Self.request(auckland), memory: memory, now: Self.newYearsEve).invoice
        #expect(early.issueDate == CalendarDate(year: 2027, month: 1, day: 1) && early.dueDate == CalendarDate(year: 2027, month: 1, day: 31))
        #expect(early.timeZone == "Pacific/Auckland")
        let late = try Drafting().draft(Self.said("Acme"), request: Self.request(newYork), memory: memory, now: Self.newYearsEve).invoice
        #expect(late.issueDate == CalendarDate(year: 2026, month: 12, day: 31) && late.dueDate == CalendarDate(year: 2027, month: 1, day: 14))
    }

    @Test func aSpokenNameFindsItsClientByAliasAndTakesItsDefaults() throws {
        let acme = Self.client("Acme Corporation", aliases: ["ACME", "Acme Corp"], currency: Self.eur, terms: 7, tax: TaxRate(basisPoints: 2000))
        let memory = BusinessMemory(clients: [Self.client("Globex"), acme], catalog: [])
        let profile = BusinessProfile(defaultCurrency: .usd, defaultPaymentTermsDays: 30, taxRate: TaxRate(basisPoints: 1000))
        let draft = try Drafting().draft(Self.said("acmé corp."), request: Self.request(profile), memory: memory, now: Self.newYearsEve)
        #expect(draft.client?.id == acme.id && draft.invoice.clientId == acme.id)
        // The client's defaults over the profile's: currency, terms and tax.
        #expect(draft.invoice.to.name == "Acme Corporation" && draft.invoice.currency == Self.eur)
        #expect(draft.invoice.dueDate == CalendarDate(year: 2027, month: 1, day: 7))
        #expect(draft.invoice.taxRate == TaxRate(basisPoints: 2000))
        // 12 × 85.00 EUR = 1 020.00, +20 % = 1 224.00, all in cents.
        #expect(draft.invoice.subtotal == 102_000 && draft.invoice.tax == 20_400 && draft.invoice.total == 122_400)
        // An unknown name matches nothing and keeps the profile's defaults.
        let stranger = try Drafting().draft(Self.said("Initech"), request: Self.request(profile), memory: memory, now: Self.newYearsEve)
        #expect(stranger.client == nil && stranger.invoice.currency == .usd && stranger.invoice.taxRate == TaxRate(basisPoints: 1000))
        // A client chosen explicitly wins over the name said.
        let chosen = try Drafting().draft(Self.said("Globex"), request: Self.request(profile, client: acme), memory: memory, now: Self.newYearsEve)
        #expect(chosen.client?.id == acme.id)
    }

    @Test func aPriceFarFromTheUsualRateIsFlagged() throws {
        var acme = Self.client("Acme")
        let earlier = try Drafting().draft(
            Self.said("Acme", price: "85"), request: Self.request(BusinessProfile()), memory: BusinessMemory(clients: [acme], catalog: []),
            now: Self.newYearsEve)
        acme.remember(earlier.invoice, at: Self.newYearsEve)
        #expect(acme.rates.map(\.unitPrice) == [8500] && acme.invoiceCount == 1 && acme.lastInvoicedAt == earlier.invoice.createdAt)
        let memory = BusinessMemory(clients: [acme], catalog: [])
        // 850 for what is usually 85 (heard ten times too high) is a warning on the price; 90 is not.
        let far = try Drafting().draft(Self.said("Acme", price: "850"), request: Self.request(BusinessProfile()), memory: memory, now: Self.newYearsEve).invoice
        #expect(far.warnings.contains { $0.field == "items[0].unitPrice" })
        let near = try Drafting().draft(Self.said("Acme", price: "90"), request: Self.request(BusinessProfile()), memory: memory, now: Self.newYearsEve).invoice
        #expect(!near.warnings.contains { $0.field == "items[0].unitPrice" })
    }

    @Test func theMemoryKeepsTheNewestRatesWithinItsBounds() throws {
        var client = Self.client("Acme")
        for index in 0..<(Client.maximumRates + 10) {
            let said = Self.said("Acme", price: "\(index + 1)", description: "service \(index)")
            let invoice = try Drafting().draft(
                said, request: Self.request(BusinessProfile()), memory: BusinessMemory(clients: [client], catalog: []), now: Self.newYearsEve
            ).invoice
            client.remember(invoice, at: Self.newYearsEve)
        }
        #expect(client.rates.count == Client.maximumRates && client.invoiceCount == Client.maximumRates + 10)
        #expect(client.rates.first?.description == "service \(Client.maximumRates + 9)")
        // The same service again replaces its rate rather than adding one.
        let again = try Drafting().draft(
            Self.said("Acme", price: "7", description: "Service 59"), request: Self.request(BusinessProfile()),
            memory: BusinessMemory(clients: [client], catalog: []), now: Self.newYearsEve
        ).invoice
        client.remember(again, at: Self.newYearsEve)
        #expect(client.rates.count == Client.maximumRates && client.rates.filter { $0.service == "service 59" }.map(\.unitPrice) == [700])
        // The catalog entry of a line remembers its latest wording and rate, and counts its uses.
        var entry = CatalogEntry.first(id: "e", item: again.items[0], of: again)
        entry.remember(LineItem(description: "service 59 (rush)", quantity: Quantity(1), unit: nil, unitPrice: 900), of: again)
        #expect(entry.useCount == 2 && entry.unitPrice == 900 && entry.key == CatalogEntry.key("Service 59", again.currency))
    }

    @Test func vocabularyAndUsualRatesComeFromTheMemory() throws {
        var recent = Self.client("Recent Ltd", aliases: ["RL"])
        recent.invoiceCount = 3
        recent.lastInvoicedAt = Self.newYearsEve
        let never = Self.client("Never Billed")
        let entry = CatalogEntry(
            id: "e", ownerId: "owner", key: CatalogEntry.key("Design", .usd), description: "Design", unit: "hours", unitPrice: 9000, currency: .usd,
            useCount: 4,
            lastUsedAt: Self.newYearsEve, createdAt: Self.newYearsEve
        )
        let memory = BusinessMemory(clients: [never, recent], catalog: [entry])
        #expect(memory.vocabulary.clients == ["Recent Ltd", "RL"] && memory.vocabulary.services == ["Design"])
        #expect(memory.usualRates(for: nil)["design"] == Money(minorUnits: 9000, currency: .usd))
        #expect(memory.match("  rl ") == recent && memory.match("!!!") == nil)
    }

    @Test func overdueIsJudgedInTheInvoicesOwnZone() throws {
        let profile = BusinessProfile(defaultPaymentTermsDays: 0, timeZone: "Pacific/Auckland")
        let draft = try Drafting().draft(
            Self.said("Acme"), request: Self.request(profile), memory: BusinessMemory(clients: [], catalog: []), now: Self.newYearsEve
        ).invoice
        let invoice = try draft.finalized(sequence: 1, year: 2027, profile: profile, at: Self.newYearsEve)
        // Due 1 January 2027 (Auckland). On 2 January Auckland time it is overdue, though UTC is still on the 1st.
        let aucklandSecond = Self.newYearsEve.addingTimeInterval(24 * 3600 + 1800)
        #expect(invoice.today(at: aucklandSecond) == CalendarDate(year: 2027, month: 1, day: 2))
        #expect(invoice.isOverdue(today: invoice.today(at: aucklandSecond)))
        #expect(!invoice.isOverdue(today: invoice.today(at: Self.newYearsEve)))
    }
}
