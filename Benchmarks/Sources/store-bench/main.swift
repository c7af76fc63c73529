import Foundation
import Invoices
import Invoicing
import Storage

// Store throughput through the DocumentStore interface, as the invoice role uses it:
// insert an invoice, get one by id (owner-scoped), and list a page of 50 newest-first among N invoices of one user.
// Usage: store-bench sqlite N | store-bench mongodb N URI      Prints one JSON object.

let arguments = CommandLine.arguments
let engine = arguments.count > 1 ? arguments[1] : "sqlite"
let count = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000

// The invoice role's own collection spec, so the indexes measured are the role's.
let collections = InvoiceStorage.collections

let store: any DocumentStore
if engine == "mongodb" {
    store = try MongoStore(uri: arguments[3], database: nil, appName: "voice-invoice-bench")
} else {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-bench-\(UUID().uuidString).sqlite").path
    store = try SQLiteStore(path: path)
}
try await store.prepare(collections)

// `Invoice: StoredDocument` comes with the Invoices module, as in the role.

let owner = DocumentID.make()
let clientIDs = (0..<1000).map { _ in DocumentID.make() }
// Five years of invoices, evenly spread, so that date filters select a realistic share.
let span = 5 * 365 * 86_400.0
let step = span / Double(max(1, count))
let taxRate = try TaxRate(percent: "8.25")
func invoice(_ n: Int, at date: Date) throws -> Invoice {
    let items = [LineItem(description: "Design work \(n)", quantity: Quantity(12), unit: "hour", unitPrice: 8500)]
    // The domain's initialiser computes the amounts and totals, as the invoice role's drafts do.
    var invoice = try Invoice(
        id: DocumentID.make(), ownerId: owner, source: .transcript, issueDate: CalendarDate(date), dueDate: CalendarDate(date).adding(days: 30),
        currency: .usd, from: Party(name: "Studio"), to: Party(name: "Client \(n % 50)"), items: items, taxRate: taxRate,
        originalTranscript: "Bill Client for 12 hours of design at 85 dollars", createdAt: date
    )
    invoice.number = String(format: "INV-%06d", n)
    // A user's mix: a third drafts, then finalized, sent (some overdue), paid and void; a thousand clients.
    let statuses: [InvoiceStatus] = [.draft, .draft, .finalized, .sent, .sent, .sent, .paid, .paid, .void]
    invoice.status = statuses[n % statuses.count]
    invoice.clientId = clientIDs[n % clientIDs.count]
    if invoice.status == .paid || invoice.status == .void { invoice.balance = 0 }
    return invoice
}

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
let clock = ContinuousClock()

// Insert N invoices, one at a time, as the API does.
var ids: [String] = []
ids.reserveCapacity(count)
let base = Date.storeNow.addingTimeInterval(-span)
let insertStart = clock.now
for n in 0..<count {
    let document = try invoice(n, at: base.addingTimeInterval(Double(n) * step))
    try await store.insert(document, into: "invoices")
    ids.append(document.id)
}
let insertRate = Double(count) / seconds(clock.now - insertStart)

// Get by id, owner-scoped.
let gets = min(count, engine == "mongodb" ? 500 : 5_000)
let getStart = clock.now
for _ in 0..<gets {
    let id = ids.randomElement()!
    guard try await store.findOne(Invoice.self, in: "invoices", where: .and([.equal("id", .string(id)), .equal("ownerId", .string(owner))])) != nil else {
        fatalError("missing")
    }
}
let getRate = Double(gets) / seconds(clock.now - getStart)

// A page of 50, newest first, after a random cursor position (keyset paging as the API does it).
let lists = engine == "mongodb" ? 30 : 500
var latencies: [Double] = []
let sort = [SortField("createdAt", descending: true), SortField("id", descending: true)]
for round in 0..<lists {
    let start = clock.now
    var filter: Filter = .equal("ownerId", .string(owner))
    if round % 2 == 1 {
        let after = base.addingTimeInterval(Double(Int.random(in: 50..<count)) * step)
        filter = .and([filter, .less("createdAt", .date(after))])
    }
    let page = try await store.find(Invoice.self, in: "invoices", where: filter, sort: sort, limit: 51)
    guard page.count >= 50 || count < 100 else { fatalError("short page \(page.count)") }
    latencies.append(seconds(clock.now - start) * 1000)
}
let sorted = latencies.sorted()
let p50 = sorted[min(sorted.count - 1, sorted.count / 2)]
let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
// The first page of 50 under each filter the API offers (InvoiceController.listFilter builds the same ones), with
// SQLite's query plan, so that a filter that scans shows which index it lacks.
let owned: Filter = .equal("ownerId", .string(owner))
let today = CalendarDate(Date.storeNow)
let window = CalendarDate(base.addingTimeInterval(span / 2))
let filters: [(String, Filter)] = [
    ("status=sent", .and([owned, .equal("status", .string("sent"))])),
    (
        "status=overdue",
        .and([
            owned, .or([.equal("status", .string("finalized")), .equal("status", .string("sent"))]), .less("dueDate", .string(today.description)),
            .greater("balance", .int(0)),
        ])
    ),
    ("status=void", .and([owned, .equal("status", .string("void"))])),
    ("clientId=one of 1000", .and([owned, .equal("clientId", .string(clientIDs[7]))])),
    (
        "from/to=30 days",
        .and([owned, .greater("issueDate", .string(window.adding(days: -1).description)), .less("issueDate", .string(window.adding(days: 31).description))])
    ),
    ("q=a hit", .and([owned, .contains("searchText", "design work \(count / 3)")])),
    ("q=in every invoice", .and([owned, .contains("searchText", "design work")])),
    ("q=two letters, no hit", .and([owned, .contains("searchText", "zq")])),
    ("q=no hit", .and([owned, .contains("searchText", "zzqx")])),
]
var filtered: [[String: Any]] = []
for (name, filter) in filters {
    var times: [Double] = []
    for _ in 0..<(engine == "mongodb" ? 5 : 60) {
        let start = clock.now
        _ = try await store.find(Invoice.self, in: "invoices", where: filter, sort: sort, limit: 51)
        times.append(seconds(clock.now - start) * 1000)
    }
    times.sort()
    var row: [String: Any] = ["filter": name, "p50Ms": times[times.count / 2], "p99Ms": times[min(times.count - 1, Int(Double(times.count) * 0.99))]]
    if let sqlite = store as? SQLiteStore {
        row["plan"] = try await sqlite.queryPlan(in: "invoices", where: filter, sort: sort, limit: 51).joined(separator: "; ")
    }
    filtered.append(row)
}

let result: [String: Any] = [
    "engine": engine, "invoices": count, "insertPerSecond": insertRate, "getPerSecond": getRate,
    "listPerSecond": 1000 / (latencies.reduce(0, +) / Double(latencies.count)), "listP50Ms": p50, "listP99Ms": p99, "filters": filtered,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
