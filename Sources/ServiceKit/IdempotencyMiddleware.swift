import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenSSLSupport
import ServiceLifecycle
import Storage

/// `Idempotency-Key` on POSTs that create something: the same key with the same body gives the first response again
/// and creates nothing twice; the same key with another body is a 422; a key still being processed is a 409 with
/// `Retry-After`. Keys are per user and kept 24 hours (then swept). Only completed 2xx answers are replayed: any other
/// answer releases the key, so the client can correct its request and retry with the same key.
///
/// Exactly once through crashes: a pending record holds a *lease*. A process killed while it held one leaves the
/// record pending, and a retry after the lease expired takes the key over and runs the handler again. The handler
/// finds what the first attempt created, because the resource is written together with its key (`current` names it:
/// an invoice or client stores it under a unique index, a payment inside its invoice), in the same single-document
/// write that creates it. So a retry either replays the stored response, or resumes and answers with the resource
/// that exists — never a second one.
///
/// Hand-written because no kept library here offers it; it stores its records through the role's own store.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    public static let collection = "idempotency_keys"
    public static let collections = [CollectionSpec(name: collection, indexes: [IndexSpec(name: "created", fields: ["createdAt"])])]
    public static let lifetime: TimeInterval = 24 * 3600

    /// The key of the request being handled (the record's id: a digest of user and key), for handlers that store it
    /// with what they create.
    @TaskLocal public static var current: String?

    let store: any DocumentStore
    /// The body limit of the route a path names, applied before a byte is read (a 4 KiB route never buffers 25 MiB).
    let limit: @Sendable (String) -> Int
    /// How long a pending record is protected from a retry taking it over.
    let lease: TimeInterval

    public init(store: any DocumentStore, lease: TimeInterval = 60, limit: @escaping @Sendable (String) -> Int) {
        self.store = store
        self.lease = lease
        self.limit = limit
    }

    struct Record: StoredDocument {
        var id: String
        var userId: String
        var requestHash: String
        var state: String  // "pending" | "done"
        var status: Int?
        var contentType: String?
        var location: String?
        var etag: String?
        var body: String?  // base64
        var leaseUntil: Date?
        var createdAt: Date
    }

    static let headerName = HTTPField.Name("Idempotency-Key")!

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        let keys = request.headers[values: Self.headerName]
        guard let key = keys.first else { return try await next(request, context) }
        guard keys.count == 1, (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem.badRequest("Idempotency-Key must be one value of 1 to 255 visible ASCII characters.")
        }
        let user = try context.requireUser()
        let body = try await Body.collect(request, limit: self.limit(request.uri.path))
        var request = request
        request.body = .init(buffer: body)
        let id = OpenSSL.sha256Hex(Array("\(user.id)\n\(key)".utf8))
        let hash = OpenSSL.sha256Hex(Array("\(request.method.rawValue) \(request.uri.path)\n".utf8) + Array(buffer: body))
        let now = Date.storeNow

        if var existing = try await self.store.findOne(Record.self, in: Self.collection, where: .equal("id", .string(id))) {
            if existing.createdAt.addingTimeInterval(Self.lifetime) < now {
                _ = try await self.store.delete(in: Self.collection, where: .equal("id", .string(id)))
            } else {
                try Self.checkSameRequest(existing, hash: hash)
                if existing.state == "done" { return try Self.replay(existing) }
                guard let until = existing.leaseUntil, until < now else { throw Self.stillProcessing(existing, now: now) }
                // The process that held the lease is gone (or far too slow): take the key over, conditionally, so that
                // two retries cannot both resume.
                let previous = until
                existing.leaseUntil = now.addingTimeInterval(self.lease)
                guard
                    try await self.store.replaceOne(
                        existing, in: Self.collection,
                        where: .and([.equal("id", .string(id)), .equal("leaseUntil", .date(previous)), .equal("state", .string("pending"))])
                    )
                else { throw Self.stillProcessing(existing, now: now) }
                return try await self.run(request, context: context, next: next, id: id, user: user.id, hash: hash)
            }
        }
        do {
            let record = Record(id: id, userId: user.id, requestHash: hash, state: "pending", leaseUntil: now.addingTimeInterval(self.lease), createdAt: now)
            try await self.store.insert(record, into: Self.collection)
        } catch let error as StoreError where error.code == .duplicateKey {
            guard let winner = try await self.store.findOne(Record.self, in: Self.collection, where: .equal("id", .string(id))) else { throw error }
            try Self.checkSameRequest(winner, hash: hash)
            if winner.state == "done" { return try Self.replay(winner) }
            throw Self.stillProcessing(winner, now: now)
        }
        return try await self.run(request, context: context, next: next, id: id, user: user.id, hash: hash)
    }

    /// Runs the handler with the key in `current`; a 2xx is stored for replay, anything else releases the key.
    private func run(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response, id: String, user: String, hash: String
    ) async throws -> Response {
        let response: Response
        do {
            response = try await Self.$current.withValue(id) { try await next(request, context) }
        } catch {
            _ = try? await self.store.delete(in: Self.collection, where: .equal("id", .string(id)))
            throw error
        }
        guard (200..<300).contains(response.status.code) else {
            _ = try? await self.store.delete(in: Self.collection, where: .equal("id", .string(id)))
            return response
        }
        return try await self.remember(response, id: id, user: user, hash: hash)
    }

    /// Stores the response (collected once) and returns an equivalent one.
    private func remember(_ response: Response, id: String, user: String, hash: String) async throws -> Response {
        let collector = Collector()
        try await response.body.write(CollectingWriter(collector: collector))
        let bytes = collector.buffer
        let record = Record(
            id: id, userId: user, requestHash: hash, state: "done", status: response.status.code, contentType: response.headers[.contentType],
            location: response.headers[.location], etag: response.headers[.eTag], body: Data(buffer: bytes).base64EncodedString(), createdAt: .storeNow
        )
        _ = try await self.store.replaceOne(record, in: Self.collection, where: .equal("id", .string(id)))
        return Response(status: response.status, headers: response.headers, body: .init(byteBuffer: bytes))
    }

    static func checkSameRequest(_ record: Record, hash: String) throws {
        guard OpenSSL.constantTimeEquals(Array(record.requestHash.utf8), Array(hash.utf8)) else {
            throw Problem.unprocessable("This Idempotency-Key was used with a different request.")
        }
    }

    static func stillProcessing(_ record: Record, now: Date) -> Problem {
        let wait = max(1, Int(((record.leaseUntil ?? now).timeIntervalSince(now)).rounded(.up)))
        return Problem(
            .conflict, detail: "A request with this Idempotency-Key is still being processed; retry after \(wait) s.",
            headers: [.retryAfter: String(min(wait, 3600))])
    }

    static func replay(_ record: Record) throws -> Response {
        guard let status = record.status, (200..<300).contains(status) else {
            throw Problem.conflict("A request with this Idempotency-Key is still being processed.")
        }
        var headers: HTTPFields = [HTTPField.Name("Idempotent-Replayed")!: "true"]
        if let contentType = record.contentType { headers[.contentType] = contentType }
        if let location = record.location { headers[.location] = location }
        if let etag = record.etag { headers[.eTag] = etag }
        let bytes = Data(base64Encoded: record.body ?? "") ?? Data()
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Deletes records older than `lifetime` (run periodically by a `Sweeper`; MongoDB could use a TTL index,
    /// but one sweep serves both engines the same way).
    public static func sweep(_ store: any DocumentStore, now: Date = .storeNow) async throws -> Int {
        try await store.delete(in: Self.collection, where: .less("createdAt", .date(now.addingTimeInterval(-Self.lifetime))))
    }

    final class Collector: @unchecked Sendable {
        // Written by one response-body writer, read after it finished: no concurrent access.
        var buffer = ByteBuffer()
    }

    struct CollectingWriter: ResponseBodyWriter {
        let collector: Collector
        mutating func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            self.collector.buffer.writeBuffer(&buffer)
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}

/// Deletes what has expired (idempotency records, sign-in throttles) every `interval` while the role runs. Several
/// replicas sweeping at once only delete the same old documents.
public struct Sweeper: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let sweep: @Sendable () async throws -> Int

    public init(_ name: String, interval: Duration = .seconds(600), logger: Logger, sweep: @escaping @Sendable () async throws -> Int) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.sweep = sweep
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            // Waits first: the role prepares its collections before it serves, and nothing has expired at start-up.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            do {
                let removed = try await self.sweep()
                if removed > 0 { self.logger.info("swept", metadata: ["what": .string(self.name), "removed": .stringConvertible(removed)]) }
            } catch {
                self.logger.warning("sweep failed", metadata: ["what": .string(self.name), "error": .string("\(error)")])
            }
        }
    }
}
