import Foundation
import HTTPClient
import Hummingbird
import Invoicing
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceKit
import Storage

/// The user role's whole surface: the operations tagged `users` in the API document (the signed-in user's business
/// profile), as the generated `APIProtocol` (Generated/, from scripts/generate-openapi.sh) declares them. The user is
/// the access token's `sub`, verified by `BearerAuthMiddleware` before a handler runs.
struct UserAPI: APIProtocol {
    let profiles: ProfileRepository

    func getProfile(_ input: Operations.GetProfile.Input) async throws -> Operations.GetProfile.Output {
        let user = try OpenAPIServing.user()
        let stored = try await self.profiles.find(userID: user.id)
        return .ok(.init(body: .json(ProfileView(userID: user.id, profile: stored?.profile ?? BusinessProfile(), updatedAt: stored?.updatedAt))))
    }

    func updateProfile(_ input: Operations.UpdateProfile.Input) async throws -> Operations.UpdateProfile.Output {
        let user = try OpenAPIServing.user()
        guard case .json(let patch) = input.body else { throw OpenAPIServing.undocumentedBody }
        let current = try await self.profiles.find(userID: user.id)?.profile ?? BusinessProfile()
        let updated = StoredProfile(id: user.id, profile: try patch.apply(to: current), updatedAt: .storeNow)
        try await self.profiles.save(updated)
        return .ok(.init(body: .json(ProfileView(userID: user.id, profile: updated.profile, updatedAt: updated.updatedAt))))
    }
}
