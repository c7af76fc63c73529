import Foundation
import HTTPClient
import HTTPTypes
import OpenAPIRuntime

/// The generated clients of the internal hops (gateway → auth, invoice → user) send through `ServiceClient`: the
/// role's instances in turn, a refused connection moving on to the next (`ServicePool`), on the curl multi client.
/// The instance's base URL comes from the pool; the document's server URL is only a placeholder.
extension ServiceClient: ClientTransport {
    /// For the generated clients' `serverURL`, which the pool replaces by an instance's address.
    public static let placeholderURL = URL(string: "http://service.internal")!

    public func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var bytes: [UInt8]?
        if let body {
            // Internal bodies are small (sign-in fields, an identity); a bound all the same.
            bytes = try await Body.bytes(of: body, limit: Body.signInLimit, tooLarge: Problem(.contentTooLarge, detail: "The internal request is too large."))
        }
        let headers = request.headerFields.map { (name: $0.name.rawName, value: $0.value) }
        let path = request.path ?? "/"
        let response = try await self.pool.execute(self.http) { base in
            CurlRequest(method: request.method.rawValue, url: base + path, headers: headers, body: bytes, timeout: self.timeout)
        }
        var fields = HTTPFields()
        for header in response.headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        return (HTTPResponse(status: .init(code: response.status), headerFields: fields), HTTPBody(response.body))
    }
}

/// The headers of one internal call: the caller's credential (a service token, or the user's own access token), the
/// request id, and the trace, so that one request can be followed across the roles.
public struct ServiceCallMiddleware: ClientMiddleware {
    let bearer: String?
    let requestID: String
    let traceParent: String?

    public init(bearer: String?, requestID: String, traceParent: String?) {
        self.bearer = bearer
        self.requestID = requestID
        self.traceParent = traceParent
    }

    public init(bearer: String?, context: AppRequestContext) {
        self.init(bearer: bearer, requestID: context.requestID, traceParent: context.outgoingTraceParent)
    }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.requestID] = self.requestID
        if let traceParent = self.traceParent { request.headerFields[.traceparent] = traceParent }
        if let bearer = self.bearer { request.headerFields[.authorization] = "Bearer \(bearer)" }
        return try await next(request, body, baseURL)
    }
}

/// What another role refused is what the client sees: a 4xx problem from the service (but a 404, which would be a
/// routing fault between the roles) or its 503 becomes the same problem here — status, title, detail, type, field
/// errors and `Retry-After` — and anything else is this role's 502. Thrown before the generated client decodes, so a
/// caller only ever handles the documented success.
public struct UpstreamProblemMiddleware: ClientMiddleware {
    let service: String

    public init(service: String) { self.service = service }

    struct Document: Decodable {
        var type: String?
        var title: String?
        var detail: String?
        var errors: [Problem.FieldProblem]?
    }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        let status = response.status.code
        guard status >= 400 else { return (response, responseBody) }
        guard (400..<500).contains(status) && status != 404 || status == 503 else {
            throw Problem(.badGateway, detail: "The \(self.service) service failed.")
        }
        var document = Document()
        if let responseBody, let bytes = try? await [UInt8](collecting: responseBody, upTo: 64 * 1024) {
            document = (try? JSONDecoder().decode(Document.self, from: Data(bytes))) ?? Document()
        }
        var headers: HTTPFields = [:]
        if let retryAfter = response.headerFields[.retryAfter] { headers[.retryAfter] = retryAfter }
        if status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        throw Problem(
            response.status, title: document.title, detail: document.detail, type: document.type ?? "about:blank", headers: headers, errors: document.errors)
    }
}
