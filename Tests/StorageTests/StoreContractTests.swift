import Foundation
import TestSupport
import Testing

@testable import Storage

/// The store contract: the same cases on the SQLite engine and on the MongoDB engine (libmongoc against the
/// wire-protocol peer in Tests/Peers/mongo_peer.py).
@Suite("Document store contract")
struct StoreContractTests {
    static let engines = ["sqlite", "mongodb"]
    struct Item: StoredDocument, Equatable {
        var id: String
        var owner: String
        var email: String
        var rank: Int64
        var createdAt: Date
        var tags: [String]
        var nested: Nested?
    }

    struct Nested: Codable, Equatable, Sendable {
        var big: Int64
        var note: String?
    }

    static let collections = [
        CollectionSpec(
            name: "items",
            indexes: [IndexSpec(name: "email", fields: ["email"], unique: true), IndexSpec(name: "owner_created", fields: ["owner", "createdAt"])],
            // SQLite answers `contains` on email from a trigram index; every contains test below goes through it.
            searchField: "email", retiredIndexes: ["owner_rank"])
    ]

    func makeStore(_ engine: String) async throws -> any DocumentStore {
        let store: any DocumentStore
        if engine == "mongodb" {
            store = try MongoStore(uri: try MongoPeer.uri(), database: nil, appName: "voice-invoice-tests")
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-tests-\(UUID().uuidString)")
            store = try SQLiteStore(path: directory.appendingPathComponent("test.sqlite").path)
        }
        try await store.prepare(Self.collections)
        try await store.prepare(Self.collections)  // idempotent
        return store
    }

    func item(_ n: Int, owner: String = "alice", at date: Date = .storeNow) -> Item {
        Item(
            id: DocumentID.make(), owner: owner, email: "user\(n)@example.com", rank: Int64(n), createdAt: date, tags: ["t\(n)"],
            nested: Nested(big: Int64.max - Int64(n), note: nil))
    }

    @Test(arguments: engines) func insertAndFindRoundTripsTypes(engine: String) async throws {
        let store = try await makeStore(engine)
        let original = self.item(1)
        try await store.insert(original, into: "items")
        let found = try await store.findOne(Item.self, in: "items", where: .equal("id", .string(original.id)))
        #expect(found == original)  // dates to the millisecond, Int64.max - 1, arrays, nested documents
        #expect(try await store.findOne(Item.self, in: "items", where: .equal("id", .string("missing"))) == nil)
    }

    @Test(arguments: engines) func containsIsALiteralSubstring(engine: String) async throws {
        let store = try await makeStore(engine)
        var a = self.item(1)
        a.email = "design.work+a@example.com"
        var b = self.item(2)
        b.email = "designxwork@example.com"
        try await store.insert(a, into: "items")
        try await store.insert(b, into: "items")
        func emails(_ text: String) async throws -> [String] {
            try await store.find(Item.self, in: "items", where: .contains("email", text), sort: [SortField("rank")], limit: 10).map(\.email)
        }
        #expect(try await emails("design") == [a.email, b.email])
        // "." and "+" are text, not a pattern: "design.work" must not match "designxwork".
        #expect(try await emails("design.work+") == [a.email])
        #expect(try await emails(".*") == [])
        #expect(try await emails("DESIGN") == [])
    }

