import HTTPTypes
import OpenAPIRuntime

/// Registers each generated operation on one of two route groups: the few the document opens to anyone
/// (`security: []`, say `POST /api/auth/logout`, whose credential is the refresh token in its body) on `open`, every
/// other on `secured` (behind `BearerAuthMiddleware`). The generated code registers all its operations at once; this
/// is where they part.
public struct SecurityGroups: ServerTransport {
    let secured: any ServerTransport
    let open: any ServerTransport
    let openOperations: Set<String>

    /// - Parameter openOperations: "METHOD /path" as the document writes them.
    public init(secured: any ServerTransport, open: any ServerTransport, openOperations: Set<String>) {
        self.secured = secured
        self.open = open
        self.openOperations = openOperations
    }

    public func register(
        _ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?), method: HTTPRequest.Method,
        path: String
    ) throws {
        try (self.openOperations.contains("\(method.rawValue) \(path)") ? self.open : self.secured).register(handler, method: method, path: path)
    }
}
