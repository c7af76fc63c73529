import Foundation
import ServiceKit

/// The auth role's whole surface.
///
/// Public (bearer access token): `GET /api/auth/me`.
/// Internal (service token, called by the gateway, which alone signs user tokens):
/// `POST /internal/accounts` creates an account, `POST /internal/credentials/verify` checks a password.
struct AuthController {
    let accounts: AccountRepository
    let hasher: PasswordHasher
    let tokens: TokenService

    var publicEndpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
            .add(middleware: BearerAuthMiddleware(tokens: self.tokens))
        routes.get("me", use: self.me)
        return routes
    }

    var internalEndpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
            .add(middleware: ServiceAuthMiddleware(tokens: self.tokens))
        routes.post("accounts", use: self.register)
        routes.post("credentials/verify", use: self.verify)
        return routes
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let account = try await self.accounts.find(id: user.id) else { throw Problem.notFound("The account no longer exists.") }
        return try Body.json(account.publicView)
    }

    struct RegisterInput: Decodable {
        var email: String
        var password: String
        var name: String
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await Body.decode(RegisterInput.self, from: request, limit: 16 * 1024)
        var problems: [Problem.FieldProblem] = []
        let email = Email.normalise(input.email)
        if email == nil { problems.append(.init(field: "email", message: "is not a valid email address")) }
        if input.password.count < PasswordHasher.minimumLength || input.password.count > PasswordHasher.maximumLength {
            problems.append(.init(field: "password", message: "must be \(PasswordHasher.minimumLength) to \(PasswordHasher.maximumLength) characters"))
        }
        let name = input.name.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        if name.isEmpty || name.count > 200 { problems.append(.init(field: "name", message: "must be 1 to 200 characters")) }
        guard problems.isEmpty, let email else { throw Problem.unprocessable("The registration is invalid.", errors: problems) }

        let account = Account(
            id: DocumentID.make(), email: email, name: name, passwordHash: try await self.hasher.hash(input.password), createdAt: .storeNow
        )
        do {
            try await self.accounts.create(account)
        } catch let error as StoreError where error.code == .duplicateKey {
            throw Problem.conflict("An account with this email already exists.")
        }
        context.logger.info("account created", metadata: ["userId": .string(account.id)])
        return try Body.json(account.publicView, status: .created)
    }

    struct CredentialsInput: Decodable {
        var email: String
        var password: String
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await Body.decode(CredentialsInput.self, from: request, limit: 16 * 1024)
        // Unknown email, malformed email and wrong password all take one scrypt and end in the same 401.
        let account: Account? =
            if let email = Email.normalise(input.email), input.password.count <= PasswordHasher.maximumLength {
                try await self.accounts.find(email: email)
            } else {
                nil
            }
        let password = input.password.count <= PasswordHasher.maximumLength ? input.password : ""
        guard try await self.hasher.verify(password, against: account?.passwordHash), let account else {
            throw Problem(.unauthorized, detail: "The email or password is incorrect.")
        }
        return try Body.json(account.publicView)
    }
}
