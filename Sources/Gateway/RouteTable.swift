import Foundation
import HTTPTypes

/// Which role answers each operation of the public API, read from the API document itself: an operation's first tag
/// names it, and the document's tags say which role serves each (`x-role`). The proxy registers exactly these routes,
/// so an operation added to the document is forwarded without another list to keep, and a path the document lacks
/// is a 404 at the gateway, never forwarded.
struct RouteTable: Sendable {
    enum Role: String, Sendable { case gateway, auth, user, invoice }

    struct Operation: Sendable, Equatable {
        var id: String
        var method: HTTPRequest.Method
        /// As the document writes it: `/api/invoices/{id}` (Hummingbird reads `{id}` as a capture).
        var path: String
        var role: Role
    }

    let operations: [Operation]

    /// The operations of the document; an operation without a tag, or a tag without a role, is an error (the
    /// document's test catches it before any deploy).
    init(document bytes: [UInt8]) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], let paths = root["paths"] as? [String: Any],
            let tags = root["tags"] as? [[String: Any]]
        else { throw RouteTableError("the document has no paths or tags") }
        var roles: [String: Role] = [:]
        for tag in tags {
            guard let name = tag["name"] as? String, let raw = tag["x-role"] as? String, let role = Role(rawValue: raw) else {
                throw RouteTableError("every tag needs a name and an x-role")
            }
            roles[name] = role
        }
        var operations: [Operation] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard let item = item as? [String: Any] else { continue }
            for (method, value) in item.sorted(by: { $0.key < $1.key }) {
                guard let parsed = HTTPRequest.Method(method.uppercased()), let op = value as? [String: Any] else { continue }
                guard let id = op["operationId"] as? String, let tag = (op["tags"] as? [String])?.first, let role = roles[tag] else {
                    throw RouteTableError("\(method.uppercased()) \(path) needs an operationId and a tag with a role")
                }
                operations.append(Operation(id: id, method: parsed, path: path, role: role))
            }
        }
        self.operations = operations
    }

    /// The public API's own table (the document embedded in the binary).
    static func publicAPI() throws -> RouteTable { try RouteTable(document: PackageResources.openapi_json) }

    /// The operations another role answers: what the proxy forwards.
    var proxied: [Operation] { self.operations.filter { $0.role != .gateway } }
}

struct RouteTableError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
