import AuthInternalAPI
import Foundation
import OpenAPIRuntime
import ServiceKit

/// The auth role's internal surface, for the gateway alone (a service token, checked by `ServiceAuthMiddleware`), as
/// the internal document (OpenAPI/internal.json) declares it; the gateway calls it through the client generated from
/// the same document (AuthInternalAPI), so neither side keeps its own copy of the wire types.
struct AuthInternalHandlers: AuthInternalAPI.APIProtocol {
    let controller: AuthController

    static func grant(_ grant: AuthController.SessionGrant) -> AuthInternalAPI.Components.Schemas.SessionGrant {
        let user = grant.user
        return .init(
            user: .init(id: user.id, email: user.email, name: user.name, hasPassword: user.hasPassword, google: user.google, createdAt: user.createdAt),
            refreshToken: grant.refreshToken, refreshExpiresIn: grant.refreshExpiresIn
        )
    }

    static func identity(_ body: AuthInternalAPI.Components.Schemas.GoogleIdentity) -> AuthController.GoogleInput {
        .init(
            subject: body.subject, email: body.email, emailVerified: body.emailVerified, name: body.name, hostedDomain: body.hostedDomain,
            password: body.password,
            binding: body.binding
        )
    }

    func createAccount(_ input: AuthInternalAPI.Operations.CreateAccount.Input) async throws -> AuthInternalAPI.Operations.CreateAccount.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let grant = try await self.controller.register(
            .init(email: body.email, password: body.password, name: body.name), context: try OpenAPIServing.current())
        return .created(.init(body: .json(Self.grant(grant))))
    }

    func verifyCredentials(_ input: AuthInternalAPI.Operations.VerifyCredentials.Input) async throws -> AuthInternalAPI.Operations.VerifyCredentials.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(Self.grant(try await self.controller.verify(email: body.email, password: body.password)))))
    }

    func rotateRefreshToken(_ input: AuthInternalAPI.Operations.RotateRefreshToken.Input) async throws -> AuthInternalAPI.Operations.RotateRefreshToken.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(Self.grant(try await self.controller.refresh(body.refreshToken, context: try OpenAPIServing.current())))))
    }

    func signInWithGoogle(_ input: AuthInternalAPI.Operations.SignInWithGoogle.Input) async throws -> AuthInternalAPI.Operations.SignInWithGoogle.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(Self.grant(try await self.controller.googleSession(Self.identity(body), context: try OpenAPIServing.current())))))
    }

    func issueGoogleCode(_ input: AuthInternalAPI.Operations.IssueGoogleCode.Input) async throws -> AuthInternalAPI.Operations.IssueGoogleCode.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        let grant = try await self.controller.googleCode(Self.identity(body), context: try OpenAPIServing.current())
        return .ok(.init(body: .json(.init(code: grant.code, expiresIn: grant.expiresIn))))
    }

    func redeemCode(_ input: AuthInternalAPI.Operations.RedeemCode.Input) async throws -> AuthInternalAPI.Operations.RedeemCode.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        return .ok(.init(body: .json(Self.grant(try await self.controller.redeem(code: body.code, binding: body.binding)))))
    }
}
