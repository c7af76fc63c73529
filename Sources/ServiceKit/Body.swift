import Foundation
import HTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime
import Storage
import WireFormat

/// Reading request bodies within limits, and writing JSON responses.
public enum Body {
    /// The default limit for JSON bodies.
    public static let defaultJSONLimit = 1024 * 1024

    /// Route body limits the gateway and the services share (the gateway applies them before a slot upstream is
    /// taken, the service again before it reads): sign-in bodies, payments, and every other JSON body of the API.
    public static let signInLimit = 16 * 1024
    public static let paymentLimit = 4096
    public static let apiJSONLimit = 256 * 1024

    /// How long a request body may take to arrive (set per request by `RequestMiddleware` from BODY_READ_TIMEOUT_SECONDS).
    @TaskLocal public static var readTimeout: Duration = .seconds(30)

    /// Collects the body, refusing (413) a declared or actual size over `limit` without buffering more than that, and
    /// (408) a body that has not arrived within `readTimeout`: a client trickling bytes cannot hold a request open.
    public static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        try Self.checkDeclaredLength(request, limit: limit)
        let body = request.body
        return try await Self.withReadDeadline {
            var buffer = ByteBuffer()
            for try await chunk in body {
                guard buffer.readableBytes + chunk.readableBytes <= limit else {
                    throw Problem(.contentTooLarge, detail: "The request body may not exceed \(limit) bytes.", headers: [.connection: "close"])
                }
                var chunk = chunk
                buffer.writeBuffer(&chunk)
            }
            return buffer
        }
    }

    /// Runs `read` (which consumes a request body) within `readTimeout`: a 408 when it has not finished by then. The
    /// first to finish wins, and leaving the group cancels the other (the reader or the timer). A broken framing
    /// (`HTTPParserError`) surfaces as it is and `Problem.from` makes it a 400.
    public static func withReadDeadline<T: Sendable>(_ read: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = Self.readTimeout
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await read() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Problem(
                    .requestTimeout, detail: "The request body did not arrive within \(timeout.components.seconds) s.", headers: [.connection: "close"])
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw CancellationError() }
            return value
        }
    }

    /// The bytes of a generated server's or client's `HTTPBody`, refusing (with `tooLarge`) as soon as they would
    /// exceed `limit`, without buffering more: the one bounded read of `BodyLimitMiddleware`, the upload's audio part
    /// and the internal clients' requests.
    public static func bytes(of body: HTTPBody, limit: Int, tooLarge: @autoclosure () -> Problem) async throws -> [UInt8] {
        var collected: [UInt8] = []
        for try await chunk in body {
            guard collected.count + chunk.count <= limit else { throw tooLarge() }
            collected.append(contentsOf: chunk)
        }
        return collected
    }

    /// Passes the body on as it arrives (a proxied upload): into `upload`, which holds a bounded amount, within
    /// `limit` (413) and `readTimeout` (408), the same rules as `collect` without holding the body.
    public static func stream(_ request: Request, limit: Int, into upload: UploadStream) async throws {
        let body = request.body
        do {
            try Self.checkDeclaredLength(request, limit: limit)
            try await Self.withReadDeadline {
                var total = 0
                for try await chunk in body {
                    total += chunk.readableBytes
                    guard total <= limit else {
                        throw Problem(.contentTooLarge, detail: "The request body may not exceed \(limit) bytes.", headers: [.connection: "close"])
                    }
                    await upload.write(chunk)
                }
            }
            upload.finish()
        } catch {
            upload.fail()
            throw error
        }
    }

    /// The declared `Content-Length` against the route's limit, before a byte of the body is read: over it is a 413
    /// at once (and the connection is closed rather than drained, so the client cannot make the server read a body it
    /// already refused); a malformed or contradictory length is a 400.
    public static func checkDeclaredLength(_ request: Request, limit: Int) throws {
        try Self.checkDeclaredLength(request.headers[values: .contentLength], limit: limit)
    }

    /// The same rule on the `Content-Length` values themselves.
    public static func checkDeclaredLength(_ values: [String], limit: Int) throws {
        switch HeaderValues.declaredLength(values) {
        case .absent: return
        case .invalid: throw Problem(.badRequest, detail: "Content-Length is malformed.", headers: [.connection: "close"])
        case .length(let declared):
            guard declared <= limit else {
                throw Problem(.contentTooLarge, detail: "The request body may not exceed \(limit) bytes.", headers: [.connection: "close"])
            }
        }
    }

    /// Decodes a JSON body: 415 for another media type, 413 over `limit`, 400 for malformed JSON, 422 for JSON of
    /// the wrong shape (naming the field).
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = Body.defaultJSONLimit) async throws -> T {
        guard let contentType = request.headers[.contentType], Self.isJSON(contentType) else {
            throw Problem(.unsupportedMediaType, detail: "Send the body as application/json.")
        }
        let buffer = try await Self.collect(request, limit: limit)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw Problem.from(decoding: error)
        }
    }

    static func isJSON(_ contentType: String) -> Bool { HeaderValues.isJSON(contentType) }

    /// A JSON response; authenticated JSON is never cached by intermediaries.
    public static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        // The same form as the generated servers' (OpenAPIServing.configuration).
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(APIDateTranscoder.string(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