    /// The search index follows every write (insert, replace, delete), and nothing in the searched text is query
    /// syntax: FTS5's quotes, operators, prefixes and column filters are all literal text.
    @Test(arguments: engines) func searchFollowsWritesAndHasNoSyntax(engine: String) async throws {
        let store = try await makeStore(engine)
        let owner = "owner-\(UUID().uuidString)"
        var a = self.item(1, owner: owner)
        a.email = "\(UUID().uuidString)-say \"hi\" OR NEAR(x y) *^:@example.com"
        try await store.insert(a, into: "items")
        func found(_ text: String) async throws -> [String] {
            try await store.find(Item.self, in: "items", where: .and([.equal("owner", .string(owner)), .contains("email", text)]), sort: [], limit: 10).map(
                \.id)
        }
        for text in ["say \"hi\"", "\" OR \"", "NEAR(x y)", "*^:", "hi\" OR", "\"\"\""] {
            #expect(try await found(text) == (a.email.contains(text) ? [a.id] : []), "\(text)")
        }
        #expect(try await found("hi OR say") == [])
        // Nothing a client can type makes the search index fail: NUL, control and non-BMP characters, lone quotes.
        for text in ["say\u{0}\"", "\u{0}\u{0}\u{0}", "\"", "\u{1}\u{7f}\u{ffff}", "👩‍💻👩‍💻", "(((", "NOT", "a\"b\"c\"d"] {
            #expect(try await found(text) == (a.email.contains(text) ? [a.id] : []), "\(text.unicodeScalars.map(\.value))")
        }
        #expect(try await found("email:say") == [])
        let unique = String(a.email.prefix(36))
        #expect(try await found(unique) == [a.id])
        var changed = a
        changed.email = "renamed-\(UUID().uuidString)@example.com"
        #expect(try await store.replaceOne(changed, in: "items", where: .equal("id", .string(a.id))))
        #expect(try await found(unique) == [])
        #expect(try await found(String(changed.email.prefix(44))) == [a.id])
        #expect(try await store.delete(in: "items", where: .equal("id", .string(a.id))) == 1)
        #expect(try await found(String(changed.email.prefix(44))) == [])
    }

    /// A rare text is read from the trigram index's matches; a text in thousands of documents walks the order's
    /// index instead (its hits come at once). Both give the same answer as a scan would.
    @Test func sqliteSearchPlanFollowsTheNumberOfMatches() async throws {
        let store = try await makeStore("sqlite") as! SQLiteStore
        let owner = "owner-\(UUID().uuidString)"
        let start = Date.storeNow
        for n in 0...(SQLiteStore.searchMatchLimit + 1) {  // one rare, searchMatchLimit + 1 common
            var item = self.item(n, owner: owner, at: start.addingTimeInterval(Double(n)))
            item.email = n == 7 ? "rare-needle-\(n)@example.com" : "common-\(n)@example.com"
            try await store.insert(item, into: "items")
        }
        let sort = [SortField("createdAt", descending: true)]
        func plan(_ text: String) async throws -> String {
            try await store.queryPlan(in: "items", where: .and([.equal("owner", .string(owner)), .contains("email", text)]), sort: sort, limit: 5)
                .joined(separator: "; ")
        }
        #expect(try await plan("rare-needle").contains("items_search VIRTUAL TABLE"))
        #expect(try await plan("common-").contains("USING INDEX items_owner_created"))
        #expect(!(try await plan("common-")).contains("items_search"))
        let rare = try await store.find(
            Item.self, in: "items", where: .and([.equal("owner", .string(owner)), .contains("email", "needle")]), sort: sort, limit: 5)
        #expect(rare.map(\.rank) == [7])
        let common = try await store.find(
            Item.self, in: "items", where: .and([.equal("owner", .string(owner)), .contains("email", "common-")]), sort: sort, limit: 3)
        #expect(common.map(\.rank) == [2001, 2000, 1999])
    }

    /// An index a newer version retired is dropped at start-up (SQLite stops using it; MongoDB's `dropIndexes` of an
    /// index that is already gone is not an error).
    @Test(arguments: engines) func retiredIndexesAreDropped(engine: String) async throws {
        let store = try await makeStore(engine)
        var old = Self.collections[0]
        old.indexes.append(IndexSpec(name: "owner_rank", fields: ["owner", "rank"]))
        old.retiredIndexes = []
        try await store.prepare([old])
        let filter: Filter = .and([.equal("owner", .string("alice")), .equal("rank", .int(3))])
        if let sqlite = store as? SQLiteStore {
            #expect(try await sqlite.queryPlan(in: "items", where: filter, sort: [], limit: 1).joined().contains("items_owner_rank"))
        }
        try await store.prepare(Self.collections)
        let item = self.item(3)
        try await store.insert(item, into: "items")
        #expect(try await store.findOne(Item.self, in: "items", where: .equal("id", .string(item.id)))?.id == item.id)
        if let sqlite = store as? SQLiteStore {
            #expect(!(try await sqlite.queryPlan(in: "items", where: filter, sort: [], limit: 1).joined().contains("items_owner_rank")))
        }
    }

