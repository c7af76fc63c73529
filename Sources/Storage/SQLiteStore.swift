import CSQLite
import Foundation
import Logging
import NIOPosix

/// The embedded engine: one SQLite file per role under `DATA_DIR`, each collection a table of JSON documents
/// (`id TEXT PRIMARY KEY, body TEXT`), indexes as expression indexes on `json_extract`.
///
/// SQLite calls block, so every call runs on this store's own one-thread `NIOThreadPool`, never on an event loop
/// or the Swift concurrency pool. One thread also serialises access to the single connection, which is what
/// SQLite wants from one writer anyway (WAL lets readers of other processes proceed).
public final class SQLiteStore: DocumentStore, @unchecked Sendable {
    // @unchecked: `connection` is touched only from `threadPool`'s single thread.
    public var engine: String { "sqlite" }
    private let threadPool: NIOThreadPool
    private let connection: SQLiteConnection
    private let encoder = StoreDates.encoder()

    /// Opens (creating when needed) the database at `path`. Use ":memory:" for a private in-memory database.
    public init(path: String) throws {
        if path != ":memory:" {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        self.connection = try SQLiteConnection(path: path)
        self.threadPool = NIOThreadPool(numberOfThreads: 1)
        self.threadPool.start()
    }

    deinit {
        self.threadPool.shutdownGracefully { _ in }
    }

    /// Stops the thread pool; pending work finishes first.
    public func shutdown() async throws {
        try await self.threadPool.shutdownGracefully()
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let connection = self.connection
        return try await self.threadPool.runIfActive { try body(connection) }
    }

    public func prepare(_ collections: [CollectionSpec]) async throws {
        try await self.run { db in
            for collection in collections {
                let table = try Self.identifier(collection.name)
                try db.execute("CREATE TABLE IF NOT EXISTS \(table) (id TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT")
                for retired in collection.retiredIndexes {
                    try db.execute("DROP INDEX IF EXISTS \(try Self.identifier(collection.name + "_" + retired))")
                }
                for index in collection.indexes where index.engines?.contains("sqlite") ?? true {
                    let columns = try index.fields.map { try Self.column($0) }.joined(separator: ", ")
                    let name = try Self.identifier(collection.name + "_" + index.name)
                    try db.execute("CREATE \(index.unique ? "UNIQUE " : "")INDEX IF NOT EXISTS \(name) ON \(table) (\(columns))")
                }
                if let field = collection.searchField {
                    try Self.prepareSearch(db, collection: collection.name, field: field)
                }
            }
        }
    }

    /// The trigram index of a collection's search field: an FTS5 table `<collection>_search` whose rowids are the
    /// collection's, kept in step by triggers in the same transaction as every write (so it cannot drift from the
    /// documents), and filled from the existing documents when it is first created.
    static func prepareSearch(_ db: SQLiteConnection, collection: String, field: String) throws {
        let table = try Self.identifier(collection)
        let search = try Self.identifier(collection + "_search")
        let text = "json_extract(%@.body, '$.\(try Self.checkedPath(field))')"
        let old = text.replacingOccurrences(of: "%@", with: "old")
        let new = text.replacingOccurrences(of: "%@", with: "new")
        let exists = try db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        try exists.bind([.string(collection + "_search")])
        let created = try exists.step()
        try db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS \(search) USING fts5(text, tokenize = 'trigram')")
        try db.execute(
            "CREATE TRIGGER IF NOT EXISTS \(try Self.identifier(collection + "_search_insert")) AFTER INSERT ON \(table) BEGIN "
                + "INSERT INTO \(search) (rowid, text) VALUES (new.rowid, coalesce(\(new), '')); END")
        try db.execute(
            "CREATE TRIGGER IF NOT EXISTS \(try Self.identifier(collection + "_search_delete")) AFTER DELETE ON \(table) BEGIN "
                + "DELETE FROM \(search) WHERE rowid = old.rowid; END")
        // Most replaces (a payment, a status) leave the text alone; only a changed text rewrites its trigrams.
        try db.execute(
            "CREATE TRIGGER IF NOT EXISTS \(try Self.identifier(collection + "_search_update")) AFTER UPDATE OF body ON \(table) "
                + "WHEN \(old) IS NOT \(new) BEGIN UPDATE \(search) SET text = coalesce(\(new), '') WHERE rowid = new.rowid; END")
        if !created {
            try db.execute(
                "INSERT INTO \(search) (rowid, text) SELECT rowid, coalesce(json_extract(body, '$.\(try Self.checkedPath(field))'), '') FROM \(table)")
        }
        db.searchFields[collection] = field
    }

    public func insert<D: StoredDocument>(_ document: D, into collection: String) async throws {
        let body = try self.encoder.encode(document)
        let id = document.id
        try await self.run { db in
            let statement = try db.prepare("INSERT INTO \(try Self.identifier(collection)) (id, body) VALUES (?, ?)")
            try statement.bind([.string(id), .string(String(decoding: body, as: UTF8.self))])
            _ = try statement.step()
        }
    }

    public func findOne<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter) async throws -> D? {
        try await self.find(type, in: collection, where: filter, sort: [], limit: 1).first
    }

