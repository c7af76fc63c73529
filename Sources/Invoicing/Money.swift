/// Exact decimal arithmetic on integers. Money is always an `Int64` count of a currency's minor units;
/// quantities are `Int64` thousandths. No floating point touches an amount.
public enum MoneyError: Error, Equatable, Sendable {
    case notANumber(String)
    case tooPrecise(String, allowedDecimals: Int)
    case outOfRange
}

public enum Decimals {
    /// Parses a plain decimal ("1,200.50", "85", "0.125") into an integer scaled by 10^scale, exactly.
    /// Thousands separators are commas; more fractional digits than `scale` is an error, never a silent rounding.
    public static func parse(_ text: String, scale: Int) throws(MoneyError) -> Int64 {
        var trimmed = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if trimmed.first == "-" {
            negative = true
            trimmed = trimmed.dropFirst()
        }
        let parts = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0].filter { $0 != "," }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard !whole.isEmpty || !fraction.isEmpty,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { throw .notANumber(text) }
        // Trailing zeros beyond the scale carry no value ("85.00" for JPY is fine, "85.5" is not).
        var significant = fraction
        while significant.count > scale, significant.last == "0" { significant.removeLast() }
        guard significant.count <= scale else { throw .tooPrecise(text, allowedDecimals: scale) }
        let padded = significant + String(repeating: "0", count: scale - significant.count)
        guard whole.count + padded.count <= 18, let value = Int64((whole.isEmpty ? "0" : whole) + padded) else { throw .outOfRange }
        return negative ? -value : value
    }

    /// Renders `value / 10^scale` with exactly `scale` decimals.
    public static func format(_ value: Int64, scale: Int) -> String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        guard scale > 0 else { return sign + String(magnitude) }
        let divisor = UInt64(pow10(scale))
        let fraction = String(magnitude % divisor)
        return sign + String(magnitude / divisor) + "." + String(repeating: "0", count: scale - fraction.count) + fraction
    }

    /// Like `format`, without trailing fractional zeros: "12", "1.5", "8.25".
    public static func formatShortest(_ value: Int64, scale: Int) -> String {
        var text = self.format(value, scale: scale)
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// (a · b) / d rounded half away from zero, failing instead of overflowing.
    public static func mulDivRound(_ a: Int64, _ b: Int64, _ d: Int64) throws(MoneyError) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw .outOfRange }
        let quotient = product / d
        let remainder = product % d
        if remainder.magnitude * 2 >= d.magnitude {
            return quotient + ((product < 0) != (d < 0) ? -1 : 1)
        }
        return quotient
    }

    public static func pow10(_ n: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<n { value *= 10 }
        return value
    }
}

/// An amount of a currency in minor units.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    public var minorUnits: Int64
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// "1,200.50" in USD → 120050.
    public init(parsing text: String, currency: Currency) throws(MoneyError) {
        self.minorUnits = try Decimals.parse(text, scale: currency.minorUnits)
        self.currency = currency
    }

    /// Plain decimal with the currency's own number of decimals, e.g. "1020.00 USD".
    public var description: String { "\(self.decimalString) \(self.currency.code)" }
    public var decimalString: String { Decimals.format(self.minorUnits, scale: self.currency.minorUnits) }

    /// Human formatting with thousands separators and a symbol where one is unambiguous: "$1,020.00", "€85.00",
    /// "¥1,200", "1,200.000 KWD". Locale-aware formatting arrives with the invoice issue; this keeps the
    /// currency's own precision, which the original's hard-coded "$" did not.
    public var formatted: String {
        let plain = Decimals.format(self.minorUnits.magnitude > Int64.max.magnitude ? 0 : abs(self.minorUnits), scale: self.currency.minorUnits)
        let parts = plain.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = whole + grouped
        let number = parts.count == 2 ? grouped + "." + parts[1] : grouped
        let sign = self.minorUnits < 0 ? "-" : ""
        switch self.currency.code {
        case "USD": return sign + "$" + number
        case "EUR": return sign + "€" + number
        case "GBP": return sign + "£" + number
        case "JPY": return sign + "¥" + number
        default: return sign + number + " " + self.currency.code
        }
    }
}

/// A quantity in exact thousandths (12 hours = 12000, 1.5 days = 1500).
public struct Quantity: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let scale = 3
    public var thousandths: Int64

    public init(thousandths: Int64) { self.thousandths = thousandths }
    public init(parsing text: String) throws(MoneyError) { self.thousandths = try Decimals.parse(text, scale: Self.scale) }
    public init(_ whole: Int64) { self.thousandths = whole * 1000 }

    /// Shortest exact rendering: "12", "1.5", "0.125".
    public var description: String { Decimals.formatShortest(self.thousandths, scale: Self.scale) }

    // JSON carries quantities as numbers (what clients expect); the text form is exact for 3 decimals.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            let number = try container.decode(Double.self)
            text = String(format: "%.6f", number)
        }
        do { self = try Quantity(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "quantity must be a number with at most 3 decimals"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Double(self.description) ?? 0)
    }
}

/// A percentage held as basis points (8.25 % = 825), so tax maths stays in integers.
public struct TaxRate: Hashable, Sendable, Codable, CustomStringConvertible {
    public var basisPoints: Int64
    public init(basisPoints: Int64) { self.basisPoints = basisPoints }

    /// "8.25" → 825; at most two decimals, 0 ... 100.
    public init(percent text: String) throws(MoneyError) {
        let value = try Decimals.parse(text, scale: 2)
        guard (0...10_000).contains(value) else { throw .outOfRange }
        self.basisPoints = value
    }

    public var description: String { Decimals.formatShortest(self.basisPoints, scale: 2) }

    /// Encoded as a percentage number: 8.25.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) { text = string } else { text = String(format: "%.4f", try container.decode(Double.self)) }
        do { self = try TaxRate(percent: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "taxRate must be a percentage between 0 and 100 with at most 2 decimals"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Double(self.description) ?? 0)
    }
}
