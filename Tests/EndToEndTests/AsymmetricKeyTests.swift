import Auth
import Foundation
import Gateway
import HTTPClient
import Invoices
import JWT
import OpenSSLSupport
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing
import Users
import WireFormat

/// RS256 and ES256 end to end: only the gateway holds the private key; user and invoice verify through JWKS_URL.
@Suite("Asymmetric tokens end to end", .serialized)
struct AsymmetricKeyTests {
    @Test(arguments: ["RS256", "ES256"])
    func journeyWithJWKS(alg: String) async throws {
        let key = try PKey.generate(alg == "RS256" ? .rsa(bits: 2048) : .p256)
        try await Cluster.run(
            common: ["JWT_ALG": alg], gateway: ["JWT_PRIVATE_KEY": key.privatePEM()], services: ["JWKS_URL": "{gateway}/.well-known/jwks.json"]
        ) { c in
            let jwks = try await c.call("GET", c.gateway + "/.well-known/jwks.json")
            let keys = try #require(jwks.json["keys"] as? [[String: Any]])
            #expect(keys.count == 1 && keys[0]["alg"] as? String == alg && keys[0]["d"] == nil)

            let (token, _) = try await c.register("asym-\(alg)@example.com")
            #expect(token.hasPrefix(Base64URL.encode(Array(#"{"alg":"\#(alg)""#.utf8)).dropLast(2)))
            #expect(try await c.call("PATCH", c.gateway + "/api/users/me", token: token, json: ["companyName": "Asym Ltd"]).status == 200)
            // The invoice role verifies, then calls the user role with the same token, which verifies too.
            let invoice = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token, json: ["transcript": "Bill Acme for 2 hours of work at 50 dollars"])
            #expect(invoice.status == 201)
            #expect((invoice.json["from"] as? [String: Any])?["name"] as? String == "Asym Ltd")
        }
    }

    /// Attack cases against a running role (the user role, called directly), with RS256.
    @Test func attacksAgainstARunningRole() async throws {
        let key = try PKey.generate(.rsa(bits: 2048))
        try await Cluster.run(
            common: ["JWT_ALG": "RS256"], gateway: ["JWT_PRIVATE_KEY": key.privatePEM()], services: ["JWKS_URL": "{gateway}/.well-known/jwks.json"]
        ) { c in
            let (good, registered) = try await c.register("attacks@example.com")
            let refreshToken = try #require(registered.json["refreshToken"] as? String)
            let sub = try #require((registered.json["user"] as? [String: Any])?["id"] as? String)
            let me = c.user + "/api/users/me"
            #expect(try await c.call("GET", me, token: good).status == 200)

            var signer = JWTKeyCollection()
            let kid = try signer.add(publicKey: RS256(key: key), signing: true)
            let now = Int(Date().timeIntervalSince1970)
            let claims: [String: Any] = ["iss": "voice-invoice", "aud": "voice-invoice-api", "sub": sub, "iat": now, "nbf": now, "exp": now + 600]
            func signed(_ overrides: [String: Any], type: String = "at+jwt", keys: JWTKeyCollection? = nil) throws -> String {
                let payload = try JSONSerialization.data(withJSONObject: claims.merging(overrides) { $1 })
                return try (keys ?? signer).sign(payload: Array(payload), type: type)
            }
            func raw(header: String, payload: [String: Any], signature: String) throws -> String {
                Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(try JSONSerialization.data(withJSONObject: payload)) + "." + signature
            }
            // The control: a token we craft with the right key and claims is accepted, so each rejection below is about its one change.
            #expect(try await c.call("GET", me, token: try signed([:])).status == 200)

            var hsWithPublicKey = JWTKeyCollection()
            hsWithPublicKey.add(try HS256(secret: Array(key.publicPEM().utf8)), kid: kid)
            var otherRSA = JWTKeyCollection()
            try otherRSA.add(publicKey: RS256(key: PKey.generate(.rsa(bits: 2048))), signing: true)
            let goodParts = good.split(separator: ".").map(String.init)

            let attacks: [(String, String)] = [
                ("alg none", try raw(header: #"{"alg":"none","typ":"at+jwt","kid":"\#(kid)"}"#, payload: claims, signature: "")),
                ("HS256 with the RSA public key PEM as secret", try signed([:], keys: hsWithPublicKey)),
                ("unknown kid", try signed([:], keys: otherRSA)),
                ("exp past", try signed(["exp": now - 3600, "iat": now - 4000, "nbf": now - 4000])),
                ("nbf future", try signed(["nbf": now + 3600])),
                ("wrong iss", try signed(["iss": "https://evil.example"])),
                ("wrong aud", try signed(["aud": "another-api"])),
                ("wrong typ: service token shape", try signed(["aud": "voice-invoice-auth"], type: "svc+jwt")),
                ("wrong typ: plain JWT (an ID token's)", try signed([:], type: "JWT")),
                ("a refresh token", refreshToken),
                ("truncated", String(good.dropLast(10))),
                ("truncated to two segments", goodParts[0] + "." + goodParts[1]),
                ("over-long", good + String(repeating: "A", count: 9000)),
                ("non-canonical base64url (padding)", goodParts[0] + "=." + goodParts[1] + "." + goodParts[2]),
                (
                    "non-canonical base64url (standard alphabet)",
                    goodParts[0] + "." + goodParts[1] + "." + goodParts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                ),
            ]
            for (name, token) in attacks {
                guard token != good else { continue }
                let reply = try await c.call("GET", me, token: token)
                #expect(reply.status == 401, "\(name) got \(reply.status)")
            }
            // Non-canonical trailing bits: the last character of the signature changed so that only unused bits differ.
            let signature = Array(goodParts[2].utf8)
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
            if let last = signature.last, let index = alphabet.firstIndex(of: last), signature.count % 4 != 0 {
                let unusedBits = signature.count % 4 == 2 ? 4 : 2
                let sibling = alphabet[(index & ~((1 << unusedBits) - 1)) | 1]
                let variant = goodParts[0] + "." + goodParts[1] + "." + String(decoding: signature.dropLast() + [sibling], as: UTF8.self)
                #expect(try await c.call("GET", me, token: variant).status == 401, "non-canonical trailing bits")
            }
        }
    }

    /// Rotation: the gateway starts signing with a new key and keeps publishing the old one; tokens signed with the
    /// old key stay valid at the services until they expire, and new tokens verify after one refetch.
    @Test func keyRotationKeepsOldTokensValid() async throws {
        let oldKey = try PKey.generate(.rsa(bits: 2048))
        let newKey = try PKey.generate(.rsa(bits: 2048))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let gatewayPort = try freeLoopbackPort()
        let gatewayURL = "http://127.0.0.1:\(gatewayPort)"
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            var groups: [ServiceGroup] = []
            var failure: (any Error)?
            do {
                let common = ["JWT_ALG": "RS256"]
                let services = try Settings(
                    environment: Cluster.environment(
                        dataDirectory: directory, extra: common.merging(["JWKS_URL": gatewayURL + "/.well-known/jwks.json"]) { $1 }))
                let auth = try await Cluster.start(
                    { try await AuthRole.buildApplication(settings: services, logger: Cluster.quietLogger("auth"), onServerRunning: $0) }, tasks: &tasks,
                    groups: &groups)
                let user = try await Cluster.start(
                    { try await UserRole.buildApplication(settings: services, logger: Cluster.quietLogger("user"), onServerRunning: $0) }, tasks: &tasks,
                    groups: &groups)
                func gatewaySettings(_ current: PKey, previous: [PKey]) throws -> Settings {
                    var extra = common.merging([
                        "PORT": String(gatewayPort), "AUTH_SERVICE_URL": "127.0.0.1:\(auth)", "USER_SERVICE_URL": "127.0.0.1:\(user)",
                        "INVOICE_SERVICE_URL": "127.0.0.1:1", "JWT_PRIVATE_KEY": current.privatePEM(),
                    ]) { $1 }
                    if !previous.isEmpty { extra["JWT_PREVIOUS_PUBLIC_KEYS"] = previous.map { $0.publicPEM() }.joined() }
                    return try Settings(environment: Cluster.environment(dataDirectory: directory, extra: extra))
                }
                let c = Cluster(gateway: gatewayURL, auth: "http://127.0.0.1:\(auth)", user: "http://127.0.0.1:\(user)", invoice: "", http: http)

                // Before: signed with the old key.
                let before = try gatewaySettings(oldKey, previous: [])
                _ = try await Cluster.start(
                    { try await GatewayRole.buildApplication(settings: before, logger: Cluster.quietLogger("gw1"), onServerRunning: $0) }, tasks: &tasks,
                    groups: &groups)
                let (oldToken, _) = try await c.register("rotation@example.com")
                #expect(try await c.call("GET", c.user + "/api/users/me", token: oldToken).status == 200)
                await groups.removeLast().triggerGracefulShutdown()
                try await c.waitUntilClosed(gatewayURL)

                // After: signing with the new key, the old one still published.
                let after = try gatewaySettings(newKey, previous: [oldKey])
                _ = try await Cluster.start(
                    { try await GatewayRole.buildApplication(settings: after, logger: Cluster.quietLogger("gw2"), onServerRunning: $0) }, tasks: &tasks,
                    groups: &groups)
                let jwks = try await c.call("GET", c.gateway + "/.well-known/jwks.json")
                #expect((jwks.json["keys"] as? [Any])?.count == 2)
                #expect(try await c.call("GET", c.user + "/api/users/me", token: oldToken).status == 200)
                // The services refetch the key set when they first see the new kid, at most once per 5 s; a real
                // redeploy takes longer than that, here it is milliseconds, so wait it out once.
                try await Task.sleep(for: .milliseconds(5200))
                let login = try await c.call(
                    "POST", c.gateway + "/api/auth/login", json: ["email": "rotation@example.com", "password": "correct horse battery"])
                #expect(login.status == 200, "login after rotation: \(login.text)")
                let newToken = try #require(login.json["accessToken"] as? String)
                #expect(JWTKeyCollection.unverifiedKid(newToken) != JWTKeyCollection.unverifiedKid(oldToken))
                #expect(try await c.call("GET", c.user + "/api/users/me", token: newToken).status == 200)
                #expect(try await c.call("GET", c.user + "/api/users/me", token: oldToken).status == 200)
                // The old key's tokens are refused where the old key is not known (it was dropped after the longest token life).
                var onlyNew = JWTKeyCollection()
                try onlyNew.add(publicKey: RS256(key: try PKey.pem(newKey.publicPEM())))
                let rules = VerificationRules(type: "at+jwt", issuer: "voice-invoice", audience: "voice-invoice-api")
                #expect(throws: JWTError.self) { try onlyNew.verify(oldToken, as: AccessTokenClaims.self, rules: rules) }
                _ = try onlyNew.verify(newToken, as: AccessTokenClaims.self, rules: rules)
            } catch {
                failure = error
            }
            for group in groups { await group.triggerGracefulShutdown() }
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }

    @Test func unusableKeyConfigurationsAreRefusedWithTheReason() throws {
        let ec = try PKey.generate(.p256)
        let small = try PKey.generate(.rsa(bits: 1024))
        func problems(_ environment: [String: String], role: Role) -> String {
            do {
                try Settings(environment: environment).validate(for: role)
                return ""
            } catch { return "\(error)" }
        }
        #expect(problems(["JWT_ALG": "RS256", "JWT_PRIVATE_KEY": ec.privatePEM()], role: .gateway).contains("cannot sign RS256"))
        #expect(problems(["JWT_ALG": "RS256", "JWT_PRIVATE_KEY": small.privatePEM()], role: .gateway).contains("at least 2048 bits"))
        #expect(problems(["JWT_ALG": "ES256", "JWT_PRIVATE_KEY": ec.publicPEM()], role: .gateway).contains("holds a public key"))
        #expect(problems(["JWT_ALG": "ES256", "JWT_PRIVATE_KEY": ec.privatePEM()], role: .user).contains("gateway only"))
        #expect(problems(["JWT_ALG": "RS256"], role: .invoice).contains("JWT_PUBLIC_KEY or JWKS_URL"))
        #expect(problems(["JWT_ALG": "RS256", "JWT_PRIVATE_KEY": "/nonexistent/key.pem"], role: .gateway).contains("neither PEM text nor a readable file"))
        #expect(problems(["JWT_ALG": "PS256"], role: .auth).contains("JWT_ALG must be"))
        #expect(
            problems(["JWT_SECRET": "0123456789abcdef0123456789abcdef", "JWT_ALG": "HS256", "JWKS_URL": "http://127.0.0.1:1/jwks"], role: .user).contains(
                "must not be set"))
        #expect(problems(["JWT_ALG": "ES256", "JWT_PUBLIC_KEY": ec.publicPEM()], role: .user) == "")
    }
}
