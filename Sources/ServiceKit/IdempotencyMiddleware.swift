import Foundation
import Hummingbird
import NIOCore
import OpenSSLSupport
import Storage

/// `Idempotency-Key` on POSTs that create something: the same key with the same body gives the first response again
/// and creates nothing twice; the same key with another body is a 422; a key still being processed is a 409. Keys are
/// per user and kept 24 hours. Failed attempts (5xx) release the key so the client can retry.
///
/// Hand-written because no kept library here offers it; it stores its records through the role's own store.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    public static let collection = "idempotency_keys"
    public static let collections = [CollectionSpec(name: collection, indexes: [IndexSpec(name: "created", fields: ["createdAt"])])]
    static let lifetime: TimeInterval = 24 * 3600

    let store: any DocumentStore
    let maximumBodyBytes: Int

    public init(store: any DocumentStore, maximumBodyBytes: Int) {
        self.store = store
        self.maximumBodyBytes = maximumBodyBytes
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
        var createdAt: Date
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return try await next(request, context) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        let user = try context.requireUser()
        let body = try await Body.collect(request, limit: self.maximumBodyBytes)
        var request = request
        request.body = .init(buffer: body)
        let id = OpenSSL.sha256Hex(Array("\(user.id)\n\(key)".utf8))
        let hash = OpenSSL.sha256Hex(Array("\(request.method.rawValue) \(request.uri.path)\n".utf8) + Array(buffer: body))

        if let existing = try await self.store.findOne(Record.self, in: Self.collection, where: .equal("id", .string(id))) {
            if existing.createdAt.addingTimeInterval(Self.lifetime) < Date() {
                _ = try await self.store.delete(in: Self.collection, where: .equal("id", .string(id)))
            } else {
                return try self.replay(existing, hash: hash)
            }
        }
        do {
            try await self.store.insert(Record(id: id, userId: user.id, requestHash: hash, state: "pending", createdAt: .storeNow), into: Self.collection)
        } catch let error as StoreError where error.code == .duplicateKey {
            guard let winner = try await self.store.findOne(Record.self, in: Self.collection, where: .equal("id", .string(id))) else { throw error }
            return try self.replay(winner, hash: hash)
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // A client error is a final answer worth replaying; anything else releases the key for a retry.
            let (problem, _) = Problem.from(error)
            if problem.status.code >= 500 { _ = try? await self.store.delete(in: Self.collection, where: .equal("id", .string(id))) }
            else {
                let replayable = problem.response(path: request.uri.path, requestID: context.requestID)
                return try await self.remember(replayable, id: id, user: user.id, hash: hash)
            }
            throw error
        }
        if response.status.code >= 500 {
            _ = try? await self.store.delete(in: Self.collection, where: .equal("id", .string(id)))
            return response
        }
        return try await self.remember(response, id: id, user: user.id, hash: hash)
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

    private func replay(_ record: Record, hash: String) throws -> Response {
        guard OpenSSL.constantTimeEquals(Array(record.requestHash.utf8), Array(hash.utf8)) else {
            throw Problem.unprocessable("This Idempotency-Key was used with a different request.")
        }
        guard record.state == "done", let status = record.status else {
            throw Problem.conflict("A request with this Idempotency-Key is still being processed.")
        }
        var headers: HTTPFields = [HTTPField.Name("Idempotent-Replayed")!: "true"]
        if let contentType = record.contentType { headers[.contentType] = contentType }
        if let location = record.location { headers[.location] = location }
        if let etag = record.etag { headers[.eTag] = etag }
        let bytes = Data(base64Encoded: record.body ?? "") ?? Data()
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
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
