import Auth
import Foundation
import Gateway
import HTTPClient
import Hummingbird
import Invoices
import JWT
import PDF
import ServiceKit
import Storage
import Testing
import Users

/// The routers against the API document, both ways: every route a role's router has is an operation of the document
/// (infrastructure aside: `/metrics`, the services' own `/healthz` and `/readyz`, the auth role's internal endpoints),
/// and every operation of the document is routed by the role its tag names — and by the gateway, which forwards it.
/// That every documented operation also *answers* is `OpenAPIDocumentTests.everyOperationAnswers`.
@Suite("Routes and the document")
struct RouteCoverageTests {
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(self.method) \(self.path)" }
    }

    /// The document's operations by the role (`x-role` of their first tag).
    static func documented() throws -> [String: Set<Operation>] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/Gateway/openapi.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let tags = try #require(root["tags"] as? [[String: Any]])
        var roles: [String: String] = [:]
        for tag in tags { roles[try #require(tag["name"] as? String)] = try #require(tag["x-role"] as? String) }
        var byRole: [String: Set<Operation>] = [:]
        for (path, item) in try #require(root["paths"] as? [String: [String: Any]]) {
            for (method, value) in item {
                guard let op = value as? [String: Any], let tag = (op["tags"] as? [String])?.first else { continue }
                byRole[try #require(roles[tag]), default: []].insert(Operation(method: method.uppercased(), path: path))
            }
        }
        return byRole
    }

    /// A router's routes, with Hummingbird's `:capture` spelling turned into the document's `{capture}`.
    static func routes(_ router: Router<AppRequestContext>) -> Set<Operation> {
        Set(
            router.routes.map { route in
                let path = "\(route.path)".split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                }
                return Operation(method: route.method.rawValue, path: path.joined(separator: "/"))
            }
        )
    }

    static let infrastructure: Set<String> = ["/metrics", "/healthz", "/readyz"]

    @Test func everyRouteIsDocumentedAndEveryOperationRouted() async throws {
        let documented = try Self.documented()
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let settings = try Settings(environment: ["JWT_SECRET": Cluster.secret, "HOST": "127.0.0.1", "PORT": "0"])
        let store = try SQLiteStore(path: ":memory:")
        let hasher = PasswordHasher()
        let renderer = InvoicePDFRenderer()
        let routers: [String: Router<AppRequestContext>] = [
            "gateway": try GatewayRole.buildRouter(
                settings: settings, upstreams: Upstreams(auth: "http://127.0.0.1:1", user: "http://127.0.0.1:1", invoice: "http://127.0.0.1:1"),
                tokens: try settings.tokenService(for: .gateway, http: http), publishedKeys: JWKSet(keys: []), http: http, timeout: .seconds(1)
            ),
            "auth": try AuthRole.buildRouter(store: store, hasher: hasher, tokens: try settings.tokenService(for: .auth, http: http)),
            "user": try UserRole.buildRouter(store: store, tokens: try settings.tokenService(for: .user, http: http)),
            "invoice": try InvoiceRole.buildRouter(
                store: store, tokens: try settings.tokenService(for: .invoice, http: http),
                userService: ServiceClient(baseURL: "http://127.0.0.1:1", http: http, timeout: .seconds(1)),
                renderer: renderer
            ),
        ]
        let everything = documented.values.reduce(into: Set<Operation>()) { $0.formUnion($1) }
        for (role, router) in routers {
            let routes = Self.routes(router)
            // Documented operations of this role are routed here; the gateway also routes every operation (it forwards).
            let expected = role == "gateway" ? everything : documented[role] ?? []
            let missing = expected.subtracting(routes)
            #expect(missing.isEmpty, "\(role) does not route \(missing.sorted { $0.description < $1.description })")
            // And nothing else, but the infrastructure every role has.
            let extra = routes.subtracting(everything).filter {
                !Self.infrastructure.contains($0.path) && !$0.path.hasPrefix("/internal/") && !(role == "gateway" && GatewayRole.webAppPaths.contains($0.path))
            }
            #expect(extra.isEmpty, "\(role) routes what the document does not say: \(extra.sorted { $0.description < $1.description })")
            if role != "gateway" {
                let foreign = routes.intersection(everything).subtracting(documented[role] ?? []).filter { !Self.infrastructure.contains($0.path) }
                #expect(foreign.isEmpty, "\(role) routes another role's operations: \(foreign)")
            }
        }
        // The auth role's internal routes are exactly the internal document's operations.
        let internalURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../OpenAPI/internal.json")
        let internalDocument = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: internalURL)) as? [String: Any])
        var internalOperations = Set<Operation>()
        for (path, item) in try #require(internalDocument["paths"] as? [String: [String: Any]]) {
            for method in item.keys { internalOperations.insert(Operation(method: method.uppercased(), path: path)) }
        }
        let authInternal = Self.routes(try #require(routers["auth"])).filter { $0.path.hasPrefix("/internal/") }
        #expect(authInternal == internalOperations, "auth's internal routes \(authInternal) against the internal document \(internalOperations)")
        #expect(internalOperations.count == 6)
        // The walk saw every operation: none is left without a role.
        #expect(everything.count == 41, "operations: \(everything.count)")
        try await hasher.shutdown()
        try await renderer.shutdown()
    }
}
