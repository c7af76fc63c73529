import Foundation
import ServiceKit

/// Sign-in at the gateway, the only token issuer: `POST /api/auth/register` and `POST /api/auth/login`.
///
/// The gateway forwards the credentials to the auth role's internal endpoints (with a one-minute service token),
/// and signs the access token itself when the auth role vouches for the user. Problems from the auth role (409, 401,
/// 422) pass through unchanged.
struct SessionController {
    let auth: ServiceClient
    let tokens: TokenService

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/auth/register") { request, context in
            try await self.signIn(request, context: context, internalPath: "/internal/accounts", successStatus: .created)
        }
        router.post("/api/auth/login") { request, context in
            try await self.signIn(request, context: context, internalPath: "/internal/credentials/verify", successStatus: .ok)
        }
    }

    struct AccountSummary: Codable, Sendable {
        var id: String
        var email: String
        var name: String
        var createdAt: String
    }

    struct TokenResponse: Encodable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
        var user: AccountSummary
    }

    func signIn(_ request: Request, context: AppRequestContext, internalPath: String, successStatus: HTTPResponse.Status) async throws -> Response {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("application/json") else {
            throw Problem(.unsupportedMediaType, detail: "Send the body as application/json.")
        }
        let body = try await Body.collect(request, limit: 16 * 1024)
        let serviceToken = try self.tokens.issueServiceToken(caller: "gateway")
        let response = try await self.auth.send("POST", internalPath, bearer: serviceToken, requestID: context.requestID, body: Array(buffer: body))
        guard response.status == successStatus.code else {
            // The auth role's problem document is already what the client should see.
            guard (400..<500).contains(response.status), response.status != 401 || internalPath.hasSuffix("verify") else {
                context.logger.error("auth role refused the gateway", metadata: ["status": .stringConvertible(response.status)])
                throw Problem(.badGateway, detail: "The auth service failed.")
            }
            return Response(
                status: HTTPResponse.Status(code: response.status),
                headers: [.contentType: response.header("Content-Type") ?? "application/problem+json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: response.body))
            )
        }
        let account = try ServiceClient.decode(AccountSummary.self, from: response)
        let token = try self.tokens.issueAccessToken(userID: account.id, email: account.email, name: account.name)
        return try Body.json(TokenResponse(accessToken: token, expiresIn: Int(self.tokens.accessTokenLifetime), user: account), status: successStatus)
    }
}
