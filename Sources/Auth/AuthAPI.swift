import OpenAPIRuntime
import ServiceKit

/// The auth role's public surface: the operations tagged `auth` in the API document (the signed-in account and
/// signing out), as the generated `APIProtocol` (Generated/, from scripts/generate-openapi.sh) declares them. Its
/// internal surface, for the gateway alone, is `AuthController.internalEndpoints`.
struct AuthAPI: APIProtocol {
    /// The one operation the document opens to anyone: its credential is the refresh token in the body.
    static let openOperations: Set<String> = ["POST /api/auth/logout"]
    let controller: AuthController

    func me(_ input: Operations.Me.Input) async throws -> Operations.Me.Output {
        .ok(.init(body: .json(try await self.controller.me(user: try OpenAPIServing.user()))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        guard case .json(let body) = input.body else { throw OpenAPIServing.undocumentedBody }
        try await self.controller.logout(refreshToken: body.refreshToken)
        return .noContent(.init())
    }

    func logoutAll(_ input: Operations.LogoutAll.Input) async throws -> Operations.LogoutAll.Output {
        let context = try OpenAPIServing.current()
        try await self.controller.logoutAll(user: try context.requireUser(), context: context)
        return .noContent(.init())
    }
}