    /// The SQL of a `find`. The rows are chosen by rowid first and their bodies read after, so that the choosing
    /// (filter, order, limit) can run on a covering index alone and only the rows returned are read and parsed: an
    /// index holding every field a filter and the order need answers `status=overdue` without touching a body.
    /// With `matching`, the rows come from the search index's matches instead (the phrase is the first bound value).
    static func select(in collection: String, where filter: Filter, sort: [SortField], limit: Int, matching phrase: String?, values: inout [FieldValue])
        throws -> String
    {
        let table = try Self.identifier(collection)
        let order =
            sort.isEmpty ? "" : " ORDER BY " + (try sort.map { "\(try Self.column($0.field)) \($0.descending ? "DESC" : "ASC")" }.joined(separator: ", "))
        var choose = "SELECT \(table).rowid FROM \(table) WHERE "
        if let phrase {
            // CROSS JOIN makes SQLite walk the matches and look each document up, not the other way round.
            let search = try Self.identifier(collection + "_search")
            choose = "SELECT \(table).rowid FROM \(search) CROSS JOIN \(table) ON \(table).rowid = \(search).rowid WHERE \(search) MATCH ? AND "
            values.append(.string(phrase))
        }
        choose += try Self.sql(filter, values: &values) + order + " LIMIT \(max(0, limit))"
        return "SELECT body FROM \(table) WHERE rowid IN (\(choose))" + order
    }

    /// Up to this many matches, a search reads its matches; beyond, the text is common enough that walking the
    /// owner's documents newest first meets a page of hits sooner.
    static let searchMatchLimit = 2_000

    /// The search index phrase for `filter`'s text condition when reading the matches is the cheaper plan: the
    /// collection has a search index, the text has the three characters a trigram needs, and it has few matches.
    static func searchPhrase(_ db: SQLiteConnection, collection: String, filter: Filter) throws -> String? {
        guard let field = db.searchFields[collection] else { return nil }
        let conditions: [Filter]
        if case .and(let all) = filter { conditions = all } else { conditions = [filter] }
        // FTS5 reads its query up to the first NUL (an unterminated string, an error): such a text walks instead.
        for case .contains(let name, let text) in conditions where name == field && text.unicodeScalars.count >= 3 && !text.utf8.contains(0) {
            // An FTS5 string: the text between double quotes, a double quote doubled, so nothing in it is syntax.
            let phrase = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let probe = try db.prepare(
                "SELECT count(*) FROM (SELECT rowid FROM \(try Self.identifier(collection + "_search")) WHERE \(try Self.identifier(collection + "_search")) MATCH ? LIMIT \(Self.searchMatchLimit + 1))"
            )
            try probe.bind([.string(phrase)])
            guard try probe.step() else { return nil }
            return probe.int64(0) <= Self.searchMatchLimit ? phrase : nil
        }
        return nil
    }

    /// SQLite's plan for the `find` these arguments make (`EXPLAIN QUERY PLAN`, one line per step): what the store
    /// benchmark prints, so an index that stops being used shows in its output.
    public func queryPlan(in collection: String, where filter: Filter, sort: [SortField], limit: Int) async throws -> [String] {
        try await self.run { db in
            var values: [FieldValue] = []
            let phrase = try Self.searchPhrase(db, collection: collection, filter: filter)
            let sql = try Self.select(in: collection, where: filter, sort: sort, limit: limit, matching: phrase, values: &values)
            let statement = try db.prepare("EXPLAIN QUERY PLAN " + sql)
            try statement.bind(values)
            var lines: [String] = []
            while try statement.step() { lines.append(statement.text(3)) }
            return lines
        }
    }

