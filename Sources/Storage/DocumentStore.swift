import Foundation
import WireFormat

/// A value a query may compare against. Queries are built from these typed values only, never from JSON a client
/// sent, so `{"email": {"$ne": null}}` can never become an operator.
public enum FieldValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case date(Date)
    case null
}

/// A filter over document fields (dotted paths). The small set of operators the roles need, nothing more.
public indirect enum Filter: Sendable {
    case equal(String, FieldValue)
    case less(String, FieldValue)
    case greater(String, FieldValue)
    /// The string field contains `text` literally (case-sensitive; store a folded copy of what should be searched).
    case contains(String, String)
    /// The array field has an element equal to the value (MongoDB's equality on an array; SQLite through json_each).
    case hasElement(String, FieldValue)
    case and([Filter])
    case or([Filter])

    public static let all = Filter.and([])
}

public struct SortField: Sendable {
    public var field: String
    public var descending: Bool
    public init(_ field: String, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }
}

public struct IndexSpec: Sendable {
    public var name: String
    public var fields: [String]
    public var unique: Bool
    /// For unique indexes on optional fields: documents without the field are not indexed (MongoDB `sparse`;
    /// SQLite's unique indexes already let any number of NULLs through).
    public var sparse: Bool
    /// The engines that build this index (nil: every engine). An index on an array field is MongoDB's alone: SQLite's
    /// expression index would index the array's JSON text, which no query can use.
    public var engines: Set<String>?
    public init(name: String, fields: [String], unique: Bool = false, sparse: Bool = false, engines: Set<String>? = nil) {
        self.name = name
        self.fields = fields
        self.unique = unique
        self.sparse = sparse
        self.engines = engines
    }
}

/// A collection a role owns, with the indexes it relies on (created at start-up).
public struct CollectionSpec: Sendable {
    public var name: String
    public var indexes: [IndexSpec]
    /// A string field that `Filter.contains` searches: SQLite keeps an FTS5 trigram index of it, so a search with
    /// few or no hits reads only the rows that match instead of walking the owner's documents. MongoDB has no
    /// substring index (its text index matches whole words), so there it stays a filtered walk.
    public var searchField: String?
    /// Names of indexes earlier versions created and this one no longer wants; dropped at start-up (an index
    /// left behind is still written on every insert).
    public var retiredIndexes: [String]
    public init(name: String, indexes: [IndexSpec] = [], searchField: String? = nil, retiredIndexes: [String] = []) {
        self.name = name
        self.indexes = indexes
        self.searchField = searchField
        self.retiredIndexes = retiredIndexes
    }
}

/// Why a store operation failed, in terms the API can map: conflict → 409, unavailable → 503.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable { case duplicateKey, unavailable, invalidQuery, corrupt }
    public let code: Code
    public let detail: String
    public var description: String { "StoreError.\(self.code): \(self.detail)" }

    public static func duplicateKey(_ detail: String) -> StoreError { .init(code: .duplicateKey, detail: detail) }
    public static func unavailable(_ detail: String) -> StoreError { .init(code: .unavailable, detail: detail) }
    public static func invalidQuery(_ detail: String) -> StoreError { .init(code: .invalidQuery, detail: detail) }
    public static func corrupt(_ detail: String) -> StoreError { .init(code: .corrupt, detail: detail) }
}

/// A stored document: Codable with a string `id` (the engines map it to their primary key, `_id` in MongoDB).
public protocol StoredDocument: Codable, Sendable {
    var id: String { get }
}

