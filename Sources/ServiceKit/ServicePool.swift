import Foundation
import HTTPClient
import Metrics
import Synchronization

/// The instances of one service (a service URL may list several, comma-separated): requests go round-robin, and an
/// instance that refuses the connection is skipped for a few seconds while the request moves on to the next one.
///
/// Only a refused connection moves a request: nothing reached the instance, so trying another cannot do anything
/// twice. A timeout or a reset after sending is the caller's error (the instance may have acted on it).
public final class ServicePool: Sendable {
    public let instances: [String]
    /// For metrics: "auth", "user", "invoice".
    public let name: String
    // Created once: a metrics factory lookup per request (labels, sanitising, a registry lock) cost more than the
    // recording itself.
    let duration: Timer
    let refused: Counter
    let timeouts: Counter
    let transport: Counter
    let serverErrors: Counter
    static let quarantine: Duration = .seconds(5)

    private struct State {
        var next = 0
        var downUntil: [ContinuousClock.Instant?]
    }
    private let state: Mutex<State>

    public init(_ instances: [String], name: String = "service") {
        precondition(!instances.isEmpty, "a service needs at least one instance")
        self.instances = instances
        self.name = name
        self.duration = Timer(label: "upstream_request_duration_seconds", dimensions: [("service", name)])
        self.refused = Counter(label: "upstream_errors_total", dimensions: [("service", name), ("kind", "refused")])
        self.timeouts = Counter(label: "upstream_errors_total", dimensions: [("service", name), ("kind", "timeout")])
        self.transport = Counter(label: "upstream_errors_total", dimensions: [("service", name), ("kind", "transport")])
        self.serverErrors = Counter(label: "upstream_errors_total", dimensions: [("service", name), ("kind", "status_5xx")])
        self.state = Mutex(State(downUntil: Array(repeating: nil, count: instances.count)))
    }

    /// Parses a service-URL setting (one address or several).
    public convenience init?(setting: String?, name: String) {
        guard let setting, let instances = ServiceURL.parseList(setting) else { return nil }
        self.init(instances, name: name)
    }

    /// The order to try instances in for one request: round-robin from the next one, instances in quarantine last.
    func order() -> [Int] {
        let now = ContinuousClock.now
        return self.state.withLock { state in
            let start = state.next
            state.next = (state.next + 1) % self.instances.count
            let rotation = (0..<self.instances.count).map { (start + $0) % self.instances.count }
            let up = rotation.filter { state.downUntil[$0].map { $0 <= now } ?? true }
            return up + rotation.filter { !up.contains($0) }
        }
    }

    func markDown(_ index: Int) {
        self.state.withLock { $0.downUntil[index] = ContinuousClock.now + Self.quarantine }
    }

    func markUp(_ index: Int) {
        self.state.withLock { $0.downUntil[index] = nil }
    }

    /// Sends the request `make` builds for an instance's base URL, moving on when an instance refuses the connection.
    public func execute(_ http: CurlHTTPClient, _ make: (String) -> CurlRequest) async throws -> CurlResponse {
        try await self.attempt { base in
            let response = try await http.execute(make(base))
            return (response, response.status)
        }
    }

    /// As `execute`, with the response's body streamed (`CurlHTTPClient.stream`): for answers of any size.
    public func stream(_ http: CurlHTTPClient, _ make: (String) -> CurlRequest) async throws -> (head: CurlResponse, body: DownloadStream) {
        try await self.attempt { base in
            let response = try await http.stream(make(base))
            return (response, response.head.status)
        }
    }

    private func attempt<Answer>(_ send: (String) async throws -> (Answer, status: Int)) async throws -> Answer {
        var lastError: (any Error)?
        let start = ContinuousClock.now
        for index in self.order() {
            do {
                let (answer, status) = try await send(self.instances[index])
                self.markUp(index)
                self.duration.recordInterval(since: start)
                if status >= 500 { self.serverErrors.increment() }
                return answer
            } catch let error as HTTPClientError where error.code == .connectFailed {
                self.refused.increment()
                self.markDown(index)
                lastError = error
            } catch let error as HTTPClientError {
                (error.code == .timedOut ? self.timeouts : self.transport).increment()
                throw error
            }
        }
        throw lastError ?? HTTPClientError(code: .connectFailed, detail: "no instance")
    }
}
