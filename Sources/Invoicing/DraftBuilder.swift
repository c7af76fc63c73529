import Foundation

/// Why a transcript could not become an invoice; each case is the client's to fix (422 at the API).
public struct DraftError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Turns what was said into a draft invoice: validates and normalises every value, then computes every amount.
/// The extractor's output is untrusted input here, whoever produced it.
public struct DraftBuilder: Sendable {
    public static let maximumItems = 200
    public static let maximumTextLength = 500

    public init() {}

    public func draft(
        from extracted: ExtractedInvoice, profile: BusinessProfile, today: CalendarDate,
        id: String, ownerId: String, number: String? = nil, transcript: String?, now: Date
    ) throws(DraftError) -> Invoice {
        guard let clientName = extracted.clientName.map(Self.clean), !clientName.isEmpty else {
            throw DraftError("No client was named; say who to bill, e.g. \"Bill Acme for …\".")
        }
        guard !extracted.items.isEmpty else {
            throw DraftError("No line items with a price were found; say e.g. \"3 hours of design at 85 dollars\".")
        }
        guard extracted.items.count <= Self.maximumItems else { throw DraftError("At most \(Self.maximumItems) line items are allowed.") }

        let currency: Currency
        if let code = extracted.currency {
            guard let found = Currency(code: code) else { throw DraftError("\(code) is not an ISO 4217 currency.") }
            currency = found
        } else {
            currency = profile.defaultCurrency
        }

        var warnings = extracted.warnings
        var items: [LineItem] = []
        for item in extracted.items {
            let description = Self.clean(item.description)
            guard !description.isEmpty else { throw DraftError("A line item has no description.") }
            let quantity: Quantity
            do { quantity = try Quantity(parsing: item.quantity) } catch {
                throw DraftError("The quantity \"\(item.quantity)\" of \"\(description)\" is not a number with at most 3 decimals.")
            }
            guard quantity.thousandths > 0 else { throw DraftError("The quantity of \"\(description)\" must be positive.") }
            let unitPrice: Money
            do { unitPrice = try Money(parsing: item.unitPrice, currency: currency) } catch {
                throw DraftError("The price \"\(item.unitPrice)\" of \"\(description)\" is not a valid \(currency.code) amount.")
            }
            guard unitPrice.minorUnits >= 0 else { throw DraftError("The price of \"\(description)\" must not be negative.") }
            if unitPrice.minorUnits == 0 { warnings.append("\"\(description)\" has a price of zero.") }
            let amount: Int64
            do { amount = try InvoiceMath.lineAmount(quantity: quantity, unitPrice: unitPrice.minorUnits) } catch {
                throw DraftError("The amount of \"\(description)\" is too large.")
            }
            items.append(LineItem(description: description, quantity: quantity, unit: item.unit, unitPrice: unitPrice.minorUnits, amount: amount))
        }

        let taxRate: TaxRate
        if let said = extracted.taxRate {
            do { taxRate = try TaxRate(percent: said) } catch { throw DraftError("The tax rate \"\(said)%\" must be between 0 and 100 with at most 2 decimals.") }
        } else {
            taxRate = profile.taxRate
        }
        let totals: Totals
        do { totals = try InvoiceMath.totals(amounts: items.map(\.amount), taxRate: taxRate) } catch { throw DraftError("The invoice total is too large.") }

        let termsDays = extracted.dueInDays ?? profile.defaultPaymentTermsDays
        guard (0...3650).contains(termsDays) else { throw DraftError("Payment terms must be between 0 and 3650 days.") }

        let notes = extracted.notes.map(Self.clean).flatMap { $0.isEmpty ? nil : $0 }
        return Invoice(
            id: id, ownerId: ownerId, number: number, status: .draft, issueDate: today, dueDate: today.adding(days: termsDays),
            currency: currency, from: profile.asSender, to: Party(name: clientName), items: items, taxRate: taxRate, totals: totals,
            notes: notes, originalTranscript: transcript, warnings: warnings, createdAt: now
        )
    }

    /// Trims, collapses whitespace and bounds the length of text that will be printed on an invoice.
    static func clean(_ text: String) -> String {
        let collapsed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return String(collapsed.prefix(Self.maximumTextLength))
    }
}
