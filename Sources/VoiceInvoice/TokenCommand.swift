import ArgumentParser
import Foundation
import HTTPClient
import JWT
import OpenSSLSupport
import ServiceKit
import WireFormat

/// Operators' token tools, reading the same environment as the roles.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Generate keys, sign, verify and publish tokens with the roles' configuration.",
        subcommands: [Keygen.self, Sign.self, Verify.self, JWKS.self]
    )

    static func settings() throws -> Settings {
        try Settings(environment: ProcessInfo.processInfo.environment)
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new HS256 secret, or a new RS256 / ES256 private key and its public key as PEM.",
            discussion:
                "Put the secret in JWT_SECRET (every role), or the private key in JWT_PRIVATE_KEY (gateway only) and the public key in JWT_PUBLIC_KEY (other roles), or point them at JWKS_URL."
        )

        @Option(help: "HS256 | RS256 | ES256")
        var alg: String = "HS256"

        @Option(help: "RSA modulus size for RS256.")
        var bits: Int = 2048

        func run() throws {
            switch self.alg.uppercased() {
            case "HS256":
                print(Base64URL.encode(OpenSSL.randomBytes(32)))
            case "RS256":
                guard self.bits >= 2048 else { throw ValidationError("RS256 keys need at least 2048 bits") }
                let key = try PKey.generate(.rsa(bits: self.bits))
                print(key.privatePEM() + key.publicPEM(), terminator: "")
            case "ES256":
                let key = try PKey.generate(.p256)
                print(key.privatePEM() + key.publicPEM(), terminator: "")
            default:
                throw ValidationError("--alg must be HS256, RS256 or ES256")
            }
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign claims with the gateway's key (JWT_ALG with JWT_SECRET or JWT_PRIVATE_KEY).",
            discussion: "Missing iss, aud, iat, nbf, exp and jti are filled in as the gateway would for an access token."
        )

        @Option(help: "The claims, a JSON object.")
        var claims: String

        @Option(help: "The header typ.")
        var type: String = TokenService.accessType

        func run() throws {
            let settings = try TokenCommand.settings()
            guard let signer = try KeySetup(settings: settings, role: .gateway).signingKeys else { throw ValidationError("no signing key configured") }
            guard var object = (try? JSONSerialization.jsonObject(with: Data(self.claims.utf8))) as? [String: Any] else {
                throw ValidationError("--claims must be a JSON object")
            }
            let now = Int(Date().timeIntervalSince1970)
            object["iss"] = object["iss"] ?? settings.jwtIssuer
            object["aud"] = object["aud"] ?? settings.jwtAudience
            object["iat"] = object["iat"] ?? now
            object["nbf"] = object["nbf"] ?? now
            object["exp"] = object["exp"] ?? now + Int(settings.accessTokenTTL)
            object["jti"] = object["jti"] ?? Base64URL.encode(OpenSSL.randomBytes(16))
            let payload = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(try signer.sign(payload: Array(payload), type: self.type))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an access token as the roles do; print its claims as JSON (exit 0) or the reason (exit 1).",
            discussion: "Uses JWT_PRIVATE_KEY's public half when set, else JWT_PUBLIC_KEY / JWKS_URL / JWT_SECRET."
        )

        @Argument(help: "The token.")
        var token: String

        func run() async throws {
            let settings = try TokenCommand.settings()
            let http = CurlHTTPClient()
            defer { http.shutdown() }
            let role: Role = settings.jwtPrivateKey != nil || settings.jwtAlgorithm == "HS256" ? .gateway : .user
            let tokens = try settings.tokenService(for: role, http: http)
            do {
                _ = try await tokens.verifyAccessToken(self.token)
            } catch {
                FileHandle.standardError.write(Data("invalid token: \(error)\n".utf8))
                throw ExitCode(1)
            }
            let payload = self.token.split(separator: ".")[1]
            let object = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(payload) ?? []))
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self
                ))
        }
    }

    struct JWKS: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the JWK Set the gateway publishes (current and previous public keys).")

        func run() throws {
            let keys = try KeySetup(settings: try TokenCommand.settings(), role: .gateway)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(keys.publishedKeys), as: UTF8.self))
        }
    }
}
