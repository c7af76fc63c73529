import Foundation
import HTTPClient
import HTTPTypes
import Hummingbird
import JWT
import NIOHTTP1
import OpenAPIRuntime
import Storage

/// An RFC 9457 problem: the body of every error response, as `application/problem+json`.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String?
    /// A URI naming the problem type; "about:blank" means "see the status".
    public var type: String
    public var headers: HTTPFields
    /// Field-level validation errors, for 422.
    public var errors: [FieldProblem]?

    public struct FieldProblem: Codable, Sendable, Equatable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public init(
        _ status: HTTPResponse.Status, title: String? = nil, detail: String? = nil, type: String = "about:blank",
        headers: HTTPFields = [:], errors: [FieldProblem]? = nil
    ) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.type = type
        self.headers = headers
        self.errors = errors
    }

    public static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail: detail) }
    public static func unauthorized(_ detail: String = "A valid bearer token is required.") -> Problem {
        Problem(.unauthorized, detail: detail, headers: [.wwwAuthenticate: "Bearer"])
    }
    public static func notFound(_ detail: String = "No such resource.") -> Problem { Problem(.notFound, detail: detail) }
    public static func conflict(_ detail: String) -> Problem { Problem(.conflict, detail: detail) }
    public static func unprocessable(_ detail: String, errors: [FieldProblem]? = nil) -> Problem {
        Problem(.unprocessableContent, detail: detail, errors: errors)
    }
    public static func unavailable(_ detail: String, retryAfter: Int = 2) -> Problem {
        Problem(.serviceUnavailable, detail: detail, headers: [.retryAfter: String(retryAfter)])
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var instance: String
        var requestId: String
        var errors: [FieldProblem]?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let requestID = (context as? AppRequestContext)?.requestID ?? request.headers[.requestID] ?? ""
        return self.response(path: request.uri.path, requestID: requestID)
    }

    public func response(path: String, requestID: String) -> Response {
        let body = Body(
            type: self.type, title: self.title, status: self.status.code, detail: self.detail, instance: path, requestId: requestID,
            errors: self.errors
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// What the log may say about an unhandled error. A generated server's `ServerError` and a generated client's
    /// `ClientError` describe the whole request (its Authorization header among them), so only the cause and the
    /// underlying error are logged: tokens never reach a log.
    public static func logDescription(_ error: any Error) -> String {
        if let error = error as? ServerError {
            return "\(error.operationID): \(error.causeDescription): \(String(reflecting: error.underlyingError))"
        }
        if let error = error as? ClientError {
            return "client \(error.operationID): \(error.causeDescription): \(String(reflecting: error.underlyingError))"
        }
        return String(reflecting: error)
    }

    /// A body that did not decode: malformed JSON is a 400, JSON of the wrong shape a 422 naming the field.
    public static func from(decoding error: DecodingError) -> Problem {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return Problem.badRequest("The body is not valid JSON.")
        case .keyNotFound(let key, let context):
            let field = Self.path(context.codingPath + [key])
            return Problem.unprocessable("\(field) is required.", errors: [.init(field: field, message: "is required")])
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = Self.path(context.codingPath)
            return Problem.unprocessable("\(field) has the wrong type.", errors: [.init(field: field, message: "has the wrong type")])
        case .dataCorrupted(let context):
            let field = Self.path(context.codingPath)
            return Problem.unprocessable("\(field): \(context.debugDescription)", errors: [.init(field: field, message: context.debugDescription)])
        @unknown default:
            return Problem.badRequest("The body could not be read.")
        }
    }

    static func parameterDescription(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): Self.path(context.codingPath)
        case .keyNotFound(let key, let context): Self.path(context.codingPath + [key])
        @unknown default: "unknown"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// Maps any error a handler can throw to the problem a client should see. Unknown errors become a bare 500
    /// whose detail goes only to the log.
    public static func from(_ error: any Error) -> (problem: Problem, internal: Bool) {
        switch error {
        case let problem as Problem:
            return (problem, false)
        case let error as ServerError:
            // The generated server wraps what a handler, a middleware or its own decoding threw; the cause decides.
            let cause = error.underlyingError
            // A request without a body can only have failed in its parameters (path, query, headers): a 400.
            if let decoding = cause as? DecodingError, error.request.headerFields[.contentLength] == nil, error.request.headerFields[.transferEncoding] == nil {
                return (Problem.badRequest("A parameter is malformed: \(Self.parameterDescription(decoding))"), false)
            }
            let mapped = Self.from(cause)
            // The runtime's own refusals (a wrong content type, a missing header, a malformed parameter) are errors
            // this switch does not know; they carry their status, and the description names what was wrong in the
            // request, nothing of the server's.
            if mapped.internal, (400..<500).contains(error.httpStatus.code) {
                return (Problem(error.httpStatus, detail: error.causeDescription), false)
            }
            return mapped
        case let error as ClientError:
            // A generated client's call to another role: its cause decides (an upstream problem passed on, a refused
            // or slow connection); an undecodable answer is that role's fault, the gateway's 502.
            let cause = error.underlyingError
            if cause is Problem || cause is HTTPClientError || cause is CancellationError { return Self.from(cause) }
            return (Problem(.badGateway, detail: "An upstream service answered what this one cannot read."), true)
        case let error as DecodingError:
            return (Self.from(decoding: error), false)
        case let error as HTTPError:
            let detail: String? =
                switch error.status {
                case .notFound: "No route matches this method and path."
                case .contentTooLarge: "The request body is too large."
                default: error.body
                }
            return (Problem(error.status, detail: detail, headers: error.headers), false)
        case let error as StoreError:
            switch error.code {
            case .duplicateKey: return (.conflict("A resource with the same unique value already exists."), false)
            case .unavailable: return (.unavailable("The database is unavailable; try again shortly."), false)
            case .invalidQuery, .corrupt: return (Problem(.internalServerError, detail: "An internal error occurred."), true)
            }
        case is JWTError:
            return (.unauthorized("The bearer token is invalid or expired."), false)
        case let error as HTTPClientError:
            switch error.code {
            case .connectFailed: return (Problem(.badGateway, detail: "An upstream service could not be reached."), false)
            case .timedOut: return (Problem(.gatewayTimeout, detail: "An upstream service did not answer in time."), false)
            default: return (Problem(.badGateway, detail: "An upstream service failed."), true)
            }
        case is HTTPParserError:
            return (Problem(.badRequest, detail: "The request is malformed (HTTP framing).", headers: [.connection: "close"]), false)
        case is CancellationError:
            return (Problem(.serviceUnavailable, detail: "The request was cancelled."), false)
        default:
            return (Problem(.internalServerError, detail: "An internal error occurred."), true)
        }
    }
}

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("X-Request-Id")!
    public static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    public static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    public static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
}
