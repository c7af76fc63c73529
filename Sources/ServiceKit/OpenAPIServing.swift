import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import Storage
import WireFormat

/// What every role's generated server shares: the one JSON configuration, the server middlewares, the request context for handlers (which
/// the generated protocol does not pass), and body limits applied before the generated code reads a body.
public enum OpenAPIServing {
    /// The one JSON configuration of the API, for the generated servers and clients alike (`Body.json` writes the
    /// same): dates as `APIDateTranscoder` says, keys sorted so that equal values give equal bytes, slashes unescaped.
    public static let configuration = Configuration(dateTranscoder: APIDateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])

    /// The middlewares every generated server runs, outermost first: the body limits before anything reads a body,
    /// and the header fix on the way out.
    public static func middlewares(_ limits: BodyLimitMiddleware) -> [any ServerMiddleware] { [ResponseHeaderMiddleware(), limits] }

    /// The request being handled (set by `ContextMiddleware` on the route group the generated handlers are
    /// registered on): its verified user, request id, logger and trace.
    @TaskLocal public static var context: AppRequestContext?

    /// The context of the request this task serves; a handler reached without `ContextMiddleware` is a programming
    /// error reported as a 500, never a trap.
    public static func current() throws -> AppRequestContext {
        guard let context = Self.context else { throw Problem(.internalServerError, detail: "An internal error occurred.") }
        return context
    }

    /// The signed-in user of the current request (a 401 without one).
    public static func user() throws -> AuthenticatedUser { try self.current().requireUser() }
}

/// Dates in the API's JSON: RFC 3339 in UTC, whole seconds ("2026-12-01T10:00:00Z") — what a client generated from
/// the document with its generator's defaults reads (swift-openapi-generator's default transcoder, like many, refuses
/// fractional seconds). Any ISO 8601 date-time is read, with or without them.
public struct APIDateTranscoder: DateTranscoder {
    public init() {}
    public func encode(_ date: Date) throws -> String { Self.string(date) }
    public func decode(_ string: String) throws -> Date {
        guard let date = StoreDates.date(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an ISO 8601 date-time."))
        }
        return date
    }

    public static func string(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(Date.ISO8601FormatStyle())
    }
}

/// Puts the Hummingbird request context where the generated handlers can read it (`OpenAPIServing.current()`).
public struct ContextMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    public init() {}
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await OpenAPIServing.$context.withValue(context) { try await next(request, context) }
    }
}

/// Each operation's body limit, applied before the generated code reads the body: a declared length over it is a
/// 413 at once, a body that grows past it a 413 without buffering more, one that trickles past the read deadline a
/// 408 (`Body`'s rules). The generated code then decodes from the bytes read here.
public struct BodyLimitMiddleware: ServerMiddleware {
    let limits: [String: Int]
    let defaultLimit: Int

    /// - Parameters:
    ///   - limits: bytes by operation id.
    ///   - defaultLimit: for every other operation.
    public init(limits: [String: Int] = [:], defaultLimit: Int = Body.apiJSONLimit) {
        self.limits = limits
        self.defaultLimit = defaultLimit
    }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        // GET, HEAD, DELETE and OPTIONS carry no body (CanonicalPathMiddleware refuses one): nothing to read.
        guard let body, request.method != .get, request.method != .head, request.method != .delete else { return try await next(request, nil, metadata) }
        let limit = self.limits[operationID] ?? self.defaultLimit
        try Body.checkDeclaredLength(request.headerFields[values: .contentLength], limit: limit)
        let bytes = try await Body.withReadDeadline {
            var collected: [UInt8] = []
            for try await chunk in body {
                guard collected.count + chunk.count <= limit else {
                    throw Problem(.contentTooLarge, detail: "The request body may not exceed \(limit) bytes.", headers: [.connection: "close"])
                }
                collected.append(contentsOf: chunk)
            }
            return collected
        }
        // An empty body is no body: the generated code then answers "required body missing" (400), not a JSON error.
        guard !bytes.isEmpty else { return try await next(request, nil, metadata) }
        // A body needs a media type that parses: the generated code would read a missing or malformed Content-Type
        // (`;`) as the operation's first one and decode anyway.
        guard let contentType = request.headerFields[.contentType], HeaderValues.mediaType(contentType) != nil else {
            throw Problem(.unsupportedMediaType, detail: "Say the body's media type in Content-Type.")
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }
}

/// Undoes the percent-encoding the generated serializers apply to documented response headers (OpenAPIRuntime
/// 1.13 writes every header as a URI component: `Location: %2Fapi%2Finvoices%2F…`, `Content-Disposition:
/// attachment%3B…`; swift-openapi-generator issue #857, open). RFC 9110 header values are not URI components, and
/// every value this API writes is plain ASCII without `%`, so decoding gives exactly what the handler returned.
public struct ResponseHeaderMiddleware: ServerMiddleware {
    public init() {}

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        var fields = HTTPFields()
        for field in response.headerFields {
            guard field.value.utf8.contains(UInt8(ascii: "%")), let decoded = field.value.removingPercentEncoding else {
                fields.append(field)
                continue
            }
            fields.append(HTTPField(name: field.name, value: decoded))
        }
        response.headerFields = fields
        return (response, responseBody)
    }
}

/// Registers each generated operation on one of two route groups: the few the document opens to anyone
/// (`security: []`, say `POST /api/auth/logout`, whose credential is the refresh token in its body) on `open`, every
/// other on `secured` (behind `BearerAuthMiddleware`). The generated code registers all its operations at once; this
/// is where they part.
public struct SecurityGroups: ServerTransport {
    let secured: any ServerTransport
    let open: any ServerTransport
    let openOperations: Set<String>

    /// - Parameter openOperations: "METHOD /path" as the document writes them.
    public init(secured: any ServerTransport, open: any ServerTransport, openOperations: Set<String>) {
        self.secured = secured
        self.open = open
        self.openOperations = openOperations
    }

    public func register(
        _ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?), method: HTTPRequest.Method,
        path: String
    ) throws {
        try (self.openOperations.contains("\(method.rawValue) \(path)") ? self.open : self.secured).register(handler, method: method, path: path)
    }
}
