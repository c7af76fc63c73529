import Foundation
import Invoicing
import PDF

// One-thread throughput of the invoice work that is pure CPU: PDF rendering (1-page and 20-page invoices) and
// offline extraction (rules + DraftBuilder). Prints JSON for invoice.sh, which sets it beside ReportLab.
// Usage: invoice-bench <seconds>

let seconds = Double(CommandLine.arguments.dropFirst().first ?? "2") ?? 2

/// The invoice ReportLab's script draws too (Benchmarks/reportlab_invoice.py): same parties, items, notes and terms.
/// `sender` "Studio Omega" keeps every glyph in WinAnsi (a typical Latin invoice, accents included); "Studio Ωmega"
/// adds a glyph outside it, which makes cairo embed a second (CID) subset of each font.
func invoice(items: Int, sender: String = "Studio Omega") throws -> Invoice {
    let lines = (0..<items).map { n in
        LineItem(
            description: "Design work, phase \(n + 1): wireframes, review and revisions", quantity: Quantity(Int64(n % 7 + 1)), unit: "hour", unitPrice: 8500)
    }
    var invoice = try Invoice(
        id: "0123456789abcdef0123456789abcdef", ownerId: "bench", status: .finalized, source: .manual, issueDate: CalendarDate("2026-11-27")!,
        dueDate: CalendarDate("2026-12-27")!, currency: Currency(code: "EUR")!,
        from: Party(name: sender, address: "1 Rue de la Paix, 75002 Paris", phone: "+33 1 23 45 67 89", email: "billing@omega.example"),
        to: Party(name: "Müller & Söhne GmbH", address: "Hauptstraße 5, 10115 Berlin"), items: lines, taxRate: try TaxRate(percent: "20"),
        notes: "Merci pour votre confiance !", terms: "Payable within 30 days by bank transfer.", poNumber: "PO-7781",
        createdAt: Date(timeIntervalSince1970: 1_795_000_000)
    )
    invoice.number = "INV-2026-0042"
    return invoice
}

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

let one = try invoice(items: 3)
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
while pages(try InvoicePDFRenderer.renderBlocking(try invoice(items: many))) < 20 { many += 20 }
while pages(try InvoicePDFRenderer.renderBlocking(try invoice(items: many))) > 20 { many -= 1 }
let twenty = try invoice(items: many)
let twentyPages = pages(try InvoicePDFRenderer.renderBlocking(twenty))
let onePerSecond = try measure { _ = try InvoicePDFRenderer.renderBlocking(one) }
let greek = try invoice(items: 3, sender: "Studio Ωmega")
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
