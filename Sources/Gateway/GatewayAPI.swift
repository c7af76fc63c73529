import AuthInternalAPI
import Foundation
import JWT
import OpenAPIRuntime
import ServiceKit

/// The gateway's own operations of the API document (tags `sign-in` and `health`), as the generated `APIProtocol`
/// (Generated/, from scripts/generate-openapi.sh) declares them: sign-in with JSON bodies, the JWK Set, the services'
/// health and the document itself. What the document gives another role is forwarded by `ProxyController`; the
/// Google web flow and the code exchange (cookies) are `SessionController`'s routes.
struct GatewayAPI: APIProtocol {
    let session: SessionController
    let health: HealthController
    /// The document, decoded once at start: served as JSON with its keys sorted.
    let document: OpenAPIObjectContainer

    static let publicCache = "public, max-age=300"

    func register(_ input: Operations.Register.Input) async throws -> Operations.Register.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let context = try OpenAPIServing.current()
        let grant = try await self.session.authAPI(context).createAccount(body: .json(.init(email: body.email, password: body.password, name: body.name)))
            .created.body.json
        return .created(.init(body: .json(try self.session.tokenResponse(grant))))
    }

    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let context = try OpenAPIServing.current()
        let grant = try await self.session.authAPI(context).verifyCredentials(body: .json(.init(email: body.email, password: body.password))).ok.body.json
        return .ok(.init(body: .json(try self.session.tokenResponse(grant))))
    }

    func refresh(_ input: Operations.Refresh.Input) async throws -> Operations.Refresh.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let context = try OpenAPIServing.current()
        let grant = try await self.session.authAPI(context).rotateRefreshToken(body: .json(.init(refreshToken: body.refreshToken))).ok.body.json
        return .ok(.init(body: .json(try self.session.tokenResponse(grant))))
    }

    func googleToken(_ input: Operations.GoogleToken.Input) async throws -> Operations.GoogleToken.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(try await self.session.googleToken(idToken: body.idToken, context: try OpenAPIServing.current()))))
    }

    func googleLink(_ input: Operations.GoogleLink.Input) async throws -> Operations.GoogleLink.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(try await self.session.googleLink(idToken: body.idToken, password: body.password, context: try OpenAPIServing.current()))))
    }

    func jwks(_ input: Operations.Jwks.Input) async throws -> Operations.Jwks.Output {
        .ok(.init(headers: .init(cacheControl: Self.publicCache), body: .json(self.session.publishedKeys)))
    }

    func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
        let report = await self.health.report(requestID: try OpenAPIServing.current().requestID)
        return report.status == "ok" ? .ok(.init(body: .json(report))) : .serviceUnavailable(.init(body: .json(report)))
    }

    func openAPI(_ input: Operations.OpenAPI.Input) async throws -> Operations.OpenAPI.Output {
        .ok(.init(headers: .init(cacheControl: Self.publicCache), body: .json(self.document)))
    }
}
