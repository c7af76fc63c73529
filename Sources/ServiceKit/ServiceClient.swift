import Foundation
import HTTPClient
import Storage

/// Calls another role over HTTP, exactly as deployed apart (in `serve all` too, over loopback).
public struct ServiceClient: Sendable {
    public let baseURL: String
    let http: CurlHTTPClient
    let timeout: Duration

    public init(baseURL: String, http: CurlHTTPClient, timeout: Duration) {
        self.baseURL = baseURL
        self.http = http
        self.timeout = timeout
    }

    /// Sends `body` (already JSON) to `path` on the service.
    public func send(_ method: String, _ path: String, bearer: String?, requestID: String, body: [UInt8]? = nil) async throws -> HTTPClientResponse {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("X-Request-Id", requestID)]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await self.http.execute(HTTPClientRequest(method: method, url: self.baseURL + path, headers: headers, body: body, timeout: self.timeout))
    }

    /// Decodes a 2xx JSON response.
    public static func decode<T: Decodable>(_ type: T.Type, from response: HTTPClientResponse) throws -> T {
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
