import Foundation
import HTTPClient
import HTTPTypes
import Hummingbird
import JWT
import NIOHTTP1
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

    /// Maps any error a handler can throw to the problem a client should see. Unknown errors become a bare 500
    /// whose detail goes only to the log.
    public static func from(_ error: any Error) -> (problem: Problem, internal: Bool) {
        switch error {
        case let problem as Problem:
            return (problem, false)
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
