import Foundation
import TestSupport
import Testing

/// The running product against its own document, by schemathesis (PyPI): every operation with generated inputs and
/// the document's links followed (create → read, edit, finalize, pay, void, delete), as a user the hook registers.
/// No response may be a 5xx, and status codes, content types, headers and bodies must be what the document says.
/// The AI provider and Google are their test peers, so that voice and Google sign-in answer as configured; rate
/// limits are off, so that the limiter's 429 does not hide the operations.
@Suite("Contract (schemathesis)")
struct ContractTests {
    @Test func theRunningGatewayConformsToItsDocument() async throws {
        let openAI = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-contract"])
        defer { openAI.stop() }
        let google = try PeerProcess(
            script: "google_peer.py", arguments: ["--client-id", "contract-web.apps.googleusercontent.com", "--client-secret", "peer-secret"])
        defer { google.stop() }
        try await Cluster.run(
            gateway: [
                "RATE_LIMIT_ADDRESS": "0", "RATE_LIMIT_SIGN_IN": "0", "RATE_LIMIT_USER": "0",
                "GOOGLE_CLIENT_ID": "contract-web.apps.googleusercontent.com", "GOOGLE_CLIENT_SECRET": "peer-secret",
                "GOOGLE_REDIRECT_URI": "{gateway}/api/auth/google/callback", "CLIENT_URL": "http://127.0.0.1:9/app",
                "GOOGLE_AUTH_URL": google.baseURL + "/o/oauth2/v2/auth", "GOOGLE_TOKEN_URL": google.baseURL + "/token",
                "GOOGLE_JWKS_URL": google.baseURL + "/oauth2/v3/certs",
            ],
            services: ["OPENAI_API_KEY": "sk-contract", "OPENAI_BASE_URL": openAI.baseURL + "/v1"]
        ) { c in
            let (status, output) = try await Peers.run("contract_check.py", arguments: [c.gateway, "25"])
            let summary = output.split(separator: "\n").suffix(30).joined(separator: "\n")
            print("contract: schemathesis\n\(summary)")
            #expect(status == 0, "schemathesis found violations:\n\(output.suffix(20_000))")
        }
    }
}
