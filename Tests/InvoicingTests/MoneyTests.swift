import Testing

@testable import Invoicing

@Suite("Money maths")
struct MoneyTests {
    @Test func parsesPerCurrencyPrecision() throws {
        #expect(try Money(parsing: "1,200.50", currency: .usd).minorUnits == 120_050)
        #expect(try Money(parsing: "85", currency: .usd).minorUnits == 8500)
        #expect(try Money(parsing: "1200", currency: Currency(code: "JPY")!).minorUnits == 1200)
        #expect(try Money(parsing: "1.005", currency: Currency(code: "KWD")!).minorUnits == 1005)
        #expect(try Money(parsing: "85.00", currency: Currency(code: "JPY")!).minorUnits == 85)
        #expect(throws: MoneyError.self) { try Money(parsing: "85.5", currency: Currency(code: "JPY")!) }
        #expect(throws: MoneyError.self) { try Money(parsing: "1.001", currency: .usd) }
        #expect(throws: MoneyError.self) { try Money(parsing: "12abc", currency: .usd) }
        #expect(throws: MoneyError.self) { try Money(parsing: "99999999999999999999", currency: .usd) }
    }

    @Test func currencyCodesAreValidated() {
        #expect(Currency(code: "usd")?.code == "USD")
        #expect(Currency(code: "JPY")?.minorUnits == 0)
        #expect(Currency(code: "BHD")?.minorUnits == 3)
        #expect(Currency(code: "EUR")?.minorUnits == 2)
        #expect(Currency(code: "XYZ") == nil)
        #expect(Currency(code: "US") == nil)
    }

    @Test func lineAmountsRoundHalfAwayFromZero() throws {
        // 1.5 h × $33.33 = $49.995 → $50.00
        #expect(try InvoiceMath.lineAmount(quantity: Quantity(parsing: "1.5"), unitPrice: 3333) == 5000)
        // 0.333 × $1.00 = $0.333 → $0.33
        #expect(try InvoiceMath.lineAmount(quantity: Quantity(parsing: "0.333"), unitPrice: 100) == 33)
        #expect(try InvoiceMath.lineAmount(quantity: Quantity(12), unitPrice: 8500) == 102_000)
        #expect(throws: MoneyError.self) { try InvoiceMath.lineAmount(quantity: Quantity(thousandths: .max), unitPrice: 100) }
    }

    @Test func totalsRoundTaxOnceOnTheSubtotal() throws {
        let totals = try InvoiceMath.totals(amounts: [102_000, 60_000], taxRate: TaxRate(percent: "8.25"))
        #expect(totals.subtotal == 162_000)
        #expect(totals.tax == 13_365)
        #expect(totals.total == 175_365)
        let rounding = try InvoiceMath.totals(amounts: [1], taxRate: TaxRate(percent: "50"))
        #expect(rounding.tax == 1)  // 0.5 cent rounds away from zero
    }

    @Test func taxRateBounds() throws {
        #expect(try TaxRate(percent: "8.25").basisPoints == 825)
        #expect(throws: MoneyError.self) { try TaxRate(percent: "100.01") }
        #expect(throws: MoneyError.self) { try TaxRate(percent: "8.125") }
    }

    @Test func formatting() {
        #expect(Money(minorUnits: 123_456_789, currency: .usd).formatted == "$1,234,567.89")
        #expect(Money(minorUnits: 1200, currency: Currency(code: "JPY")!).formatted == "¥1,200")
        #expect(Money(minorUnits: 1005, currency: Currency(code: "KWD")!).formatted == "1.005 KWD")
        #expect(Money(minorUnits: -550, currency: Currency(code: "EUR")!).formatted == "-€5.50")
        #expect(Quantity(thousandths: 1500).description == "1.5")
    }

    @Test func calendarDates() {
        #expect(CalendarDate("2026-02-29") == nil)
        #expect(CalendarDate("2028-02-29") != nil)
        #expect(CalendarDate("2026-12-20")!.adding(days: 14).description == "2027-01-03")
    }
}
