import Foundation
import Invoicing
import OpenAPIRuntime
import ServiceKit
import UserProfileClient

/// Reads the sender's business profile from the user role, on behalf of the user (forwarding their own token),
/// through the client generated from the public document's `getProfile` (UserProfileClient): the same operation and
/// schema every client sees, decoded into the domain's `BusinessProfile`.
struct ProfileClient: Sendable {
    let service: ServiceClient

    func profile(for user: AuthenticatedUser, context: AppRequestContext) async throws -> BusinessProfile {
        let client = UserProfileClient.Client(
            serverURL: ServiceClient.placeholderURL, configuration: OpenAPIServing.configuration, transport: self.service,
            middlewares: [UpstreamProblemMiddleware(service: "user"), ServiceCallMiddleware(bearer: user.token, context: context)]
        )
        return try await client.getProfile().ok.body.json
    }
}
