import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WireFormat

/// The outermost middleware of every role: assigns the request id (keeping a well-formed incoming one), turns every
/// error into problem+json, sets the security headers every response needs, and logs one line per request.
public struct RequestMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let role: String
    let trustProxy: TrustProxy
    let bodyReadTimeout: Duration

    public init(role: String, trustProxy: TrustProxy = .none, bodyReadTimeout: Duration = .seconds(30)) {
        self.role = role
        self.trustProxy = trustProxy
        self.bodyReadTimeout = bodyReadTimeout
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let incoming = request.headers[.requestID]
        context.requestID = incoming.flatMap { Self.isWellFormed($0) ? $0 : nil } ?? Self.makeID()
        context.logger[metadataKey: "requestId"] = .string(context.requestID)
        // The caller's trace continues here (a new span of it), into the log lines and on to upstream services.
        let trace = Observability.traceContext(from: request.headers[.traceparent], state: request.headers[.tracestate])
        context.trace = trace
        // Formatted only if a line is written (most requests write none below the info level).
        context.logger[metadataKey: "traceId"] = .stringConvertible(trace.traceID)
        (context.clientAddress, context.isHTTPS) = self.trustProxy.resolve(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[.forwardedFor], forwardedProto: request.headers[.forwardedProto]
        )

        var response: Response
        do {
            // Every body read under this request must finish by the deadline (Body.collect reads it).
            response = try await Body.$readTimeout.withValue(self.bodyReadTimeout) { try await next(request, context) }
        } catch {
            let (problem, isInternal) = Problem.from(error)
            if isInternal {
                // Only here does an internal error's detail appear, and only in the log.
                context.logger.error("unhandled error", metadata: ["error": .string(Problem.logDescription(error))])
            }
            response = problem.response(path: request.uri.path, requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        if response.headers[.connection] == "close", let channel = context.channel {
            // Hummingbird would otherwise read (drain) the rest of a body it refused — 25 MiB at the client's pace —
            // before the next request on this connection. The response is written (and its end queued on the event
            // loop, ahead of the close), then the connection is closed.
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                try await body.write(writer)
                channel.close(promise: nil)
            }
        }
        if response.headers[.xContentTypeOptions] == nil { response.headers[.xContentTypeOptions] = "nosniff" }
        // An API of per-user data: nothing is stored by intermediaries unless a handler says otherwise (the PDF does).
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        // An API: never framed, never leaking its URLs as a referrer.
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = "frame-ancestors 'none'" }
        // HSTS only means something over HTTPS (RFC 6797 §7.2: not sent over plain HTTP).
        if context.isHTTPS { response.headers[.strictTransportSecurity] = "max-age=63072000; includeSubDomains" }

        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        // Path only: query strings can carry things that must not reach logs.
        context.logger.info(
            "request",
            metadata: [
                "role": .string(self.role),
                "method": .string(request.method.rawValue),
                "client": .string(context.clientAddress),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "durationMs": .string(String(format: "%.2f", milliseconds)),
            ]
        )
        return response
    }

    static func isWellFormed(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// 16 lower-case hex digits.
    static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.lowercase(generator.next() as UInt64)
    }
}

// X-Content-Type-Options, Strict-Transport-Security, traceparent and tracestate are HTTPTypes' own names.
extension HTTPField.Name {
    public static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    public static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs. A byte scan: Foundation's `trimmingCharacters(in:)` bridges through
    /// NSString and showed up in the per-request profile.
    public var trimmingSpaces: String {
        let string = Substring(self)
        let bytes = string.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 32 || bytes[start] == 9 { start = bytes.index(after: start) }
        while end > start {
            let before = bytes.index(before: end)
            guard bytes[before] == 32 || bytes[before] == 9 else { break }
            end = before
        }
        return String(string[start..<end])
    }
}
