// libFuzzer targets for every parser that request data, a provider's answer or a stored document reaches.
//
// Built only by scripts/fuzz.sh, with `-sanitize=fuzzer,address -parse-as-library -D FUZZING` (libFuzzer then
// provides `main` and calls `LLVMFuzzerTestOneInput`); `FUZZ_TARGET` picks the target. In an ordinary build the file
// is a small executable that says how to run it, so `swift build` of the package stays whole.
//
// A target fails by trapping: an overflow, an out-of-range subscript, a force-unwrap, or ASan's report. Each also
// checks a property of what it parsed (a round trip, a bound), trapping with `precondition` when it does not hold.
import CMongoC
import Dispatch
import Foundation
import Invoicing
import JWT
import NIOCore
@_spi(Generated) import OpenAPIRuntime
import OpenSSLSupport
import WireFormat

// The BSON target reads documents with the store's own internal reader; debug builds (the fuzz build is one) allow it.
#if DEBUG
    @testable import Storage
#else
    import Storage
#endif

enum FuzzTarget: String, CaseIterable {
    case transcript, numbers, json, headers, multipart, jwt, bson

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .transcript: Self.transcript(bytes)
        case .numbers: Self.numbers(bytes)
        case .json: Self.json(bytes)
        case .headers: Self.headers(bytes)
        case .multipart: Self.multipart(bytes)
        case .jwt: Self.jwt(bytes)
        case .bson: Self.bson(bytes)
        }
    }

    static let today = CalendarDate(year: 2026, month: 12, day: 1)
    static let extractor = RuleBasedExtractor()

    /// A sentence → extraction → a draft (or a DraftError): what `POST /api/invoices/transcript` does with it.
    static func transcript(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let extracted = Self.extractor.extractSync(text, context: ExtractionContext(today: Self.today, defaultCurrency: .usd, knownClients: ["Acme"]))
        let context = DraftContext(
            id: "0123456789abcdef0123456789abcdef", ownerId: "u", profile: BusinessProfile(), today: Self.today,
            now: Date(timeIntervalSince1970: 1_800_000_000),
            source: .transcript, transcript: text, usualRates: ["design": Money(minorUnits: Int64.max, currency: .usd)]
        )
        if let invoice = try? DraftBuilder().draft(from: extracted, context: context) {
            precondition(invoice.total == invoice.subtotal - invoice.discount + invoice.tax, "totals do not add up")
            precondition(invoice.items.allSatisfy { $0.amount >= 0 }, "a negative line")
        }
    }

    /// Decimal text as amounts, quantities, rates and dates; spoken dates.
    static func numbers(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for scale in 0...4 {
            if let value = try? Decimals.parse(text, scale: scale) {
                // What parses formats back to text that parses to the same value.
                precondition((try? Decimals.parse(Decimals.format(value, scale: scale), scale: scale)) == value, "decimal round trip")
                _ = Money(minorUnits: value, currency: .usd).formatted
            }
        }
        _ = try? Quantity(parsing: text)
        _ = try? TaxRate(percent: text)
        if let date = CalendarDate(text) { precondition(CalendarDate(date.description) == date, "date round trip") }
        _ = SpokenDate.resolve(text, today: Self.today)
        _ = TranscriptText.normalize(text)
    }

    /// JSON as clients, the AI provider and the SQLite store send it: stored invoices (then recomputed), profiles,
    /// the extraction contract, and the number types in both directions.
    static func json(_ bytes: [UInt8]) {
        let data = Data(bytes)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        if var invoice = try? decoder.decode(Invoice.self, from: data) {
            _ = try? invoice.recompute()
            _ = invoice.isOverdue(today: Self.today)
            _ = try? JSONEncoder().encode(invoice)
        }
        _ = try? decoder.decode(BusinessProfile.self, from: data)
        if let extracted = try? decoder.decode(ExtractedInvoice.self, from: data) {
            let context = DraftContext(
                id: "0123456789abcdef0123456789abcdef", ownerId: "u", profile: BusinessProfile(), today: Self.today, now: Date(), source: .voice,
                transcript: nil
            )
            _ = try? DraftBuilder().draft(from: extracted, context: context)
        }
        if let items = try? decoder.decode([LineItem].self, from: data), items.count <= 200 {
            var items = items
            _ = try? InvoiceMath.compute(items: &items, discountRate: .zero, taxRate: TaxRate(basisPoints: 825))
        }
        if let quantity = try? decoder.decode(Quantity.self, from: data) {
            precondition((try? decoder.decode(Quantity.self, from: JSONEncoder().encode(quantity))) == quantity, "quantity JSON round trip")
        }
        if let rate = try? decoder.decode(TaxRate.self, from: data) {
            precondition((try? decoder.decode(TaxRate.self, from: JSONEncoder().encode(rate))) == rate, "rate JSON round trip")
        }
        _ = try? decoder.decode(MinorUnits.self, from: data)
    }

    /// Header values, request paths, text rules and page cursors.
    static func headers(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = HeaderValues.mediaType(text)
        _ = HeaderValues.isJSON(text)
        _ = HeaderValues.parameter("boundary", in: text)
        if let token = HeaderValues.bearerToken(text) { precondition(!token.isEmpty && token.utf8.count < text.utf8.count, "bearer token") }
        _ = HeaderValues.entityTags(text)
        _ = HeaderValues.matches(text, etag: "\"x-1\"")
        _ = HeaderValues.acceptsCoding(text, "gzip")
        _ = HeaderValues.declaredLength(text.split(separator: "\n").map(String.init))
        _ = RequestPath.isCanonical(text)
        _ = TextRules.replacingForbidden(text)
        if let cursor = KeysetCursor(text) { precondition(KeysetCursor(cursor.encoded) == cursor, "cursor round trip") }
        _ = Base64URL.decode(text)
    }

    /// A multipart form as the invoice role's generated server reads an upload (OpenAPIRuntime's parser, the
    /// product's own since the roles are generated), fed in chunks whose size the first byte picks; every part's body is
    /// read, as `AudioUpload.first` reads them.
    static func multipart(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let size = Int(first) + 1
        var chunks: [ArraySlice<UInt8>] = []
        var offset = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            chunks.append(bytes[offset..<end])
            offset = end
        }
        let stream = AsyncStream<ArraySlice<UInt8>> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        let body = HTTPBody(stream, length: .unknown, iterationBehavior: .single)
        let converter = Converter(configuration: Configuration())
        let done = DispatchSemaphore(value: 0)
        let limit = bytes.count
        // libFuzzer calls in synchronously: the parse runs as a task and this thread waits for it.
        Task {
            defer { done.signal() }
            do {
                let form = try converter.getRequiredRequestBodyAsMultipart(
                    MultipartBody<Int>.self, from: body, transforming: { $0 }, boundary: "fuzzb", allowsUnknownParts: true,
                    requiredExactlyOncePartNames: ["audio"], requiredAtLeastOncePartNames: [], atMostOncePartNames: [], zeroOrMoreTimesPartNames: []
                ) { part in
                    var count = 0
                    for try await chunk in part.body { count += chunk.count }
                    return count
                }
                var total = 0
                for try await count in form { total += count }
                precondition(total <= limit, "parts hold more than was sent")
            } catch {}
        }
        done.wait()
    }

    static let keys: JWTKeyCollection = {
        var keys = JWTKeyCollection()
        if let algorithm = try? HS256(secret: Array("fuzz-secret-0123456789abcdef0123456789".utf8)) { keys.add(algorithm, kid: "k1") }
        return keys
    }()

    /// Tokens as a client sends them (header, claims, signature: the whole verification path), and a JWK Set as
    /// a JWKS endpoint answers.
    static func jwt(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let rules = VerificationRules(
            type: "at+jwt", issuer: "voice-invoice", audience: "voice-invoice-api", now: { Date(timeIntervalSince1970: 1_800_000_000) })
        _ = try? Self.keys.verify(text, as: AccessTokenClaims.self, rules: rules)
        _ = try? Self.keys.verify(text, as: GoogleIDTokenClaims.self, rules: .googleIDToken(clientIDs: ["c"]))
        if let set = try? JSONDecoder().decode(JWKSet.self, from: Data(bytes)) {
            var collection = JWTKeyCollection()
            _ = try? collection.add(jwks: set)
        }
    }

    /// BSON documents as MongoDB returns them: read into the tree, then decoded as stored types.
    static func bson(_ bytes: [UInt8]) {
        #if DEBUG
            guard bytes.count >= 5 else { return }
            guard let document = bytes.withUnsafeBufferPointer({ bson_new_from_data($0.baseAddress, $0.count) }) else { return }
            defer { bson_destroy(document) }
            let value = BSONDocument.readValue(document)
            _ = try? BSONDecoder().decode(Invoice.self, from: value)
            _ = try? BSONDecoder().decode(BusinessProfile.self, from: value)
            _ = try? BSONDecoder().decode([String: Int64].self, from: value)
        #endif
    }
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
        let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
        FuzzTarget.current.run(bytes)
        return 0
    }

    /// libFuzzer's driver, called explicitly: SwiftPM links a debug executable with `main` defined as the module's
    /// `<module>_main` (so that tests can link it), which keeps libFuzzer's own `main` out; this is that entry point.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
    ) -> CInt

    @_cdecl("VoiceInvoiceFuzz_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { start, size in fuzzOneInput(start, size) }
    }
#else
    @main
    struct FuzzUsage {
        static func main() {
            print("Fuzz targets (\(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))): run scripts/fuzz.sh, which builds this with libFuzzer.")
            // One pass over the committed seeds, so an ordinary build still exercises the targets' code.
            if let name = CommandLine.arguments.dropFirst().first, let target = FuzzTarget(rawValue: name) {
                for path in CommandLine.arguments.dropFirst(2) {
                    if let data = FileManager.default.contents(atPath: path) { target.run(Array(data)) }
                }
            }
        }
    }
#endif
