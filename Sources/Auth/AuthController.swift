import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit
import Storage
import WireFormat

/// The auth role's whole surface: it owns identities (accounts, password hashes, Google links), refresh-token
/// families and one-time sign-in codes. It never signs a token; the gateway does.
///
/// Public (through the gateway), answered by `AuthAPI` as the API document declares them:
/// - `GET /api/auth/me` (bearer access token)
/// - `POST /api/auth/logout` {refreshToken} → 204, revokes that token's family
/// - `POST /api/auth/logout-all` (bearer access token) → 204, revokes every family of the user
///
/// Internal (service token from the gateway only), answered by `AuthInternalHandlers` as OpenAPI/internal.json
/// declares them (accounts, credentials, refresh, Google sessions and codes, code redemption).
struct AuthController {
    let accounts: AccountRepository
    let refreshTokens: RefreshTokenStore
    let hasher: PasswordHasher
    let tokens: TokenService
    let throttle: SignInThrottle

    /// What the gateway turns into a sign-in response (it adds the access token).
    struct SessionGrant: Sendable {
        var user: AccountView
        var refreshToken: String
        var refreshExpiresIn: Int
    }

    func grant(_ account: Account, familyID: String? = nil) async throws -> SessionGrant {
        let refreshToken = try await self.refreshTokens.issue(userID: account.id, familyID: familyID)
        return SessionGrant(user: account.publicView, refreshToken: refreshToken, refreshExpiresIn: Int(self.refreshTokens.lifetime))
    }

    // MARK: Public (AuthAPI answers these)

    func me(user: AuthenticatedUser) async throws -> AccountView {
        guard let account = try await self.accounts.find(id: user.id) else { throw Problem.notFound("The account no longer exists.") }
        return account.publicView
    }

    /// Idempotent: an unknown or already revoked token is still a 204, so the endpoint reveals nothing.
    func logout(refreshToken: String) async throws {
        try await self.refreshTokens.revokeFamily(of: refreshToken)
    }

    func logoutAll(user: AuthenticatedUser, context: AppRequestContext) async throws {
        try await self.refreshTokens.revokeAll(userID: user.id)
        context.logger.info("all sessions revoked", metadata: ["userId": .string(user.id)])
    }

    // MARK: Internal

    struct RegisterInput: Sendable {
        var email: String
        var password: String
        var name: String
    }

    func register(_ input: RegisterInput, context: AppRequestContext) async throws -> SessionGrant {
        var problems: [Problem.FieldProblem] = []
        let email = Email.normalise(input.email)
        if email == nil { problems.append(.init(field: "email", message: "is not a valid email address")) }
        if let problem = PasswordHasher.problem(input.password) { problems.append(.init(field: "password", message: problem)) }
        let name = Self.cleanName(input.name)
        if name.isEmpty || name.count > 200 { problems.append(.init(field: "name", message: "must be 1 to 200 characters")) }
        if TextRules.containsForbidden(input.name) { problems.append(.init(field: "name", message: "must not contain control characters")) }
        guard problems.isEmpty, let email else { throw Problem.unprocessable("The registration is invalid.", errors: problems) }

        let account = Account(
            id: DocumentID.make(), email: email, name: name, passwordHash: try await self.hasher.hash(input.password), googleSubject: nil, createdAt: .storeNow
        )
        do {
            try await self.accounts.create(account)
        } catch let error as StoreError where error.code == .duplicateKey {
            throw Problem.conflict("An account with this email already exists.")
        }
        context.logger.info("account created", metadata: ["userId": .string(account.id)])
        return try await self.grant(account)
    }

    func verify(email given: String, password: String) async throws -> SessionGrant {
        let input = (email: given, password: password)
        let email = Email.normalise(input.email)
        // Too many failures for this address: refused before any scrypt, whether or not the account exists.
        if let email { try await self.throttle.refuseIfLocked(email) }
        // Unknown email, malformed email, Google-only account and wrong password all take one scrypt and end in the same 401.
        let account: Account? =
            if let email, input.password.utf8.count <= PasswordHasher.maximumBytes {
                try await self.accounts.find(email: email)
            } else {
                nil
            }
        let password = input.password.utf8.count <= PasswordHasher.maximumBytes ? input.password : ""
        guard try await self.hasher.verify(password, against: account?.passwordHash), var account else {
            if let email { try await self.throttle.recordFailure(for: email) }
            throw Problem(.unauthorized, detail: "The email or password is incorrect.")
        }
        if let email { try await self.throttle.recordSuccess(for: email) }
        // A hash made with weaker parameters than today's is replaced now, while the password is at hand.
        if let stored = account.passwordHash, self.hasher.needsRehash(stored) {
            account.passwordHash = try await self.hasher.hash(password)
            try await self.accounts.save(account)
        }
        return try await self.grant(account)
    }

    func refresh(_ refreshToken: String, context: AppRequestContext) async throws -> SessionGrant {
        switch try await self.refreshTokens.rotate(refreshToken) {
        case .rotated(let userID, let token):
            guard let account = try await self.accounts.find(id: userID) else { throw Problem.unauthorized("The refresh token is invalid.") }
            return SessionGrant(user: account.publicView, refreshToken: token, refreshExpiresIn: Int(self.refreshTokens.lifetime))
        case .reused:
            context.logger.warning("refresh token reuse: family revoked")
            throw Problem.unauthorized("The refresh token was already used; every session of this sign-in has been revoked.")
        case .invalid:
            throw Problem.unauthorized("The refresh token is invalid or expired.")
        }
    }

