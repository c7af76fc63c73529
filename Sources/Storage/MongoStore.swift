import CMongoC
import Foundation
import Logging
import NIOPosix
import Synchronization

/// The production engine: MongoDB through libmongoc, one `mongoc_client_pool` per process.
///
/// Every libmongoc call blocks (network I/O, server selection), so each operation runs on this store's own
/// `NIOThreadPool`, never on an event loop or in the Swift concurrency pool. An operation pops one client from the
/// pool, uses it, and pushes it back before it returns; it never holds two. The thread pool has far fewer threads
/// (`threads`, default 8) than the client pool has clients (libmongoc's `maxPoolSize`, default 100), so a pop can never
/// wait for a client that another waiting thread holds: the pool-exhaustion deadlock cannot happen.
///
/// The database may be unreachable when a role starts: nothing here connects eagerly. Collections and indexes are
/// prepared before the first operation that needs them (and retried until they succeed), and every operation fails
/// with `StoreError.unavailable` within the server-selection timeout (default 2 s) while the database is away — the
/// API turns that into a 503 with `Retry-After` — and succeeds again, without a restart, once it is back.
public final class MongoStore: DocumentStore, @unchecked Sendable {
    // @unchecked: the C handles are created once in init, destroyed once in deinit, and libmongoc documents
    // mongoc_client_pool_t as thread-safe; every other libmongoc object lives inside one operation on one thread.
    public var engine: String { "mongodb" }
    public let databaseName: String
    private let uri: OpaquePointer
    private let pool: OpaquePointer
    private let threadPool: NIOThreadPool
    private let prepared = Mutex<(specs: [CollectionSpec], done: Bool)>(([], true))

    public static let defaultDatabase = "voice_invoice"

