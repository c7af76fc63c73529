import Foundation
import JWT
import OpenSSLSupport

// Sign and full-verify throughput of the JWT target, one thread, for HS256, RS256 and ES256.
// "Full verify" is what a role does per request: size and base64url checks, header, key by kid, alg check,
// signature, claims decoding and every claim rule. Prints one JSON object.

struct Result: Encodable {
    var alg: String
    var signPerSecond: Double
    var verifyPerSecond: Double
}

func rate(seconds: Double = 1.0, _ body: () throws -> Void) rethrows -> Double {
    // Warm up, then count operations for `seconds` of wall time.
    for _ in 0..<200 { try body() }
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    while true {
        for _ in 0..<100 { try body() }
        count += 100
        let elapsed = clock.now - start
        let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if secondsElapsed >= seconds { return Double(count) / secondsElapsed }
    }
}

let claims = AccessTokenClaims(
    issuer: "voice-invoice", subject: "6f1c0d2a9b8e4f7a8c3d2e1f0a9b8c7d", audience: "voice-invoice-api", issuedAt: Date(), lifetime: 900,
    id: "q2x9YkR1cFhTbm9mZ2s4Uw", email: "ann@example.com", name: "Ann"
)
let rules = VerificationRules(type: "at+jwt", issuer: "voice-invoice", audience: "voice-invoice-api")
let seconds = Double(CommandLine.arguments.dropFirst().first ?? "1") ?? 1

var results: [Result] = []
let keys: [(String, () throws -> any JWTAlgorithm)] = [
    ("HS256", { try HS256(secret: Array("0123456789abcdef0123456789abcdef".utf8)) }),
    ("RS256", { try RS256(key: PKey.generate(.rsa(bits: 2048))) }),
    ("ES256", { try ES256(key: PKey.generate(.p256)) }),
]
// An optional second argument measures one algorithm only (for profiling).
let only = CommandLine.arguments.dropFirst(2).first
for (name, makeAlgorithm) in keys where only == nil || only == name {
    var collection = JWTKeyCollection()
    collection.add(try makeAlgorithm(), kid: "bench")
    let token = try collection.sign(claims, type: "at+jwt")
    _ = try collection.verify(token, as: AccessTokenClaims.self, rules: rules)
    let sign = try rate(seconds: seconds) { _ = try collection.sign(claims, type: "at+jwt") }
    let verify = try rate(seconds: seconds) { _ = try collection.verify(token, as: AccessTokenClaims.self, rules: rules) }
    results.append(Result(alg: name, signPerSecond: sign, verifyPerSecond: verify))
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
print(String(decoding: try encoder.encode(results), as: UTF8.self))
