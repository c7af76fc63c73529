import Foundation
import HTTPClient

/// Calls another role over HTTP, exactly as deployed apart (in `serve all` too, over loopback), spreading requests
/// over the role's instances: the transport of the generated clients of the internal hops (`ServiceCalls.swift`).
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
}