    /// `hasElement` matches a whole element of an array field (what an alias lookup needs); `count` counts in the engine.
    @Test(arguments: engines) func arrayElementsAndCounts(engine: String) async throws {
        let store = try await makeStore(engine)
        let owner = "owner-\(UUID().uuidString)"
        func make(_ n: Int, owner: String, tags: [String]) -> Item {
            var item = self.item(n, owner: owner)
            item.email = "\(UUID().uuidString)@example.com"
            item.tags = tags
            return item
        }
        let a = make(1, owner: owner, tags: ["acme", "acme corp"])
        let b = make(2, owner: owner, tags: ["globex"])
        let c = make(3, owner: "other-\(UUID().uuidString)", tags: ["acme"])
        for item in [a, b, c] { try await store.insert(item, into: "items") }
        func ids(_ tag: String) async throws -> [String] {
            try await store.find(
                Item.self, in: "items", where: .and([.equal("owner", .string(owner)), .hasElement("tags", .string(tag))]), sort: [SortField("rank")],
                limit: 10
            ).map(\.id)
        }
        #expect(try await ids("acme corp") == [a.id])
        #expect(try await ids("acme") == [a.id])
        #expect(try await ids("globex") == [b.id])
        #expect(try await ids("acm") == [])  // a whole element, never a substring
        #expect(try await ids("acme' OR 1=1 --") == [])
        #expect(try await store.count(in: "items", where: .equal("owner", .string(owner))) == 2)
        #expect(try await store.count(in: "items", where: .and([.equal("owner", .string(owner)), .hasElement("tags", .string("globex"))])) == 1)
        #expect(try await store.count(in: "items", where: .equal("owner", .string("nobody-\(UUID().uuidString)"))) == 0)
    }

    @Test(arguments: engines) func uniqueIndexGivesDuplicateKey(engine: String) async throws {
        let store = try await makeStore(engine)
        try await store.insert(self.item(1), into: "items")
        var twin = self.item(1)
        twin.id = DocumentID.make()
        await #expect { try await store.insert(twin, into: "items") } throws: { ($0 as? StoreError)?.code == .duplicateKey }
    }

    @Test(arguments: engines) func sortedFilteredKeysetPaging(engine: String) async throws {
        let store = try await makeStore(engine)
        let base = Date.storeNow
        for n in 0..<7 { try await store.insert(self.item(n, at: base.addingTimeInterval(Double(n))), into: "items") }
        try await store.insert(self.item(99, owner: "bob", at: base.addingTimeInterval(100)), into: "items")
        let sort = [SortField("createdAt", descending: true), SortField("id", descending: true)]
        let first = try await store.find(Item.self, in: "items", where: .equal("owner", .string("alice")), sort: sort, limit: 3)
        #expect(first.map(\.rank) == [6, 5, 4])
        let last = try #require(first.last)
        let next = try await store.find(
            Item.self, in: "items",
            where: .and([
                .equal("owner", .string("alice")),
                .or([.less("createdAt", .date(last.createdAt)), .and([.equal("createdAt", .date(last.createdAt)), .less("id", .string(last.id))])]),
            ]),
            sort: sort, limit: 10
        )
        #expect(next.map(\.rank) == [3, 2, 1, 0])
        let ranked = try await store.find(Item.self, in: "items", where: .greater("rank", .int(4)), sort: [SortField("rank")], limit: 10)
        #expect(ranked.map(\.rank) == [5, 6, 99])
    }

