import Foundation
import ServiceKit
import TestSupport
import Testing
import WireFormat

/// Refresh-token rotation, reuse detection, logout and logout-all, through the gateway.
@Suite("Sessions: refresh tokens")
struct SessionTests {
    func refresh(_ c: Cluster, _ token: String) async throws -> Reply {
        try await c.call("POST", c.gateway + "/api/auth/refresh", json: ["refreshToken": token])
    }

    @Test func rotationReuseLogoutAndLogoutAll() async throws {
        try await Cluster.run { c in
            let (_, registered) = try await c.register("rotate@example.com")
            #expect(registered.json["refreshExpiresIn"] as? Int == 30 * 86_400)
            let r1 = try #require(registered.json["refreshToken"] as? String)
            #expect(Base64URLLength.of(r1) == 32)

            // Rotation: a new pair, and the new access token works.
            let rotated = try await refresh(c, r1)
            #expect(rotated.status == 200)
            let r1b = try #require(rotated.json["refreshToken"] as? String)
            #expect(r1b != r1)
            let access = try #require(rotated.json["accessToken"] as? String)
            #expect(try await c.call("GET", c.gateway + "/api/users/me", token: access).status == 200)

            // Reuse of r1: 401, and the whole family dies (r1b too).
            let reuse = try await refresh(c, r1)
            #expect(reuse.status == 401)
            #expect(reuse.header("content-type") == "application/problem+json")
            #expect(try await refresh(c, r1b).status == 401)

            // Another sign-in is another family, unaffected.
            let login = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "rotate@example.com", "password": "correct horse battery"])
            let r2 = try #require(login.json["refreshToken"] as? String)
            let r2b = try #require(try await refresh(c, r2).json["refreshToken"] as? String)

            // Logout revokes that family.
            #expect(try await c.call("POST", c.gateway + "/api/auth/logout", json: ["refreshToken": r2b]).status == 204)
            #expect(try await refresh(c, r2b).status == 401)
            // Logout of an unknown token reveals nothing.
            #expect(try await c.call("POST", c.gateway + "/api/auth/logout", json: ["refreshToken": "nonsense"]).status == 204)

            // Logout-all revokes every family of the user.
            var families: [String] = []
            var lastAccess = ""
            for _ in 0..<2 {
                let again = try await c.call("POST", c.gateway + "/api/auth/login", json: ["email": "rotate@example.com", "password": "correct horse battery"])
                families.append(try #require(again.json["refreshToken"] as? String))
                lastAccess = try #require(again.json["accessToken"] as? String)
            }
            #expect(try await c.call("POST", c.gateway + "/api/auth/logout-all").status == 401)
            #expect(try await c.call("POST", c.gateway + "/api/auth/logout-all", token: lastAccess).status == 204)
            for token in families { #expect(try await refresh(c, token).status == 401) }

            // Malformed input.
            #expect(try await refresh(c, "garbage").status == 401)
            #expect(try await c.call("POST", c.gateway + "/api/auth/refresh", json: ["refreshToken": 5]).status == 422)
            // A refresh token is not an access token.
            #expect(try await c.call("GET", c.user + "/api/users/me", token: families[0]).status == 401)

            // Stored only as hashes: no refresh token appears in the auth role's database file.
            let database = try Data(contentsOf: URL(fileURLWithPath: c.dataDirectory + "/auth.sqlite"))
            let wal = (try? Data(contentsOf: URL(fileURLWithPath: c.dataDirectory + "/auth.sqlite-wal"))) ?? Data()
            for token in [r1, r1b, r2, r2b] + families {
                #expect(database.range(of: Data(token.utf8)) == nil && wal.range(of: Data(token.utf8)) == nil)
            }
        }
    }

    /// The auth role's internal routes accept only the gateway's service token.
    @Test func internalRoutesNeedAServiceToken() async throws {
        try await Cluster.run { c in
            let (access, registered) = try await c.register("internal@example.com")
            let refreshToken = try #require(registered.json["refreshToken"] as? String)
            for path in ["/internal/refresh", "/internal/codes/redeem", "/internal/google", "/internal/accounts", "/internal/credentials/verify"] {
                #expect(try await c.call("POST", c.auth + path, json: ["refreshToken": refreshToken]).status == 401, "\(path) without a token")
                #expect(try await c.call("POST", c.auth + path, token: access, json: ["refreshToken": refreshToken]).status == 401, "\(path) with a user token")
            }
            // And the gateway never proxies to them.
            #expect(try await c.call("POST", c.gateway + "/internal/refresh", json: ["refreshToken": refreshToken]).status == 404)
        }
    }
}

enum Base64URLLength {
    static func of(_ text: String) -> Int { (text.count * 3) / 4 }
}
