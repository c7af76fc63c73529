import Foundation
import Hummingbird
import ServiceKit
import TestSupport
import Testing

/// Google sign-in, web and mobile, against the Google test peer (Tests/Peers/google_peer.py), which issues real
/// RS256 ID tokens signed by PyJWT.
@Suite("Google sign-in against the test peer", .serialized)
struct GoogleSignInTests {
    static let webClient = "web-client.apps.googleusercontent.com"
    static let androidClient = "android-client.apps.googleusercontent.com"
    static let clientURL = "http://127.0.0.1:9/app"

    func withGoogle(_ body: (Cluster, PeerProcess) async throws -> Void) async throws {
        let peer = try PeerProcess(script: "google_peer.py", arguments: ["--client-id", Self.webClient, "--client-secret", "peer-secret"])
        defer { peer.stop() }
        try await Cluster.run(
            gateway: [
                "GOOGLE_CLIENT_ID": Self.webClient, "GOOGLE_CLIENT_SECRET": "peer-secret", "GOOGLE_CLIENT_IDS": Self.androidClient,
                "GOOGLE_REDIRECT_URI": "{gateway}/api/auth/google/callback", "CLIENT_URL": Self.clientURL,
                "GOOGLE_AUTH_URL": peer.baseURL + "/o/oauth2/v2/auth", "GOOGLE_TOKEN_URL": peer.baseURL + "/token",
                "GOOGLE_JWKS_URL": peer.baseURL + "/oauth2/v3/certs",
            ]
        ) { c in try await body(c, peer) }
    }

    func nextUser(_ c: Cluster, _ peer: PeerProcess, _ user: [String: Any]) async throws {
        #expect(try await c.call("POST", peer.baseURL + "/test/next-user", json: user).status == 200)
    }

    func mint(_ c: Cluster, _ peer: PeerProcess, _ claims: [String: Any], key: String = "peer") async throws -> String {
        try #require(try await c.call("POST", peer.baseURL + "/test/mint", json: ["claims": claims, "key": key]).json["id_token"] as? String)
    }

    /// The browser's part: start → Google → callback, carrying the state cookie. Returns the final redirect.
    func browserFlow(_ c: Cluster, tamperState: Bool = false, cookie override: String? = nil) async throws -> URLComponents {
        try await self.browserFlowKeepingCookies(c, tamperState: tamperState, cookie: override).landing
    }

