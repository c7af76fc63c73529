import Foundation
import HTTPClient
import HTTPTypes
import Hummingbird
import ServiceKit
import Synchronization

/// The reverse proxy: each operation of the API document that another role serves (`RouteTable`: the auth role's
/// account operations, the user role's profile, the invoice role's invoices, clients and catalog) goes to that role.
///
/// Forwards method, path, query, body and the headers the API uses; adds `X-Request-Id` and `X-Forwarded-*`.
/// The outbound side is the curl multi client, so a slow upstream never blocks an event loop. An upstream that
/// refuses the connection is a 502, one that does not answer in time a 504 (problem+json, via `Problem.from`).
struct ProxyController {
    let upstreams: Upstreams
    let http: CurlHTTPClient
    let timeout: Duration
    /// For the routes that wait on the AI provider or render PDFs.
    let longTimeout: Duration
    let maximumBodyBytes: Int
    /// Requests forwarded at once; beyond, a 503 (the gateway sheds load rather than queue without bound).
    let concurrency: ConcurrencyLimit

    /// Request headers passed through to the services.
    static let forwardedRequestHeaders: [HTTPField.Name] = [
        .authorization, .contentType, .accept, .acceptLanguage, .ifMatch, .ifNoneMatch, HTTPField.Name("Idempotency-Key")!,
    ]
    /// Hop-by-hop and per-connection headers never copied from an upstream response (RFC 9110 §7.6.1).
    static let droppedResponseHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "content-length", "date", "server",
    ]

    /// One route per operation the document gives another role, and no other.
    func addRoutes(to router: Router<AppRequestContext>, table: RouteTable) {
        for operation in table.proxied {
            let pool: ServicePool
            switch operation.role {
            case .auth: pool = self.upstreams.auth
            case .user: pool = self.upstreams.user
            case .invoice: pool = self.upstreams.invoice
            case .gateway: continue
            }
            router.on(RouterPath(operation.path), method: operation.method) { request, context in try await self.forward(request, context: context, to: pool) }
        }
    }

    /// Bodies up to this size are read whole before forwarding (one copy, no coordination); larger ones stream.
    static let bufferedBodyLimit = 64 * 1024

    /// The body limit of a route, known from its path before a byte is read: uploads may be large, sign-in bodies
    /// are small, payments tiny, every other JSON body at most what the invoice role takes (a manual draft). A declared
    /// length over it is a 413 at once; an unsized body is cut at it.
    func bodyLimit(_ path: String) -> Int {
        if path.hasSuffix("/voice") || path.hasPrefix("/api/transcriptions") { return self.maximumBodyBytes }
        if path.hasPrefix("/api/auth/") { return Body.signInLimit }
        if path.hasSuffix("/payments") { return Body.paymentLimit }
        return Body.apiJSONLimit
    }

    /// Voice and transcription wait on the provider, PDFs on the renderer: they get the long timeout.
    static func isSlow(_ path: String) -> Bool {
        path.hasSuffix("/voice") || path.hasSuffix("/pdf") || path.hasSuffix("/regenerate") || path.hasPrefix("/api/transcriptions")
            || path == "/api/invoices/transcript" || path == "/api/invoices/export"
    }

    /// Answers of any size (an export of every invoice) are handed on while they arrive, never held whole.
    static func streamsResponse(_ path: String) -> Bool { path == "/api/invoices/export" }

    func forward(_ request: Request, context: AppRequestContext, to pool: ServicePool) async throws -> Response {
        let path = request.uri.path
        // CanonicalPathMiddleware has refused dot segments and every other non-canonical spelling already.
        let limit = self.bodyLimit(path)
        // Before a slot upstream is taken: a body declared over the route's limit never reaches the service.
        try Body.checkDeclaredLength(request, limit: limit)
        guard self.concurrency.acquire() else {
            throw Problem.unavailable("The gateway is at its limit of concurrent requests; try again shortly.", retryAfter: 1)
        }
        defer { self.concurrency.release() }
        var headers: [(name: String, value: String)] = []
        for name in Self.forwardedRequestHeaders {
            for value in request.headers[values: name] { headers.append((name.rawName, value)) }
        }
        headers.append(("X-Request-Id", context.requestID))
        // What the services see is what TRUST_PROXY decided here: the client's address and scheme, never a chain a
        // client made up (the services believe the gateway, one hop).
        headers.append(("X-Forwarded-For", context.clientAddress))
        headers.append(("X-Forwarded-Proto", context.isHTTPS ? "https" : "http"))
        if let traceParent = context.outgoingTraceParent { headers.append(("traceparent", traceParent)) }
        if let traceState = request.headers[.tracestate] { headers.append(("tracestate", traceState)) }
        if let host = request.head.authority { headers.append(("X-Forwarded-Host", host)) }

        let declared = request.headers[.contentLength].flatMap(Int.init)
        let hasBody = declared.map { $0 > 0 } ?? (request.headers[.transferEncoding] != nil)
        let query = request.uri.query.map { "?" + $0 } ?? ""
        let timeout = Self.isSlow(path) ? self.longTimeout : self.timeout
        if !hasBody, request.method == .get, Self.streamsResponse(path) {
            // The concurrency slot covers the wait for the head; the body then flows under curl's per-host connection
            // limit and the transfer's deadline, with back-pressure from the client's socket to the service's.
            let (head, body) = try await pool.stream(self.http) { base in
                CurlRequest(method: "GET", url: base + path + query, headers: headers, timeout: timeout)
            }
            return Response(
                status: HTTPResponse.Status(code: head.status), headers: self.responseHeaders(head),
                body: ResponseBody { writer in
                    do {
                        for try await chunk in body { try await writer.write(chunk) }
                    } catch {
                        body.cancel()  // the client went away (or the service failed midway): stop the transfer too
                        throw error
                    }
                    try await writer.finish(nil)
                })
        }
        let upstream: CurlResponse
        if hasBody, declared.map({ $0 > Self.bufferedBodyLimit }) ?? true {
            // A large or unsized body (an audio upload) is streamed to the service as it arrives, through a bounded
            // buffer: memory does not grow with the size of uploads or with how many are trickling in at once.
            let upload = UploadStream()
            let forwarded = headers
            let method = request.method.rawValue
            // Each side reports apart (nil response: the client's side). Both finish: a failed client side (413, 408,
            // broken framing) fails the upload, which aborts the transfer, and the client's error is the answer then,
            // whichever ended first; the transfer's "aborted" is only its consequence, not an upstream fault.
            let outcomes = await withTaskGroup(of: (isUpstream: Bool, result: Result<CurlResponse?, any Error>).self) { group in
                group.addTask {
                    do {
                        try await Body.stream(request, limit: limit, into: upload)
                        return (false, .success(nil))
                    } catch { return (false, .failure(error)) }
                }
                group.addTask {
                    do {
                        let response = try await pool.execute(self.http) { base in
                            CurlRequest(method: method, url: base + path + query, headers: forwarded, timeout: timeout, upload: upload, uploadLength: declared)
                        }
                        return (true, .success(response))
                    } catch { return (true, .failure(error)) }
                }
                var outcomes: [(isUpstream: Bool, result: Result<CurlResponse?, any Error>)] = []
                while let next = await group.next() { outcomes.append(next) }
                return outcomes
            }
            for outcome in outcomes where !outcome.isUpstream {
                if case .failure(let error) = outcome.result { throw error }
            }
            guard let answer = outcomes.first(where: { $0.isUpstream }), case .some(let response?) = try? answer.result.get() else {
                if let answer = outcomes.first(where: { $0.isUpstream }), case .failure(let error) = answer.result { throw error }
                throw HTTPClientError(code: .transport, detail: "the upstream transfer ended without a response")
            }
            upstream = response
        } else {
            let body: [UInt8]? = hasBody ? Array(buffer: try await Body.collect(request, limit: limit)) : nil
            upstream = try await pool.execute(self.http) { base in
                CurlRequest(method: request.method.rawValue, url: base + path + query, headers: headers, body: body, timeout: timeout)
            }
        }

        return Response(
            status: HTTPResponse.Status(code: upstream.status), headers: self.responseHeaders(upstream), body: .init(byteBuffer: upstream.buffer)
        )
    }

    /// The service's response headers the client sees: hop-by-hop and framing headers dropped (Hummingbird frames the
    /// response itself), and the gateway's own request id instead of the service's.
    func responseHeaders(_ upstream: CurlResponse) -> HTTPFields {
        var responseHeaders = HTTPFields()
        for header in upstream.headers {
            // HTTPField.Name gives the canonical (lower-case) name once; the checks compare that.
            guard let name = HTTPField.Name(header.name), !Self.droppedResponseHeaders.contains(name.canonicalName), name != .requestID else { continue }
            responseHeaders.append(HTTPField(name: name, value: header.value))
        }
        return responseHeaders
    }

    /// A counter of requests in flight with a ceiling (lock-free: one atomic add per request).
    final class ConcurrencyLimit: Sendable {
        let limit: Int
        let inFlight = Atomic<Int>(0)
        init(_ limit: Int) { self.limit = limit }

        func acquire() -> Bool {
            if self.inFlight.add(1, ordering: .relaxed).newValue > self.limit {
                self.inFlight.subtract(1, ordering: .relaxed)
                return false
            }
            return true
        }

        func release() { self.inFlight.subtract(1, ordering: .relaxed) }
    }
}
