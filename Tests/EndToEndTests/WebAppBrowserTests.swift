import Foundation
import TestSupport
import Testing

/// The web app in a real headless Chromium (`Tests/Browser/web_app_checks.py`, Playwright for Python driving Debian's
/// chromium) against the four roles on loopback. Each check of the script reads what the browser shows or did; the
/// script prints `PASS …` per check and fails at the first miss, so these tests list the checks they require.
/// Screenshots (390×844 and 1280×800 per screen), the recorded WAV, PDFs and exports stay in `.build/web-app-artifacts`.
@Suite("Web app in Chromium", .serialized)
struct WebAppBrowserTests {
    static let artifacts = Peers.repositoryRoot.appendingPathComponent(".build/web-app-artifacts").path

    func run(_ arguments: [String], expecting checks: [String]) async throws {
        let (status, output) = try await Peers.run("Browser/web_app_checks.py", arguments: arguments + ["--artifacts", Self.artifacts])
        let figures = output.split(separator: "\n").filter { $0.hasPrefix("FIGURE") || $0.hasPrefix("BROWSER") || $0.hasPrefix("DONE") }
        print(figures.joined(separator: "\n"))
        guard status == 0 else {
            Issue.record("the browser checks failed (screenshot in \(Self.artifacts)):\n\(output)")
            return
        }
        let passed = output.split(separator: "\n").filter { $0.hasPrefix("PASS ") }
        for check in checks { #expect(passed.contains { $0.contains(check) }, "missing check \"\(check)\" in:\n\(output)") }
    }

    /// Register, profile, speak through the fake microphone (espeak-ng's WAV) to the OpenAI-compatible peer, review the
    /// draft with the server's warning beside the price, edit, token refresh ahead of expiry and after a real 401,
    /// finalize, send, partial payment, PDF preview and download, XSS stays text, sign-out revokes.
    @Test func voiceJourneyWithTheProvider() async throws {
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-browser"])
        defer { peer.stop() }
        // A one-minute access token, so that the app must refresh it during the journey.
        try await Cluster.run(
            gateway: ["ACCESS_TOKEN_TTL": "60"], services: ["OPENAI_API_KEY": "sk-browser", "OPENAI_BASE_URL": peer.baseURL + "/v1"]
        ) { c in
            try await self.run(
                ["--base", c.gateway, "--scenario", "voice", "--peer", peer.baseURL, "--jwt-secret", Cluster.secret],
                expecting: [
                    "register", "business profile saved", "recording: timer runs", "voice upload:", "the server's warning is shown beside the price",
                    "draft edited", "the access token was refreshed ahead of its expiry", "an expired access token is refreshed after one 401",
                    "finalized as INV-", "partial payment", "PDF previewed and downloaded", "an invoice for <img src=x onerror=…> stays text",
                    "sign-out revokes", "axe and screenshots: draft review", "axe and screenshots: invoice list", "axe and screenshots: finalized invoice",
                ])
        }
    }

    /// No provider: voice answers 503 and the app offers typing; the typed sentence drafted offline; 429 and 422 shown
    /// where they belong; finalize, payment, PDF; the address book and services edited; list filters and CSV export; the
    /// app from another origin in CLIENT_URL; "Sign in with Google" through the Google peer and /auth/callback.
    @Test func typedJourneyWithoutAProvider() async throws {
        let google = try PeerProcess(script: "google_peer.py", arguments: ["--client-id", "web-app-client", "--client-secret", "peer-secret"])
        defer { google.stop() }
        let gatewayPort = try freeLoopbackPort()
        let gateway = "http://127.0.0.1:\(gatewayPort)"
        let origin = try PeerProcess(
            script: "Browser/static_origin.py",
            arguments: ["--root", Peers.repositoryRoot.appendingPathComponent("Sources/Gateway/WebApp").path, "--api", gateway])
        defer { origin.stop() }
        try await Cluster.run(
            gateway: [
                // The other origin first: Google's web flow lands there, so its code exchange crosses origins (CORS with
                // credentials, the binding cookie of the gateway's site).
                "CLIENT_URL": "\(origin.baseURL),\(gateway)",
                "GOOGLE_CLIENT_ID": "web-app-client", "GOOGLE_CLIENT_SECRET": "peer-secret",
                "GOOGLE_REDIRECT_URI": "\(gateway)/api/auth/google/callback", "GOOGLE_AUTH_URL": google.baseURL + "/o/oauth2/v2/auth",
                "GOOGLE_TOKEN_URL": google.baseURL + "/token", "GOOGLE_JWKS_URL": google.baseURL + "/oauth2/v3/certs",
            ],
            gatewayPort: gatewayPort
        ) { c in
            #expect(c.gateway == gateway)
            try await self.run(
                ["--base", c.gateway, "--scenario", "typed", "--other-origin", origin.baseURL, "--google-peer", google.baseURL],
                expecting: [
                    "register", "business profile saved", "503: voice is not configured, and typing is offered", "429: the retry time is shown",
                    "typed sentence drafted offline", "422: the field error is shown beside Tax %", "finalized as INV-", "partial payment",
                    "PDF previewed and downloaded", "address book: edit aliases and email, add, delete", "services: edit the usual price, forget",
                    "list: status filter and search", "export CSV of the current filter", "signs in and lists through CORS",
                    "regenerated from new words, finalized as the next number, voided",
                    "draft deleted; JSON Lines export of every invoice", "sign-out revokes",
                    "Sign in with Google", "axe and screenshots: clients", "axe and screenshots: services", "axe and screenshots: register",
                    "axe and screenshots: sign in",
                    "axe and screenshots: profile",
                ])
        }
    }
}