    @Test(arguments: engines) func deleteAndReplaceAreScopedByTheFilter(engine: String) async throws {
        let store = try await makeStore(engine)
        let mine = self.item(1, owner: "alice")
        try await store.insert(mine, into: "items")
        #expect(try await store.delete(in: "items", where: .and([.equal("id", .string(mine.id)), .equal("owner", .string("mallory"))])) == 0)
        var changed = mine
        changed.rank = 42
        #expect(try await store.replaceOne(changed, in: "items", where: .and([.equal("id", .string(mine.id)), .equal("owner", .string("mallory"))])) == false)
        #expect(try await store.replaceOne(changed, in: "items", where: .and([.equal("id", .string(mine.id)), .equal("owner", .string("alice"))])))
        #expect(try await store.findOne(Item.self, in: "items", where: .equal("id", .string(mine.id)))?.rank == 42)
        #expect(try await store.delete(in: "items", where: .and([.equal("id", .string(mine.id)), .equal("owner", .string("alice"))])) == 1)
    }

    /// Values are always bound parameters: SQL or operator-looking text is just text.
    @Test(arguments: engines) func hostileValuesMatchNothing(engine: String) async throws {
        let store = try await makeStore(engine)
        try await store.insert(self.item(1), into: "items")
        for hostile in ["' OR 1=1 --", "{\"$ne\": null}", "%", "*"] {
            #expect(try await store.findOne(Item.self, in: "items", where: .equal("email", .string(hostile))) == nil)
        }
        await #expect(throws: StoreError.self) { try await store.findOne(Item.self, in: "items", where: .equal("email') OR 1=1 --", .string("x"))) }
    }

    /// A NUL inside a bound value is part of the value: "ann@example.com\u{0}x" is not "ann@example.com" (SQLite
    /// binds with the byte length, never up to the first NUL), and a document's text with NULs reads back whole.
    @Test(arguments: engines) func nulBytesAreNeverTruncated(engine: String) async throws {
        let store = try await makeStore(engine)
        var item = self.item(7)
        try await store.insert(item, into: "items")
        #expect(try await store.findOne(Item.self, in: "items", where: .equal("email", .string(item.email + "\u{0}x"))) == nil)
        #expect(try await store.findOne(Item.self, in: "items", where: .equal("email", .string(item.email)))?.id == item.id)
        item = self.item(8)
        item.tags = ["nul\u{0}inside"]
        try await store.insert(item, into: "items")
        #expect(try await store.findOne(Item.self, in: "items", where: .equal("id", .string(item.id)))?.tags == ["nul\u{0}inside"])
    }

    @Test func documentIDs() {
        let id = DocumentID.make()
        #expect(DocumentID.isWellFormed(id))
        #expect(!DocumentID.isWellFormed("not-an-id"))
        #expect(!DocumentID.isWellFormed(id.uppercased()))
    }
}

@Suite("Stored dates")
struct StoreDatesTests {
    @Test func roundTripExactlyAtMilliseconds() {
        for _ in 0..<2000 {
            let date = Date.storeNow.addingTimeInterval(Double(Int.random(in: -1_000_000_000...1_000_000_000)) / 1000)
            let canonical = StoreDates.date(milliseconds: StoreDates.milliseconds(date))
            #expect(StoreDates.date(StoreDates.string(canonical)) == canonical)
        }
        #expect(StoreDates.string(StoreDates.date(milliseconds: 1_795_772_949_007)) == "2026-11-27T09:49:09.007Z")
        #expect(StoreDates.string(StoreDates.date(milliseconds: -1)) == "1969-12-31T23:59:59.999Z")
    }

    /// The hand-written formatter writes what Foundation's ISO 8601 formatter writes, across years 1 to 9999
    /// (leap days, century years, before 1970, the Gregorian reform), at every millisecond tried.
    @Test func handWrittenFormatMatchesFoundation() {
        let first: Int64 = -62_135_596_800_000  // 0001-01-01T00:00:00.000Z
        let last: Int64 = 253_402_300_799_999  // 9999-12-31T23:59:59.999Z
        var samples: [Int64] = [
            first, last, 0, -1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, -2_203_891_200_001, -12_212_553_600_000, -12_212_553_600_001,
            -12_219_292_800_000, -12_244_089_600_001,
        ]
        for _ in 0..<20_000 { samples.append(Int64.random(in: first...last)) }
        for ms in samples {
            #expect(StoreDates.string(StoreDates.date(milliseconds: ms)) == StoreDates.formatted(milliseconds: ms), "\(ms)")
        }
    }
}