    struct GoogleInput: Sendable {
        var subject: String
        var email: String
        var emailVerified: Bool
        var name: String?
        /// The ID token's `hd` (Workspace domain), when present.
        var hostedDomain: String?
        /// The account's password, when the user links Google to a password account (`/api/auth/google/link`).
        var password: String?
        /// For `issue: "code"`: the random binding the gateway gave the browser that signed in (stored hashed).
        var binding: String?
    }

    /// Whether Google is authoritative for `email`: Google's own addresses, or a Workspace account whose `hd` is the
    /// address's domain. Only then does a verified Google email prove who owns a password account's address.
    static func googleIsAuthoritative(for email: String, hostedDomain: String?) -> Bool {
        guard let domain = email.split(separator: "@").last.map(String.init) else { return false }
        if domain == "gmail.com" || domain == "googlemail.com" { return true }
        guard let hostedDomain = hostedDomain?.lowercased(), !hostedDomain.isEmpty else { return false }
        return hostedDomain == domain
    }

    struct CodeGrant: Sendable {
        var code: String
        var expiresIn: Int
    }

    /// Signs in with an identity the gateway verified from a Google ID token.
    ///
    /// Linking policy: an account is keyed on Google's `sub`. A first Google sign-in whose verified email matches a
    /// password account links to it only where Google is authoritative for the address (`@gmail.com`, or `hd` equal
    /// to the address's domain): then the Google user owns the address, and because our password accounts never
    /// proved they own theirs, the link removes that password and revokes the account's sessions — a pre-hijacker
    /// loses access, the owner keeps the account. For any other address a verified Google email proves nothing about
    /// the password account (a Google account can be made for any address), so linking needs the account's password
    /// (`POST /api/auth/google/link`), and then the password stays: it is never removed without its owner. An
    /// unverified Google email never links or creates anything.
    func googleAccount(_ input: GoogleInput, context: AppRequestContext) async throws -> Account {
        guard input.emailVerified, let email = Email.normalise(input.email), !input.subject.isEmpty, input.subject.count <= 255 else {
            throw Problem(.forbidden, detail: "Google did not verify this email address.")
        }
        var account: Account
        if let linked = try await self.accounts.find(googleSubject: input.subject) {
            account = linked
        } else if var existing = try await self.accounts.find(email: email) {
            guard existing.googleSubject == nil else { throw Problem.conflict("This email is linked to another Google account.") }
            if let password = input.password {
                // Linking with the password: the owner of the account asks for it; the password stays. Guesses
                // count against the same per-address throttle as sign-ins.
                try await self.throttle.refuseIfLocked(email)
                guard password.utf8.count <= PasswordHasher.maximumBytes, try await self.hasher.verify(password, against: existing.passwordHash) else {
                    try await self.throttle.recordFailure(for: email)
                    throw Problem(.unauthorized, detail: "The password is incorrect.")
                }
                try await self.throttle.recordSuccess(for: email)
            } else if Self.googleIsAuthoritative(for: email, hostedDomain: input.hostedDomain) {
                if existing.passwordHash != nil {
                    existing.passwordHash = nil
                    try await self.refreshTokens.revokeAll(userID: existing.id)
                }
            } else {
                throw Problem(
                    .conflict, title: "Link required",
                    detail:
                        "An account with this email exists. Sign in with its password, or link Google to it with POST /api/auth/google/link {idToken, password}.",
                    type: "https://voice-invoice.example/problems/link-required"
                )
            }
            existing.googleSubject = input.subject
            try await self.accounts.save(existing)
            context.logger.info("google identity linked", metadata: ["userId": .string(existing.id)])
            account = existing
        } else {
            let name = Self.cleanName(input.name ?? "")
            account = Account(
                id: DocumentID.make(), email: email, name: name.isEmpty ? String(email.prefix { $0 != "@" }) : String(name.prefix(200)), passwordHash: nil,
                googleSubject: input.subject, createdAt: .storeNow
            )
            do {
                try await self.accounts.create(account)
            } catch let error as StoreError where error.code == .duplicateKey {
                // A concurrent first sign-in of the same identity won the race; use its account.
                guard let winner = try await self.accounts.find(googleSubject: input.subject) else { throw error }
                account = winner
            }
        }
        return account
    }

    /// A Google sign-in from a native app: a session at once.
    func googleSession(_ input: GoogleInput, context: AppRequestContext) async throws -> SessionGrant {
        try await self.grant(try await self.googleAccount(input, context: context))
    }

    /// A Google sign-in from the web flow: a one-time code bound to the browser, redeemed by `redeem`.
    func googleCode(_ input: GoogleInput, context: AppRequestContext) async throws -> CodeGrant {
        guard let binding = input.binding, !binding.isEmpty else { throw Problem.badRequest("A one-time code needs a browser binding.") }
        let account = try await self.googleAccount(input, context: context)
        let code = try await self.refreshTokens.issueCode(userID: account.id, binding: binding)
        return CodeGrant(code: code, expiresIn: Int(RefreshTokenStore.codeLifetime))
    }

    /// `binding` is that of the browser presenting the code (the gateway reads it from that browser's cookie).
    func redeem(code: String, binding: String) async throws -> SessionGrant {
        guard let userID = try await self.refreshTokens.redeemCode(code, binding: binding), let account = try await self.accounts.find(id: userID) else {
            throw Problem.unauthorized("The sign-in code is invalid, expired or already used.")
        }
        return try await self.grant(account)
    }

    static func cleanName(_ name: String) -> String { name.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
}
