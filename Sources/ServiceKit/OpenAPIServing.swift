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

    /// A JSON encoder with the configuration's settings, for bodies a handler encodes itself (a streamed export's
    /// JSON Lines): the same bytes the generated code would write for the same value.
    public static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(APIDateTranscoder.string(date))
        }
        return encoder
    }

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

    /// For a handler's `guard case .json(let body) = input.body`: the generated code has already refused every media
    /// type the document does not give the operation, so this is reached only if the document grew one the handler
    /// does not read yet.
    public static let undocumentedBody = Problem(.unsupportedMediaType, detail: "This media type is not accepted here.")

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
