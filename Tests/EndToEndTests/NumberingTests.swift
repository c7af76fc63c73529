import Foundation
import ServiceKit
import TestSupport
import Testing

/// Gapless, collision-free numbering under concurrency, on both engines.
@Suite("Invoice numbering", .serialized)
struct NumberingTests {
    @Test(arguments: ["sqlite", "mongodb"])
    func tenConcurrentFinalizationsAreGapless(engine: String) async throws {
        let common = engine == "mongodb" ? ["MONGODB_URI": try MongoPeer.uri()] : [:]
        try await Cluster.run(common: common) { c in
            let (token, _) = try await c.register("numbers-\(engine)@example.com")
            var ids: [String] = []
            for n in 0..<12 {
                let draft = try await c.call(
                    "POST", c.gateway + "/api/invoices/transcript", token: token,
                    json: ["transcript": "Bill Client\(n) for \(n + 1) hours of work at 10 dollars"])
                ids.append(try #require(draft.json["id"] as? String))
            }
            // Two drafts disappear before anything is finalized: they must not leave holes.
            for id in ids.suffix(2) { #expect(try await c.call("DELETE", c.gateway + "/api/invoices/\(id)", token: token).status == 204) }
            let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
                for id in ids.prefix(10) {
                    group.addTask { try await c.call("POST", c.gateway + "/api/invoices/\(id)/finalize", token: token).json["number"] as? String }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(numbers.compactMap { $0 }.sorted() == (1...10).map { "INV-\(year)-" + String(format: "%04d", $0) })
        }
    }
}
