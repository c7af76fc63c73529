import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import OpenSSLSupport
import Prometheus
import Storage
import Synchronization
import W3CTraceContext

/// Metrics (swift-metrics, exported by swift-prometheus) and W3C trace context, for every role.
public enum Observability {
    /// The process's registry: `bootstrap()` installs it as the swift-metrics backend, `/metrics` renders it.
    public static let registry = PrometheusCollectorRegistry()

    /// Installs the Prometheus backend once per process (swift-metrics allows one bootstrap).
    public static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Prometheus names allow [a-zA-Z0-9_:]; swift-metrics labels (Hummingbird's "http.server.request.duration") use dots.
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.sanitize(name), labels.map { (Self.sanitize($0.0), $0.1) })
        }
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
            .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
    }

    static func sanitize(_ name: String) -> String {
        func allowed(_ byte: UInt8) -> Bool { (48...58).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 }
        if name.utf8.allSatisfy(allowed) { return name }
        return String(decoding: name.utf8.map { allowed($0) ? $0 : 95 }, as: UTF8.self)
    }

    /// `GET /metrics` in the Prometheus text format. With `METRICS_TOKEN` it needs that bearer token (compared in
    /// constant time); without one it answers only to a loopback or private client that came straight in — a request
    /// that passed a proxy (an `X-Forwarded-For`) may come from the internet through a platform's edge, whose own
    /// address is private.
    public static func addRoute(to router: Router<AppRequestContext>, token: String?) {
        router.get("/metrics") { request, context in
            if let token {
                let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
                guard OpenSSL.constantTimeEquals(Array(given.utf8), Array(token.utf8)) else { throw Problem.unauthorized("The metrics token is required.") }
            } else {
                guard request.headers[.forwardedFor] == nil, request.headers[HTTPField.Name("Forwarded")!] == nil, Self.isPrivate(context.remoteAddress)
                else { throw Problem.notFound("No such resource.") }
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16 * 1024)
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }

    static let privateNetworks = ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7", "fe80::/10"].compactMap(CIDR.init)

    static func isPrivate(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return Self.privateNetworks.contains { $0.contains(ip) }
    }

    /// This hop's trace context: the caller's trace (from a valid `traceparent`) or a new one, with a new span id.
    /// What goes on to upstream services is `traceparent` with this span as the parent.
    public static func traceContext(from header: String?, state: String?) -> TraceContext {
        var random = TraceRandom()
        if let header, let incoming = try? TraceContext(traceParentHeaderValue: header, traceStateHeaderValue: state) {
            return TraceContext(traceID: incoming.traceID, spanID: .random(using: &random), flags: incoming.flags, state: incoming.state)
        }
        return TraceContext(traceID: .random(using: &random), spanID: .random(using: &random), flags: [], state: TraceState([]))
    }
}

/// Trace and span ids need to be unique, not secret (W3C Trace Context §6.2), so they come from SplitMix64 over an
/// atomic counter seeded once from the system generator, instead of a getrandom system call per id.
struct TraceRandom: RandomNumberGenerator {
    static let state = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    mutating func next() -> UInt64 {
        var z = Self.state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A `DocumentStore` that times every operation (`store_operation_duration_seconds{engine, operation}`) and counts
/// failures; wraps whichever engine the role opened.
public struct MeteredStore: DocumentStore {
    let base: any DocumentStore
    /// One timer and one error counter per operation, made once (not per call).
    let timers: [String: Timer]
    let errors: [String: Metrics.Counter]
    public var engine: String { self.base.engine }

    static let operations = ["prepare", "insert", "findOne", "find", "replaceOne", "delete", "ping"]

    public init(_ base: any DocumentStore) {
        self.base = base
        var timers: [String: Timer] = [:]
        var errors: [String: Metrics.Counter] = [:]
        for operation in Self.operations {
            timers[operation] = Timer(label: "store_operation_duration_seconds", dimensions: [("engine", base.engine), ("operation", operation)])
            errors[operation] = Metrics.Counter(label: "store_operation_errors_total", dimensions: [("engine", base.engine), ("operation", operation)])
        }
        self.timers = timers
        self.errors = errors
    }

    func measure<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let result = try await body()
            self.timers[operation]?.recordInterval(since: start)
            return result
        } catch {
            self.errors[operation]?.increment()
            throw error
        }
    }

    public func prepare(_ collections: [CollectionSpec]) async throws { try await self.measure("prepare") { try await self.base.prepare(collections) } }
    public func insert<D: StoredDocument>(_ document: D, into collection: String) async throws {
        try await self.measure("insert") { try await self.base.insert(document, into: collection) }
    }
    public func findOne<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter) async throws -> D? {
        try await self.measure("findOne") { try await self.base.findOne(type, in: collection, where: filter) }
    }
    public func find<D: StoredDocument>(_ type: D.Type, in collection: String, where filter: Filter, sort: [SortField], limit: Int) async throws -> [D] {
        try await self.measure("find") { try await self.base.find(type, in: collection, where: filter, sort: sort, limit: limit) }
    }
    public func replaceOne<D: StoredDocument>(_ document: D, in collection: String, where filter: Filter) async throws -> Bool {
        try await self.measure("replaceOne") { try await self.base.replaceOne(document, in: collection, where: filter) }
    }
    public func delete(in collection: String, where filter: Filter) async throws -> Int {
        try await self.measure("delete") { try await self.base.delete(in: collection, where: filter) }
    }
    public func count(in collection: String, where filter: Filter) async throws -> Int {
        try await self.measure("count") { try await self.base.count(in: collection, where: filter) }
    }
    public func ping() async throws { try await self.measure("ping") { try await self.base.ping() } }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        self.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
