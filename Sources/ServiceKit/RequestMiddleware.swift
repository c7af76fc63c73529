import Foundation
import Hummingbird
import Logging

/// The outermost middleware of every role: assigns the request id (keeping a well-formed incoming one), turns every
/// error into problem+json, sets the security headers every response needs, and logs one line per request.
public struct RequestMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let role: String
    let trustProxy: TrustProxy

    public init(role: String, trustProxy: TrustProxy = .none) {
        self.role = role
        self.trustProxy = trustProxy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let incoming = request.headers[.requestID]
        context.requestID = incoming.flatMap { Self.isWellFormed($0) ? $0 : nil } ?? Self.makeID()
        // One id per request in the logs: ours (the one clients and upstreams see), not Hummingbird's internal one.
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "requestId"] = .string(context.requestID)
        (context.clientAddress, context.isHTTPS) = self.trustProxy.resolve(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[.forwardedFor], forwardedProto: request.headers[.forwardedProto]
        )

        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let (problem, isInternal) = Problem.from(error)
            if isInternal {
                // Only here does an internal error's detail appear, and only in the log.
                context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
            }
            response = problem.response(path: request.uri.path, requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        if response.headers[.xContentTypeOptions] == nil { response.headers[.xContentTypeOptions] = "nosniff" }
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

    static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx", generator.next() as UInt64)
    }
}

extension HTTPField.Name {
    public static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    public static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}