    /// - Parameters:
    ///   - uri: `mongodb://` or `mongodb+srv://` (Atlas).
    ///   - database: `MONGODB_DB`, else the URI's path, else `voice_invoice`.
    public init(uri text: String, database: String?, appName: String, serverSelectionTimeoutMS: Int32 = 2000, threads: Int = 8) throws {
        MongoLibrary.initialise()
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw StoreError.invalidQuery("MONGODB_URI is not a MongoDB connection string: \(MongoStore.message(error))")
        }
        // Say who we are in the server's logs, and bound how long an operation waits for a server.
        if mongoc_uri_get_appname(uri) == nil { mongoc_uri_set_appname(uri, appName) }
        let lowered = text.lowercased()
        if !lowered.contains("serverselectiontimeoutms") {
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, serverSelectionTimeoutMS)
        }
        if !lowered.contains("connecttimeoutms") { mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, serverSelectionTimeoutMS) }
        guard let pool = mongoc_client_pool_new(uri) else {
            mongoc_uri_destroy(uri)
            throw StoreError.invalidQuery("MONGODB_URI could not be used to create a client pool")
        }
        mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))
        self.uri = uri
        self.pool = pool
        self.databaseName = database ?? mongoc_uri_get_database(uri).map { String(cString: $0) } ?? Self.defaultDatabase
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        self.threadPool.start()
    }

    deinit {
        self.threadPool.shutdownGracefully { _ in }
        mongoc_client_pool_destroy(self.pool)
        mongoc_uri_destroy(self.uri)
    }

    public func shutdown() async throws { try await self.threadPool.shutdownGracefully() }

    public static var driverVersion: String { String(cString: mongoc_get_version()) }

    // MARK: Running libmongoc calls

    /// Runs `body` on the thread pool with a client popped from the pool (pushed back before returning).
    private func withClient<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        let pool = PoolHandle(pointer: self.pool)
        return try await self.threadPool.runIfActive {
            let client = mongoc_client_pool_pop(pool.pointer)!
            defer { mongoc_client_pool_push(pool.pointer, client) }
            return try body(client)
        }
    }

    /// The pool handle crosses into thread-pool jobs; mongoc_client_pool_t is documented thread-safe.
    private struct PoolHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private func withCollection<T: Sendable>(_ name: String, _ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        do {
            try await self.ensurePrepared()
            let database = self.databaseName
            return try await self.withClient { client in
                let collection = mongoc_client_get_collection(client, database, name)!
                defer { mongoc_collection_destroy(collection) }
                return try body(collection)
            }
        } catch let error as StoreError where error.code == .unavailable {
            // After an outage, assert the indexes again before the next write (idempotent, and the server that comes
            // back may be a restored or replaced one).
            self.prepared.withLock { if !$0.specs.isEmpty { $0.done = false } }
            throw error
        }
    }

    /// Memory for a `bson_t` that libmongoc fills in (a reply): opaque to Swift, 128-byte aligned, destroyed after use.
    private static func withReply<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
        let reply = OpaquePointer(memory)
        defer {
            bson_destroy(reply)
            memory.deallocate()
        }
        // An empty, initialised document, in case the call fails before writing one.
        bson_init(reply)
        return try body(reply)
    }

    /// Turns a libmongoc error into the store's error: duplicate keys are conflicts, no server is "unavailable".
    static func storeError(_ error: bson_error_t) -> StoreError {
        let text = message(error)
        switch (error.domain, error.code) {
        case (_, 11000), (_, 11001), (_, 12582):
            return .duplicateKey(text)
        case (UInt32(MONGOC_ERROR_SERVER_SELECTION.rawValue), _), (UInt32(MONGOC_ERROR_STREAM.rawValue), _), (UInt32(MONGOC_ERROR_CLIENT.rawValue), _):
            return .unavailable(text)
        default:
            return .corrupt("mongodb error \(error.domain).\(error.code): \(text)")
        }
    }

    static func message(_ error: bson_error_t) -> String {
        withUnsafeBytes(of: error.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }

    // MARK: DocumentStore

    public func prepare(_ collections: [CollectionSpec]) async throws {
        self.prepared.withLock { state in
            state.specs += collections
            state.done = false
        }
        // Try now without holding up start-up; if the database is away, the first operation that needs it tries again.
        Task { try? await self.ensurePrepared() }
    }

    /// Creates the collections' indexes once per process (idempotent on the server too).
    private func ensurePrepared() async throws {
        let specs = self.prepared.withLock { $0.done ? nil : $0.specs }
        guard let specs else { return }
        let database = self.databaseName
        try await self.withClient { client in
            for spec in specs {
                for retired in spec.retiredIndexes {
                    let command = BSONDocument([("dropIndexes", .string(spec.name)), ("index", .string(retired))])
                    var error = bson_error_t()
                    let ok = Self.withReply { reply in mongoc_client_command_simple(client, database, command.pointer, nil, reply, &error) }
                    // 26 NamespaceNotFound, 27 IndexNotFound: already gone (or never made), which is what was wanted.
                    guard ok || error.code == 26 || error.code == 27 else { throw Self.storeError(error) }
                }
            }
            for spec in specs where !spec.indexes.isEmpty {
                let indexes: [BSONValue] = spec.indexes.filter { $0.engines?.contains("mongodb") ?? true }.map { index in
                    var fields: [(String, BSONValue)] = [
                        ("key", .document(index.fields.map { (Self.field($0), .int32(1)) })), ("name", .string(index.name)),
                    ]
                    if index.unique { fields.append(("unique", .bool(true))) }
                    // Unique indexes on optional fields only cover documents that have every field (many accounts have
                    // no Google link, drafts have no number): a partial index, as MongoDB recommends over `sparse`.
                    if index.sparse {
                        fields.append(("partialFilterExpression", .document(index.fields.map { (Self.field($0), .document([("$exists", .bool(true))])) })))
                    }
                    return .document(fields)
                }
                let command = BSONDocument([("createIndexes", .string(spec.name)), ("indexes", .array(indexes))])
                var error = bson_error_t()
                let ok = Self.withReply { reply in mongoc_client_command_simple(client, database, command.pointer, nil, reply, &error) }
                guard ok else { throw Self.storeError(error) }
            }
        }
        // Done only if no role added collections meanwhile (the roles of `serve all` share this store and prepare one
        // after another): an earlier, shorter pass finishing last must not mark a later role's indexes as created.
        self.prepared.withLock { if $0.specs.count == specs.count { $0.done = true } }
    }

    public func insert<D: StoredDocument>(_ document: D, into collection: String) async throws {
        let bson = try Self.bson(document)
        try await self.withCollection(collection) { handle in
            var error = bson_error_t()
            let ok = Self.withReply { reply in mongoc_collection_insert_one(handle, bson.pointer, nil, reply, &error) }
            guard ok else { throw Self.storeError(error) }
        }
    }

    public func findOne<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter) async throws -> D? {
        try await self.find(type, in: collection, where: filter, sort: [], limit: 1).first
    }

    public func find<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter, sort: [SortField], limit: Int) async throws -> [D] {
        let query = BSONDocument(try Self.query(filter))
        var options: [(String, BSONValue)] = [("limit", .int64(Int64(max(0, limit))))]
        if !sort.isEmpty { options.append(("sort", .document(try sort.map { (try Self.checkedField($0.field), .int32($0.descending ? -1 : 1)) }))) }
        let opts = BSONDocument(options)
        let documents: [BSONValue] = try await self.withCollection(collection) { handle in
            let cursor = mongoc_collection_find_with_opts(handle, query.pointer, opts.pointer, nil)!
            defer { mongoc_cursor_destroy(cursor) }
            var results: [BSONValue] = []
            var current: OpaquePointer?
            while mongoc_cursor_next(cursor, &current) {
                if let current { results.append(.document(BSONDocument.read(current))) }
            }
            var error = bson_error_t()
            if mongoc_cursor_error(cursor, &error) { throw Self.storeError(error) }
            return results
        }
        return try documents.map { try Self.decode(D.self, $0, collection: collection) }
    }

    public func replaceOne<D: StoredDocument>(_ document: D, in collection: String, where filter: Filter) async throws -> Bool {
        let query = BSONDocument(try Self.query(filter))
        let replacement = try Self.bson(document)
        return try await self.withCollection(collection) { handle in
            var error = bson_error_t()
            return try Self.withReply { reply in
                guard mongoc_collection_replace_one(handle, query.pointer, replacement.pointer, nil, reply, &error) else { throw Self.storeError(error) }
                return (BSONDocument.readValue(reply)["matchedCount"]?.int64Value ?? 0) > 0
            }
        }
    }

    public func delete(in collection: String, where filter: Filter) async throws -> Int {
        let query = BSONDocument(try Self.query(filter))
        return try await self.withCollection(collection) { handle in
            var error = bson_error_t()
            return try Self.withReply { reply in
                guard mongoc_collection_delete_many(handle, query.pointer, nil, reply, &error) else { throw Self.storeError(error) }
                return Int(BSONDocument.readValue(reply)["deletedCount"]?.int64Value ?? 0)
            }
        }
    }

    public func count(in collection: String, where filter: Filter) async throws -> Int {
        let query = BSONDocument(try Self.query(filter))
        return try await self.withCollection(collection) { handle in
            var error = bson_error_t()
            // countDocuments: an aggregate ($match, $group) on the server; -1 is libmongoc's failure.
            let count = mongoc_collection_count_documents(handle, query.pointer, nil, nil, nil, &error)
            guard count >= 0 else { throw Self.storeError(error) }
            return Int(clamping: count)
        }
    }

    public func ping() async throws {
        try await self.withClient { client in
            let command = BSONDocument([("ping", .int32(1))])
            var error = bson_error_t()
            let ok = Self.withReply { reply in mongoc_client_command_simple(client, "admin", command.pointer, nil, reply, &error) }
            guard ok else { throw Self.storeError(error) }
        }
    }

    // MARK: Translation (typed filters only: no client JSON ever becomes a query)

    static func field(_ name: String) -> String { name == "id" ? "_id" : name }

    /// Field names come from code, but are checked all the same: never an operator (`$…`) or anything but a dotted path.
    static func checkedField(_ name: String) throws -> String {
        guard !name.isEmpty, !name.hasPrefix("."),
            name.utf8.allSatisfy({ $0 == 95 || $0 == 46 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        else {
            throw StoreError.invalidQuery("bad field name \(name)")
        }
        return self.field(name)
    }

    static func escapeRegex(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\^$.|?*+()[]{}/".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    static func value(_ value: FieldValue) -> BSONValue {
        switch value {
        case .string(let text): .string(text)
        case .int(let number): .int64(number)
        case .bool(let flag): .bool(flag)
        case .date(let date): .datetime(StoreDates.milliseconds(date))
        case .null: .null
        }
    }

    static func query(_ filter: Filter) throws -> [(String, BSONValue)] {
        switch filter {
        case .equal(let field, let value): return [(try Self.checkedField(field), Self.value(value))]
        case .less(let field, let value): return [(try Self.checkedField(field), .document([("$lt", Self.value(value))]))]
        case .greater(let field, let value): return [(try Self.checkedField(field), .document([("$gt", Self.value(value))]))]
        case .hasElement(let field, let value):
            // Equality on an array field matches any of its elements (and uses a multikey index).
            return [(try Self.checkedField(field), Self.value(value))]
        case .contains(let field, let text):
            // A literal substring: every regex metacharacter is escaped, so a search can never be a pattern.
            return [(try Self.checkedField(field), .document([("$regex", .string(Self.escapeRegex(text)))]))]
        case .and(let filters):
            if filters.isEmpty { return [] }
            return [("$and", .array(try filters.map { .document(try Self.query($0)) }))]
        case .or(let filters):
            // An empty $or is an error in MongoDB; "no alternative" matches nothing.
            if filters.isEmpty { return [("_id", .document([("$in", .array([]))]))] }
            return [("$or", .array(try filters.map { .document(try Self.query($0)) }))]
        }
    }

    /// A document with `id` renamed `_id` and put first, as MongoDB users expect.
    static func bson<D: StoredDocument>(_ document: D) throws -> BSONDocument {
        guard case .document(var fields) = try BSONEncoder().encode(document) else { throw StoreError.invalidQuery("documents must encode as objects") }
        fields.removeAll { $0.0 == "id" }
        return BSONDocument([("_id", .string(document.id))] + fields)
    }

    static func decode<D: StoredDocument>(_ type: D.Type, _ value: BSONValue, collection: String) throws -> D {
        guard case .document(let fields) = value else { throw StoreError.corrupt("not a document in \(collection)") }
        let renamed = fields.map { ($0.0 == "_id" ? "id" : $0.0, $0.1) }
        do { return try BSONDecoder().decode(D.self, from: .document(renamed)) } catch {
            throw StoreError.corrupt("document in \(collection) does not decode as \(D.self): \(error)")
        }
    }
}

extension BSONDocument {
    static func readValue(_ pointer: OpaquePointer) -> BSONValue { .document(self.read(pointer)) }
}

/// libmongoc's process-wide initialisation, exactly once. Its own log goes to standard error for warnings and worse
/// only: the default handler also prints the topology monitor's chatter, which would drown the JSON request log.
enum MongoLibrary {
    private static let once: Void = {
        mongoc_init()
        mongoc_log_set_handler(
            { level, domain, message, _ in
                guard level.rawValue <= MONGOC_LOG_LEVEL_WARNING.rawValue, let message else { return }
                let text = "libmongoc \(domain.map { String(cString: $0) } ?? ""): \(String(cString: message))\n"
                FileHandle.standardError.write(Data(text.utf8))
            }, nil)
    }()
    static func initialise() { _ = Self.once }
}
