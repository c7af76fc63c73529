import Foundation
import HTTPClient
import Hummingbird
import Storage

/// Calls another role over HTTP, exactly as deployed apart (in `serve all` too, over loopback), spreading requests
/// over the role's instances.
public struct ServiceClient: Sendable {
    public let pool: ServicePool
    let http: CurlHTTPClient
    let timeout: Duration

    public init(pool: ServicePool, http: CurlHTTPClient, timeout: Duration) {
        self.pool = pool
        self.http = http
        self.timeout = timeout
    }

    public init(baseURL: String, http: CurlHTTPClient, timeout: Duration) {
        self.init(pool: ServicePool([baseURL]), http: http, timeout: timeout)
    }

    /// Sends `body` (already JSON) to `path` on the service.
    public func send(
        _ method: String, _ path: String, bearer: String?, requestID: String, traceParent: String? = nil, body: [UInt8]? = nil
    ) async throws -> CurlResponse {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("X-Request-Id", requestID)]
        if let traceParent { headers.append(("traceparent", traceParent)) }
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await self.pool.execute(self.http) { base in
            CurlRequest(method: method, url: base + path, headers: headers, body: body, timeout: self.timeout)
        }
    }

    /// Decodes a 2xx JSON response.
    public static func decode<T: Decodable>(_ type: T.Type, from response: CurlResponse) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = StoreDates.date(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date"))
            }
            return date
        }
        return try decoder.decode(T.self, from: Data(response.body))
    }
}
