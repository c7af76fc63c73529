import BenchFixtures
import Foundation
import Invoicing
import PDF

// One-thread throughput of the invoice work that is pure CPU: PDF rendering (1-page and 20-page invoices) and
// offline extraction (rules + DraftBuilder). Prints JSON for invoice.sh, which sets it beside ReportLab.
// Usage: invoice-bench <seconds>

let seconds = Double(CommandLine.arguments.dropFirst().first ?? "2") ?? 2

func pages(_ pdf: [UInt8]) -> Int {
    let text = String(decoding: pdf, as: UTF8.self)
    return text.components(separatedBy: "/Type /Page").count - 1 - (text.components(separatedBy: "/Type /Pages").count - 1)
}

func measure(_ body: () throws -> Void) rethrows -> Double {
    try body()  // warm-up (fontconfig cache, glyph caches)
    let start = Date()
    var count = 0
    while Date().timeIntervalSince(start) < seconds {
        try body()
        count += 1
    }
    return Double(count) / Date().timeIntervalSince(start)
}

let one = try benchInvoice(items: 3)
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "profile-one-page" {
    // For `perf record`: nothing but one-page renders.
    print(try measure { _ = try InvoicePDFRenderer.renderBlocking(one) })
    if let path = ProcessInfo.processInfo.environment["BENCH_PDF_OUT"] {
        try Data(try InvoicePDFRenderer.renderBlocking(one)).write(to: URL(fileURLWithPath: path))
    }
    exit(0)
}
let onePages = pages(try InvoicePDFRenderer.renderBlocking(one))
// Enough rows for 20 pages (the renderer has no item limit; the API caps drafts at 200 items of any length).
var many = 400
while pages(try InvoicePDFRenderer.renderBlocking(try benchInvoice(items: many))) < 20 { many += 20 }
while pages(try InvoicePDFRenderer.renderBlocking(try benchInvoice(items: many))) > 20 { many -= 1 }
let twenty = try benchInvoice(items: many)
let twentyPages = pages(try InvoicePDFRenderer.renderBlocking(twenty))
let onePerSecond = try measure { _ = try InvoicePDFRenderer.renderBlocking(one) }
let greek = try benchInvoice(items: 3, sender: "Studio Ωmega")
let greekPerSecond = try measure { _ = try InvoicePDFRenderer.renderBlocking(greek) }
let twentyPerSecond = try measure { _ = try InvoicePDFRenderer.renderBlocking(twenty) }

let utterances = [
    "Bill Acme for twelve hours of design at 85 dollars, due in two weeks",
    "Invoice Globex for three logos at $200 each and 2 hours of revisions at 60 dollars, plus 8.25% tax",
    "Charge Initech for 10 hours of consulting at €120 per hour, net 30, PO 4471",
    "Bill Wayne Enterprises for a website redesign for $2,500 with a 10% discount, due next Friday",
]
let profile = BusinessProfile(companyName: "Studio")
let today = CalendarDate("2026-11-27")!
var index = 0
let extractionsPerSecond = try measure {
    let extracted = RuleBasedExtractor().extractSync(utterances[index % utterances.count])
    index += 1
    _ = try DraftBuilder().draft(
        from: extracted, context: DraftContext(id: "id", ownerId: "o", profile: profile, today: today, now: Date(), source: .transcript, transcript: nil)
    )
}

// Sentences as people say them (fillers, corrections, idioms, a recogniser's lower case), extraction + draft.
let spoken = [
    "Um, so, bill Acme Corp for, uh, twelve hours of design work at eighty-five bucks an hour",
    "Invoice to Globex: three logos, two hundred euros each, and, uh, one hour of revisions at ninety euros",
    "hey can you make an invoice for initech forty hrs consulting at one twenty an hour due end of month",
    "Bill Acme for design, sorry, I mean development, 10 hours at 95 dollars",
]
let spokenPerSecond = try measure {
    let extracted = RuleBasedExtractor().extractSync(spoken[index % spoken.count])
    index += 1
    _ = try DraftBuilder().draft(
        from: extracted, context: DraftContext(id: "id", ownerId: "o", profile: profile, today: today, now: Date(), source: .transcript, transcript: nil)
    )
}
// Growth with length: one sentence with its item clause said 1, 10 and 100 times (extraction alone: 100 items is
// within what the parser reads; the draft's 200-item limit is the builder's).
var scaling: [String: Double] = [:]
for times in [1, 10, 100] {
    let text = "Um, bill Acme for " + String(repeating: "two hours of design at 85 dollars, uh, and ", count: times) + "one logo at 5 dollars"
    scaling["\(times)"] = measure { _ = RuleBasedExtractor().extractSync(text) }
}

let result: [String: Any] = [
    "spokenPerSecond": spokenPerSecond, "scaling": scaling,
    "onePagePerSecond": onePerSecond, "onePages": onePages, "greekPerSecond": greekPerSecond, "twentyPagePerSecond": twentyPerSecond,
    "twentyPages": twentyPages, "twentyItems": many,
    "extractionsPerSecond": extractionsPerSecond,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
