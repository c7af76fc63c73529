import Foundation
import TestSupport
import Testing

/// The contract the gateway serves: a valid OpenAPI 3.1 document, and every operation in it routed by the product.
@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    @Test func theGatewayServesAValidDocumentWhoseOperationsAllRoute() async throws {
        try await Cluster.run { c in
            let served = try await c.call("GET", c.gateway + "/openapi.json")
            #expect(served.status == 200)
            #expect(served.header("content-type")?.hasPrefix("application/json") == true)
            // A real validator (openapi-spec-validator, PyPI) says it is a valid OpenAPI document.
            let verdict = String(decoding: try Peers.run("openapi_check.py", input: Data(served.body)), as: UTF8.self)
            #expect(verdict.trimmingCharacters(in: .whitespacesAndNewlines) == "valid", "\(verdict)")

            let document = try #require(try JSONSerialization.jsonObject(with: Data(served.body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let (token, _) = try await c.register("contract@example.com")
            var operations = 0
            for (path, methods) in paths.sorted(by: { $0.key < $1.key }) {
                // A well-formed id that is nobody's: the handler answers (404 "no invoice"), so nothing changes.
                let concrete = path.replacingOccurrences(of: "{id}", with: "0123456789abcdef0123456789abcdef")
                for method in methods.keys where ["get", "post", "patch", "delete", "put"].contains(method) {
                    operations += 1
                    let hasBody = method == "post" || method == "patch"
                    let reply = try await c.call(
                        method.uppercased(), c.gateway + concrete, token: token, raw: hasBody ? Array("{}".utf8) : nil,
                        contentType: hasBody ? "application/json" : nil)
                    // The router's own answers for a route it does not have: 404 "No route matches…" or 405.
                    let unrouted = reply.status == 405 || (reply.status == 404 && (reply.json["detail"] as? String)?.hasPrefix("No route matches") == true)
                    #expect(!unrouted, "\(method.uppercased()) \(path) is documented but not routed: \(reply.status) \(reply.text.prefix(200))")
                    #expect(reply.status < 500 || reply.status == 503, "\(method.uppercased()) \(path): \(reply.status)")
                }
            }
            #expect(operations >= 40, "only \(operations) operations documented")
            // And a route the document does not have is not there either.
            let undocumented = try await c.call("GET", c.gateway + "/api/invoices/0123456789abcdef0123456789abcdef/bogus", token: token)
            #expect(undocumented.status == 404)
        }
    }
}