    public func find<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter, sort: [SortField], limit: Int) async throws -> [D] {
        let bodies: [String] = try await self.run { db in
            var values: [FieldValue] = []
            let phrase = try Self.searchPhrase(db, collection: collection, filter: filter)
            let statement = try db.prepare(try Self.select(in: collection, where: filter, sort: sort, limit: limit, matching: phrase, values: &values))
            try statement.bind(values)
            var rows: [String] = []
            while try statement.step() { rows.append(statement.text(0)) }
            return rows
        }
        let decoder = StoreDates.decoder()
        return try bodies.map { body in
            do { return try decoder.decode(D.self, from: Data(body.utf8)) } catch {
                throw StoreError.corrupt("document in \(collection) does not decode as \(D.self): \(error)")
            }
        }
    }

    public func replaceOne<D: StoredDocument>(_ document: D, in collection: String, where filter: Filter) async throws -> Bool {
        let body = String(decoding: try self.encoder.encode(document), as: UTF8.self)
        return try await self.run { db in
            var values: [FieldValue] = [.string(body)]
            let condition = try Self.sql(filter, values: &values)
            let table = try Self.identifier(collection)
            let statement = try db.prepare("UPDATE \(table) SET body = ? WHERE id = (SELECT id FROM \(table) WHERE \(condition) LIMIT 1)")
            try statement.bind(values)
            _ = try statement.step()
            return db.changes > 0
        }
    }

    public func delete(in collection: String, where filter: Filter) async throws -> Int {
        try await self.run { db in
            var values: [FieldValue] = []
            let condition = try Self.sql(filter, values: &values)
            let statement = try db.prepare("DELETE FROM \(try Self.identifier(collection)) WHERE \(condition)")
            try statement.bind(values)
            _ = try statement.step()
            return db.changes
        }
    }

    public func count(in collection: String, where filter: Filter) async throws -> Int {
        try await self.run { db in
            var values: [FieldValue] = []
            let condition = try Self.sql(filter, values: &values)
            let statement = try db.prepare("SELECT COUNT(*) FROM \(try Self.identifier(collection)) WHERE \(condition)")
            try statement.bind(values)
            guard try statement.step() else { return 0 }
            return Int(statement.int64(0))
        }
    }

    public func ping() async throws {
        try await self.run { db in try db.execute("SELECT 1") }
    }

    // MARK: SQL building. Names come from code, values are always bound parameters.

    static func identifier(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }) else {
            throw StoreError.invalidQuery("bad collection name \(name)")
        }
        return "\"\(name)\""
    }

    static func column(_ field: String) throws -> String {
        if field == "id" { return "id" }
        return "json_extract(body, '$.\(try Self.checkedPath(field))')"
    }

    /// A dotted field path made of letters, digits and underscores only (it is spliced into the SQL).
    static func checkedPath(_ field: String) throws -> String {
        guard !field.isEmpty, field.utf8.allSatisfy({ $0 == 95 || $0 == 46 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        else {
            throw StoreError.invalidQuery("bad field name \(field)")
        }
        return field
    }

    static func sql(_ filter: Filter, values: inout [FieldValue]) throws -> String {
        switch filter {
        case .equal(let field, .null):
            return "\(try column(field)) IS NULL"
        case .equal(let field, let value):
            values.append(value)
            return "\(try column(field)) = ?"
        case .less(let field, let value):
            values.append(value)
            return "\(try column(field)) < ?"
        case .greater(let field, let value):
            values.append(value)
            return "\(try column(field)) > ?"
        case .contains(let field, let text):
            values.append(.string(text))
            return "instr(\(try column(field)), ?) > 0"
        case .hasElement(let field, let value):
            values.append(value)
            return "EXISTS (SELECT 1 FROM json_each(body, '$.\(try Self.checkedPath(field))') WHERE json_each.value = ?)"
        case .and(let filters):
            if filters.isEmpty { return "1" }
            return "(" + (try filters.map { try sql($0, values: &values) }.joined(separator: " AND ")) + ")"
        case .or(let filters):
            if filters.isEmpty { return "0" }
            return "(" + (try filters.map { try sql($0, values: &values) }.joined(separator: " OR ")) + ")"
        }
    }
}

/// The sqlite3 handle and its statements. Every `sqlite3_*` create call has its matching close/finalize in `deinit`.
/// @unchecked Sendable: it is handed to closures that run on `SQLiteStore`'s single thread, and only there.
final class SQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// Collection → its search field, for the collections `prepare` gave a trigram index.
    var searchFields: [String: String] = [:]

    init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &self.handle, flags, nil)
        guard rc == SQLITE_OK else {
            let message = self.handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(self.handle)
            throw StoreError.unavailable("cannot open \(path): \(message)")
        }
        sqlite3_busy_timeout(self.handle, 5_000)
        try self.execute("PRAGMA journal_mode = WAL")
        try self.execute("PRAGMA synchronous = NORMAL")
    }

    /// Prepared statements by their SQL, kept between calls: planning a statement against this many expression
    /// indexes (matching every term against every index expression) cost more than running it. The SQL of a query
    /// depends only on the shape of its filter (values are bound), so the set of texts is bounded by the code; past
    /// `statementCacheLimit` a statement is simply finalized after use. Touched only on the store's thread.
    private var statements: [String: OpaquePointer] = [:]
    static let statementCacheLimit = 256

    deinit {
        for statement in self.statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(self.handle)
    }

    var changes: Int { Int(sqlite3_changes(self.handle)) }

    /// Runs schema and pragma statements (not cached: each runs once). The cache is emptied first: SQLite re-prepares
    /// an expired statement when it is stepped, but an `EXPLAIN QUERY PLAN` kept from before a `DROP INDEX` still
    /// described the dropped index (seen on 3.40), and schema changes happen only at start-up anyway.
    func execute(_ sql: String) throws {
        for statement in self.statements.values { sqlite3_finalize(statement) }
        self.statements.removeAll()
        let statement = try self.prepare(sql, cached: false)
        while try statement.step() {}
    }

    /// A statement ready to bind: the cached one for this SQL when there is one (reset, bindings cleared), else newly
    /// prepared. It goes back to the cache when the `Statement` is released. A cached statement whose tables changed
    /// since is re-prepared by SQLite itself (`sqlite3_prepare_v2` semantics).
    func prepare(_ sql: String, cached: Bool = true) throws -> Statement {
        if cached, let statement = self.statements.removeValue(forKey: sql) {
            return Statement(statement, sql: sql, connection: self)
        }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(self.handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw self.error(rc) }
        return Statement(statement, sql: cached ? sql : nil, connection: self)
    }

    fileprivate func recycle(_ statement: OpaquePointer, sql: String?) {
        guard let sql, self.statements[sql] == nil, self.statements.count < Self.statementCacheLimit else {
            sqlite3_finalize(statement)
            return
        }
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        self.statements[sql] = statement
    }

    func error(_ rc: Int32) -> StoreError {
        let message = String(cString: sqlite3_errmsg(self.handle))
        let extended = sqlite3_extended_errcode(self.handle)
        if extended == csqlite_constraint_unique || extended == csqlite_constraint_primarykey {
            return .duplicateKey(message)
        }
        if rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_CANTOPEN {
            return .unavailable(message)
        }
        return .corrupt("sqlite error \(rc): \(message)")
    }

    final class Statement {
        private let statement: OpaquePointer
        private let sql: String?
        private let connection: SQLiteConnection

        init(_ statement: OpaquePointer, sql: String?, connection: SQLiteConnection) {
            self.statement = statement
            self.sql = sql
            self.connection = connection
        }

        deinit { self.connection.recycle(self.statement, sql: self.sql) }

        func bind(_ values: [FieldValue]) throws {
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                let rc: Int32
                switch value {
                case .string(let text): rc = try Self.bindText(self.statement, index, text)
                case .int(let number): rc = sqlite3_bind_int64(self.statement, index, number)
                case .bool(let flag): rc = sqlite3_bind_int64(self.statement, index, flag ? 1 : 0)
                case .date(let date): rc = try Self.bindText(self.statement, index, StoreDates.string(date))
                case .null: rc = sqlite3_bind_null(self.statement, index)
                }
                guard rc == SQLITE_OK else { throw self.connection.error(rc) }
            }
        }

        /// Binds text with its explicit byte length: with -1 SQLite would stop at the first NUL, and
        /// "ann@example.com\u{0}x" would look up "ann@example.com".
        static func bindText(_ statement: OpaquePointer, _ index: Int32, _ text: String) throws -> Int32 {
            var text = text
            return try text.withUTF8 { bytes in
                guard let length = Int32(exactly: bytes.count) else { throw StoreError.invalidQuery("a bound value is too long") }
                // An empty buffer may have no address: bind "" (a non-null pointer, length 0), not NULL.
                guard length > 0 else { return csqlite_bind_text(statement, index, "", 0) }
                return bytes.withMemoryRebound(to: CChar.self) { chars in csqlite_bind_text(statement, index, chars.baseAddress, length) }
            }
        }

        /// Advances; true while there is a row.
        func step() throws -> Bool {
            let rc = sqlite3_step(self.statement)
            switch rc {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw self.connection.error(rc)
            }
        }

        /// The column's bytes with their length (not up to a NUL), as UTF-8.
        func text(_ column: Int32) -> String {
            guard let pointer = sqlite3_column_text(self.statement, column) else { return "" }
            let count = Int(sqlite3_column_bytes(self.statement, column))
            return String(decoding: UnsafeBufferPointer(start: pointer, count: max(0, count)), as: UTF8.self)
        }

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(self.statement, column) }

    }
}

extension SQLiteStore {
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
