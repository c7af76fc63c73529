import Foundation
import HTTPTypes
import OpenAPIRuntime

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
        // Most responses carry no escaped value (a JSON body's Content-Type only): nothing to rebuild.
        guard response.headerFields.contains(where: { $0.value.utf8.contains(UInt8(ascii: "%")) }) else { return (response, responseBody) }
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