    /// The same, with the code's binding cookie the callback set (what the browser sends to /api/auth/exchange).
    func browserFlowKeepingCookies(_ c: Cluster, tamperState: Bool = false, cookie override: String? = nil) async throws -> (
        landing: URLComponents, binding: String?
    ) {
        let start = try await c.call("GET", c.gateway + "/api/auth/google/start")
        #expect(start.status == 302)
        let setCookie = try #require(start.header("set-cookie"))
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
        let cookie = override ?? String(setCookie.split(separator: ";")[0])
        let startLocation = try #require(start.header("location"))
        let authorize = try #require(URLComponents(string: startLocation))
        let query = Dictionary(uniqueKeysWithValues: (authorize.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(query["code_challenge_method"] == "S256" && query["scope"] == "openid email profile" && query["client_id"] == Self.webClient)
        #expect(query["state"]?.isEmpty == false && query["nonce"]?.isEmpty == false)

        let google = try await c.call("GET", startLocation)
        #expect(google.status == 302, "peer: \(google.text)")
        var callback = try #require(google.header("location"))
        if tamperState { callback = callback.replacingOccurrences(of: "state=", with: "state=x") }
        let back = try await c.call("GET", callback, headers: [("Cookie", cookie)])
        #expect(back.status == 302)
        let cookies = back.headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value)
        #expect(cookies.contains { $0.hasPrefix("vi_google_state=") && $0.contains("Max-Age=0") })
        let binding = cookies.first { $0.hasPrefix("vi_code_binding=") }
        if let binding { #expect(binding.contains("HttpOnly") && binding.contains("Path=/api/auth/exchange") && binding.contains("SameSite=Lax")) }
        let location = try #require(back.header("location"))
        #expect(location.hasPrefix(Self.clientURL + "/auth/callback?"))
        return (try #require(URLComponents(string: location)), binding.map { String($0.split(separator: ";")[0]) })
    }

    func value(_ components: URLComponents, _ name: String) -> String? { components.queryItems?.first { $0.name == name }?.value }

    @Test func webFlowWithOneTimeCode() async throws {
        try await withGoogle { c, peer in
            try await nextUser(c, peer, ["sub": "g-100", "email": "Web.User@gmail.com", "email_verified": true, "name": "Web User"])
            let (landing, bindingCookie) = try await browserFlowKeepingCookies(c)
            let code = try #require(value(landing, "code"), "landed on \(landing)")
            let binding = try #require(bindingCookie)
            #expect(!landing.string!.contains("eyJ"))  // never a token in a URL

            // The code is bound to the browser that signed in: without its cookie, or with another browser's, it is
            // refused (and a refused code is burnt).
            #expect(try await c.call("POST", c.gateway + "/api/auth/exchange", json: ["code": code]).status == 401)
            let (otherLanding, otherBinding) = try await browserFlowKeepingCookies(c)
            let otherCode = try #require(value(otherLanding, "code"))
            #expect(try await c.call("POST", c.gateway + "/api/auth/exchange", json: ["code": otherCode], headers: [("Cookie", binding)]).status == 401)
            #expect(
                try await c.call("POST", c.gateway + "/api/auth/exchange", json: ["code": otherCode], headers: [("Cookie", try #require(otherBinding))]).status
                    == 401)

            let exchanged = try await c.call("POST", c.gateway + "/api/auth/exchange", json: ["code": code], headers: [("Cookie", binding)])
            #expect(exchanged.status == 200)
            let access = try #require(exchanged.json["accessToken"] as? String)
            #expect(exchanged.json["refreshToken"] is String)
            let me = try await c.call("GET", c.gateway + "/api/auth/me", token: access)
            #expect(me.json["email"] as? String == "web.user@gmail.com")
            #expect(me.json["google"] as? Bool == true)
            // One time only.
            #expect(try await c.call("POST", c.gateway + "/api/auth/exchange", json: ["code": code], headers: [("Cookie", binding)]).status == 401)

            // The same Google account again is the same user (keyed on sub).
            let (againLanding, againBinding) = try await browserFlowKeepingCookies(c)
            let again = try #require(value(againLanding, "code"))
            let second = try await c.call("POST", c.gateway + "/api/auth/exchange", json: ["code": again], headers: [("Cookie", try #require(againBinding))])
            #expect((second.json["user"] as? [String: Any])?["id"] as? String == (exchanged.json["user"] as? [String: Any])?["id"] as? String)
        }
    }

    @Test func webFlowFailuresRedirectWithAnErrorCode() async throws {
        try await withGoogle { c, peer in
            try await nextUser(c, peer, ["sub": "g-200", "email": "x@gmail.com", "email_verified": true, "name": "X"])
            // A forged state (the URL's state differs from the browser's signed one).
            #expect(value(try await browserFlow(c, tamperState: true), "error") == "invalid_state")
            // A cookie not signed by the gateway.
            #expect(value(try await browserFlow(c, cookie: "vi_google_state=eyJhbGciOiJub25lIn0.e30."), "error") == "invalid_state")
            // No cookie at all.
            #expect(value(try await browserFlow(c, cookie: "other=1"), "error") == "invalid_state")
            // A wrong nonce in the ID token.
            try await nextUser(c, peer, ["sub": "g-200", "email": "x@gmail.com", "email_verified": true, "_claims": ["nonce": "not-the-one"]])
            #expect(value(try await browserFlow(c), "error") == "invalid_id_token")
            // An ID token for another client.
            try await nextUser(c, peer, ["sub": "g-200", "email": "x@gmail.com", "email_verified": true, "_claims": ["aud": "someone-else"]])
            #expect(value(try await browserFlow(c), "error") == "invalid_id_token")
            // An expired ID token.
            let past = Int(Date().timeIntervalSince1970) - 7200
            try await nextUser(c, peer, ["sub": "g-200", "email": "x@gmail.com", "email_verified": true, "_claims": ["exp": past, "iat": past - 3600]])
            #expect(value(try await browserFlow(c), "error") == "invalid_id_token")
            // An unverified email.
            try await nextUser(c, peer, ["sub": "g-201", "email": "y@gmail.com", "email_verified": false])
            #expect(value(try await browserFlow(c), "error") == "email_not_verified")
            // The user said no at Google.
            let denied = try await c.call("GET", c.gateway + "/api/auth/google/callback?error=access_denied&state=x")
            #expect(denied.status == 302 && denied.header("location") == Self.clientURL + "/auth/callback?error=access_denied")
        }
    }

    @Test func mobileFlowAndLinking() async throws {
        try await withGoogle { c, peer in
            let now = Int(Date().timeIntervalSince1970)
            let good: [String: Any] = [
                "iss": "https://accounts.google.com", "aud": Self.androidClient, "sub": "g-300", "email": "mobile@gmail.com", "email_verified": true,
                "name": "Mobile", "iat": now, "exp": now + 3600,
            ]
            let signedIn = try await c.call("POST", c.gateway + "/api/auth/google/token", json: ["idToken": try await mint(c, peer, good)])
            #expect(signedIn.status == 200)
            #expect(signedIn.json["refreshToken"] is String)

            func rejected(_ claims: [String: Any], key: String = "peer") async throws -> Int {
                try await c.call("POST", c.gateway + "/api/auth/google/token", json: ["idToken": try await mint(c, peer, claims, key: key)]).status
            }
            #expect(try await rejected(good.merging(["aud": "someone-else"]) { $1 }) == 401)
            #expect(try await rejected(good.merging(["exp": now - 3600, "iat": now - 7200]) { $1 }) == 401)
            #expect(try await rejected(good.merging(["iss": "https://evil.example"]) { $1 }) == 401)
            #expect(try await rejected(good.merging(["email_verified": false]) { $1 }) == 401)
            #expect(try await rejected(good, key: "stranger") == 401)
            // A Google ID token is not one of our access tokens.
            #expect(try await c.call("GET", c.user + "/api/users/me", token: try await mint(c, peer, good)).status == 401)

            // Another Google account with a linked email cannot take it over.
            let takeover = try await c.call(
                "POST", c.gateway + "/api/auth/google/token",
                json: ["idToken": try await mint(c, peer, good.merging(["sub": "g-mallory", "email": "mobile@gmail.com"]) { $1 })]
            )
            #expect(takeover.status == 409)
        }
    }

    /// Google links to a password account only where it is authoritative for the address; elsewhere only with the
    /// account's password, which then stays.
    @Test func linkingPolicy() async throws {
        try await withGoogle { c, peer in
            let now = Int(Date().timeIntervalSince1970)
            func idToken(_ sub: String, _ email: String, hd: String? = nil) async throws -> String {
                var claims: [String: Any] = [
                    "iss": "https://accounts.google.com", "aud": Self.androidClient, "sub": sub, "email": email, "email_verified": true, "iat": now,
                    "exp": now + 3600,
                ]
                if let hd { claims["hd"] = hd }
                return try await mint(c, peer, claims)
            }
            let password = "correct horse battery"

            // A gmail address: Google owns it, so the Google user is the owner: linked, the password someone set is
            // dropped and its sessions end (a pre-hijacker loses the account).
            let (_, gmail) = try await c.register("carol@gmail.com", name: "Carol")
            let gmailRefresh = try #require(gmail.json["refreshToken"] as? String)
            let linkedGmail = try await c.call("POST", c.gateway + "/api/auth/google/token", json: ["idToken": try await idToken("g-carol", "Carol@Gmail.com")])
            #expect(linkedGmail.status == 200)
            #expect((linkedGmail.json["user"] as? [String: Any])?["id"] as? String == (gmail.json["user"] as? [String: Any])?["id"] as? String)
            #expect(try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "carol@gmail.com", "password": password]).status == 401)
            #expect(try await c.call("POST", c.gateway + "/api/auth/refresh", json: ["refreshToken": gmailRefresh]).status == 401)

            // A Workspace address whose hd is its domain: Google is authoritative too.
            let (_, workspace) = try await c.register("dan@acme.example", name: "Dan")
            let linkedWorkspace = try await c.call(
                "POST", c.gateway + "/api/auth/google/token", json: ["idToken": try await idToken("g-dan", "dan@acme.example", hd: "acme.example")])
            #expect(linkedWorkspace.status == 200)
            #expect((linkedWorkspace.json["user"] as? [String: Any])?["id"] as? String == (workspace.json["user"] as? [String: Any])?["id"] as? String)

            // A third-party address (no hd, or an hd of another domain): a verified Google email proves nothing about
            // the password account, so there is no link and no sign-in, and the password still works.
            let (_, bob) = try await c.register("bob@example.com", name: "Bob")
            let bobID = (bob.json["user"] as? [String: Any])?["id"] as? String
            let refused = try await c.call("POST", c.gateway + "/api/auth/google/token", json: ["idToken": try await idToken("g-bob", "Bob@Example.com")])
            #expect(refused.status == 409)
            #expect(refused.json["title"] as? String == "Link required")
            #expect(
                try await c.call(
                    "POST", c.gateway + "/api/auth/google/token", json: ["idToken": try await idToken("g-bob", "bob@example.com", hd: "other.example")]
                ).status == 409)
            #expect(try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "bob@example.com", "password": password]).status == 200)
            // With the wrong password, no link; with the right one, linked, and the password stays.
            let wrong = try await c.call(
                "POST", c.gateway + "/api/auth/google/link",
                json: ["idToken": try await idToken("g-bob", "bob@example.com"), "password": "not the password at all"])
            #expect(wrong.status == 401)
            let linked = try await c.call(
                "POST", c.gateway + "/api/auth/google/link", json: ["idToken": try await idToken("g-bob", "bob@example.com"), "password": password])
            #expect(linked.status == 200)
            #expect((linked.json["user"] as? [String: Any])?["id"] as? String == bobID)
            #expect((linked.json["user"] as? [String: Any])?["hasPassword"] as? Bool == true)
            #expect(try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "bob@example.com", "password": password]).status == 200)
            let viaGoogle = try await c.call("POST", c.gateway + "/api/auth/google/token", json: ["idToken": try await idToken("g-bob", "bob@example.com")])
            #expect((viaGoogle.json["user"] as? [String: Any])?["id"] as? String == bobID)
        }
    }

    @Test func notConfiguredIsA503() async throws {
        try await Cluster.run { (c: Cluster) async throws in
            #expect(try await c.call("GET", c.gateway + "/api/auth/google/start").status == 503)
            #expect(try await c.call("POST", c.gateway + "/api/auth/google/token", json: ["idToken": "x"]).status == 503)
        }
    }
}
