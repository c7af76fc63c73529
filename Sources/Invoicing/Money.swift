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
        // Longer than any representable amount with its separators: refused before any per-character work.
        guard trimmed.utf8.count <= 64 else { throw .outOfRange }
        let parts = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = (parts.first ?? "").filter { $0 != "," }
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
        guard d != 0 else { throw .outOfRange }
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

    // JSON carries quantities as numbers, in requests and responses alike; a string is refused, so there is one form.
    public init(from decoder: any Decoder) throws {
        let text = try JSONNumberText.decode(from: decoder, what: "quantity must be a JSON number with at most 3 decimals, e.g. 12 or 1.5")
        do { self = try Quantity(parsing: text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "quantity must be a JSON number with at most 3 decimals, e.g. 12 or 1.5"))
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

    /// A percentage number in both directions: 8.25 (a string is refused, so there is one form).
    public init(from decoder: any Decoder) throws {
        let message = "rates are JSON numbers in percent between 0 and 100 with at most 2 decimals, e.g. 8.25"
        let text = try JSONNumberText.decode(from: decoder, what: message)
        do { self = try TaxRate(percent: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Double(self.description) ?? 0)
    }
}

/// A JSON number as exact decimal text: the shortest text that reads back as the same binary number ("85.5", not
/// "85.500000000001"), which is the text the client wrote for any number with at most 15 significant digits.
enum JSONNumberText {
    static func decode(from decoder: any Decoder, what: String) throws -> String {
        let container = try decoder.singleValueContainer()
        guard let number = try? container.decode(Double.self), number.isFinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: what))
        }
        let shortest = "\(number)"
        // Exponent forms ("1e-05", "1e+20") are spelled out; beyond 64 characters the parsers refuse them anyway.
        return shortest.contains("e") ? String(format: "%.6f", number) : shortest
    }
}

/// An amount in a request: an integer count of the currency's minor units, exactly as every response carries
/// amounts. A string ("500.00") or a fraction (500.5) is refused with a detail that says the unit, so a client that
/// sends major units learns it at once instead of billing a hundredth (or a hundred times) of what it meant.
public struct MinorUnits: Decodable, Sendable, Hashable {
    public static let explanation = "amounts are integer minor units of the currency: 50000 is 500.00 USD, 500 is 500 JPY"
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = try? container.decode(Int64.self) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: Self.explanation))
        }
        self.value = value
    }
}
