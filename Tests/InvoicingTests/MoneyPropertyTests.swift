import Foundation
import Testing

@testable import Invoicing

/// Properties of the money maths over many generated invoices (a seeded generator, so a failure reproduces): totals
/// never overflow silently, every line adds up, and JSON round-trips are identities.
@Suite("Money properties")
struct MoneyPropertyTests {
    /// SplitMix64: small, seedable, and the same on every machine.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let currencies = ["USD", "JPY", "KWD", "CLF", "EUR"].compactMap { Currency(code: $0) }

    /// Magnitudes from tiny to far beyond what fits, so that overflow paths are exercised as often as ordinary ones.
    static func amount(_ g: inout Generator) -> Int64 {
        switch Int.random(in: 0..<4, using: &g) {
        case 0: Int64.random(in: 0...10_000, using: &g)
        case 1: Int64.random(in: 0...10_000_000_000, using: &g)
        case 2: Int64.random(in: 0...999_999_999_999_999, using: &g)
        default: Int64.random(in: 0...Int64.max, using: &g)
        }
    }

    static func items(_ g: inout Generator) -> [LineItem] {
        (0..<Int.random(in: 1...12, using: &g)).map { _ in
            LineItem(
                description: "x", quantity: Quantity(thousandths: Int64.random(in: 1...(Bool.random(using: &g) ? 100_000 : Int64.max), using: &g)), unit: nil,
                unitPrice: Self.amount(&g), discountRate: TaxRate(basisPoints: Int64.random(in: 0...10_000, using: &g)),
                taxRate: Bool.random(using: &g) ? TaxRate(basisPoints: Int64.random(in: 0...10_000, using: &g)) : nil
            )
        }
    }

    @Test(arguments: 0..<20)
    func totalsAddUpOrFailLoudly(seed: UInt64) throws {
        var g = Generator(state: seed)
        for _ in 0..<200 {
            var items = Self.items(&g)
            let discount = TaxRate(basisPoints: Int64.random(in: 0...10_000, using: &g))
            let tax = TaxRate(basisPoints: Int64.random(in: 0...10_000, using: &g))
            let totals: Totals
            do { totals = try InvoiceMath.compute(items: &items, discountRate: discount, taxRate: tax) } catch {
                #expect(error == .outOfRange)
                continue
            }
            // Every printed line adds up, in exact integers.
            #expect(totals.subtotal == items.reduce(0) { $0 + $1.amount })
            #expect(totals.total == totals.subtotal - totals.discount + totals.tax)
            #expect(totals.tax == totals.taxBreakdown.reduce(0) { $0 + $1.tax })
            #expect(totals.subtotal - totals.discount == totals.taxBreakdown.reduce(0) { $0 + $1.taxable })
            for item in items {
                #expect(item.amount >= 0)
                #expect(item.amount <= (try InvoiceMath.lineAmount(quantity: item.quantity, unitPrice: item.unitPrice)))
            }
            #expect(totals.total.magnitude <= 999_999_999_999_999)
        }
    }

    @Test(arguments: 0..<10)
    func decimalTextRoundTrips(seed: UInt64) throws {
        var g = Generator(state: seed)
        for _ in 0..<500 {
            let currency = Self.currencies[Int.random(in: 0..<Self.currencies.count, using: &g)]
            let value = Int64.random(in: -999_999_999_999_999...999_999_999_999_999, using: &g) / Decimals.pow10(Int.random(in: 0...10, using: &g))
            let money = Money(minorUnits: value, currency: currency)
            #expect(try Money(parsing: money.decimalString, currency: currency) == money)
            let quantity = Quantity(thousandths: Int64.random(in: 1...999_999_999_999, using: &g))
            #expect(try Quantity(parsing: quantity.description) == quantity)
        }
    }

    @Test(arguments: 0..<10)
    func jsonRoundTripsAreIdentities(seed: UInt64) throws {
        var g = Generator(state: seed)
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        for _ in 0..<200 {
            // Quantities and rates as clients see them: JSON numbers (up to 12 integer digits for quantities).
            let quantity = Quantity(thousandths: Int64.random(in: 1...999_999_999_999_999, using: &g))
            #expect(try decoder.decode(Quantity.self, from: encoder.encode(quantity)) == quantity)
            let rate = TaxRate(basisPoints: Int64.random(in: 0...10_000, using: &g))
            #expect(try decoder.decode(TaxRate.self, from: encoder.encode(rate)) == rate)
            let amount = Self.amount(&g)
            #expect(try decoder.decode(MinorUnits.self, from: encoder.encode(amount)).value == amount)
            var items = Self.items(&g).map { item -> LineItem in
                var item = item
                item.quantity = Quantity(thousandths: item.quantity.thousandths % 1_000_000 + 1)
                item.unitPrice = item.unitPrice % 1_000_000_000
                return item
            }
            _ = try InvoiceMath.compute(items: &items, discountRate: .zero, taxRate: rate)
            #expect(try decoder.decode([LineItem].self, from: encoder.encode(items)) == items)
        }
    }

    @Test func amountsAreIntegersOnly() {
        let decoder = JSONDecoder()
        for text in ["\"500.00\"", "500.5", "\"50000\"", "1e400", "null", "true", "[1]"] {
            #expect(throws: DecodingError.self) { try decoder.decode(MinorUnits.self, from: Data(text.utf8)) }
        }
        #expect(throws: DecodingError.self) { try decoder.decode(Quantity.self, from: Data("\"12\"".utf8)) }
        #expect(throws: DecodingError.self) { try decoder.decode(TaxRate.self, from: Data("\"8.25\"".utf8)) }
        #expect(throws: DecodingError.self) { try decoder.decode(TaxRate.self, from: Data("100.01".utf8)) }
    }
}