/// The store interface every repository is written against. It is shaped after what MongoDB offers (documents,
/// unique indexes, conditional replaces, sorted and filtered queries with a limit), so the SQLite engine and the MongoDB
/// engine implement the same semantics and a repository never knows which one it has.
public protocol DocumentStore: Sendable {
    /// "sqlite" or "mongodb", for logs and readiness.
    var engine: String { get }
    /// Creates collections and their indexes; idempotent, run at start-up.
    func prepare(_ collections: [CollectionSpec]) async throws
    /// Inserts a new document; a unique index violation throws `StoreError.duplicateKey`.
    func insert<D: StoredDocument>(_ document: D, into collection: String) async throws
    func findOne<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter) async throws -> D?
    func find<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter, sort: [SortField], limit: Int) async throws -> [D]
    /// Replaces the first document matching `filter` (which should pin the id); returns whether one matched.
    func replaceOne<D: StoredDocument>(_ document: D, in collection: String, where filter: Filter) async throws -> Bool
    /// Deletes matching documents and returns how many.
    func delete(in collection: String, where filter: Filter) async throws -> Int
    /// How many documents match, counted by the engine (nothing is decoded).
    func count(in collection: String, where filter: Filter) async throws -> Int
    /// Cheap round trip for readiness checks.
    func ping() async throws
}

/// The one date format documents use in JSON-based engines: UTC with milliseconds, fixed width, so text order is time
/// order. Every date goes through an integer count of milliseconds (the precision of a BSON datetime) in both
/// directions, so a stored date reads back as exactly the same `Date` value.
public enum StoreDates {
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// "YYYY-MM-DDTHH:MM:SS.mmmZ". Hand-written from the civil-from-days algorithm (H. Hinnant's, Gregorian) rather
    /// than through Foundation's formatter: this runs for every date of every stored document and every bound date,
    /// and the formatter with `String(format:)` was a visible share of the store thread's CPU. Years before 1583 take
    /// Foundation's path, which switches to the Julian calendar there (and its parser reads them back the same way),
    /// as do years past 9999, which the fixed width cannot hold; the tests compare both paths.
    public static func string(_ date: Date) -> String {
        let ms = self.milliseconds(date)
        let (days, remainder) = ms.quotientAndRemainder(dividingBy: 86_400_000)
        let day = remainder < 0 ? days - 1 : days
        let time = remainder < 0 ? remainder + 86_400_000 : remainder
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (1583...9999).contains(year) else { return self.formatted(milliseconds: ms) }
        let dayOfMonth = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(48 + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4)
        bytes.append(45)
        digits(month, 2)
        bytes.append(45)
        digits(dayOfMonth, 2)
        bytes.append(84)
        digits(time / 3_600_000, 2)
        bytes.append(58)
        digits(time / 60_000 % 60, 2)
        bytes.append(58)
        digits(time / 1000 % 60, 2)
        bytes.append(46)
        digits(time % 1000, 3)
        bytes.append(90)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same text through Foundation's ISO 8601 formatter (years outside 1583...9999, and the tests' reference).
    static func formatted(milliseconds ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let fraction = ms - seconds * 1000
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())  // "…T10:00:00Z"
        return String(whole.dropLast()) + String(format: ".%03lldZ", fraction)
    }

    public static func date(_ text: String) -> Date? {
        guard text.hasSuffix("Z"), let dot = text.lastIndex(of: ".") else {
            return (try? Date.ISO8601FormatStyle().parse(text)).map { self.date(milliseconds: self.milliseconds($0)) }
        }
        let fractionText = text[text.index(after: dot)..<text.index(before: text.endIndex)]
        guard fractionText.count == 3, let fraction = Int64(fractionText), let whole = try? Date.ISO8601FormatStyle().parse(String(text[..<dot]) + "Z") else {
            return nil
        }
        return self.date(milliseconds: self.milliseconds(whole) + fraction)
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(StoreDates.string(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = StoreDates.date(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad stored date \(text)"))
            }
            return date
        }
        return decoder
    }
}

extension Date {
    /// Now, at whole milliseconds: the precision both engines store (BSON datetime is milliseconds).
    public static var storeNow: Date {
        StoreDates.date(milliseconds: StoreDates.milliseconds(Date()))
    }
}

/// Identifiers: 128 random bits as 32 lowercase hex characters. String ids (not ObjectIds) because the same id must
/// be valid in both engines and in URLs; a malformed id simply matches nothing (404), it can never fail to parse.
public enum DocumentID {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.lowercase(generator.next() as UInt64) + Hex.lowercase(generator.next() as UInt64)
    }

    public static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
