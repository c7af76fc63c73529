import Foundation
import HTTPTypes
import OpenAPIRuntime
import WireFormat

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
            try await Body.bytes(
                of: body, limit: limit,
                tooLarge: Problem(.contentTooLarge, detail: "The request body may not exceed \(limit) bytes.", headers: [.connection: "close"])
            )
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
