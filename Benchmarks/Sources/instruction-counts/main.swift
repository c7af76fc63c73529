import BenchFixtures
import Foundation
import Gateway
import Hummingbird
import Invoicing
import JWT
import Logging
import NIOCore
import NIOPosix
import PDF
import ServiceKit

// The work whose instruction counts Benchmarks/instructions.sh reports under callgrind (counts do not depend on the
// machine's load, so a change that costs more shows as a number in review):
//   instruction-counts jwt <n>      n full verifications of an HS256 access token (what a role does per request)
//   instruction-counts pdf <n>      n one-page invoice PDFs
//   instruction-counts gateway      the gateway role from the environment, until stdin closes
// The script runs each with two sizes and divides the difference, so start-up cancels out.
//
// A synchronous main on purpose: valgrind (3.19 and 3.24) crashes when the main thread parks in dispatch_main, which
// is what an `async` main does on Linux; here the main thread waits on a semaphore or on stdin instead.

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? ""
let count = arguments.count > 1 ? Int(arguments[1]) ?? 0 : 0

switch command {
case "jwt":
    var keys = JWTKeyCollection()
    keys.add(try HS256(secret: Array("0123456789abcdef0123456789abcdef".utf8)), kid: "bench")
    let claims = AccessTokenClaims(
        issuer: "voice-invoice", subject: "6f1c0d2a9b8e4f7a8c3d2e1f0a9b8c7d", audience: "voice-invoice-api", issuedAt: Date(), lifetime: 900,
        id: "q2x9YkR1cFhTbm9mZ2s4Uw", email: "ann@example.com", name: "Ann"
    )
    let rules = VerificationRules(type: "at+jwt", issuer: "voice-invoice", audience: "voice-invoice-api")
    let token = try keys.sign(claims, type: "at+jwt")
    var subjects = 0
    for _ in 0..<count { subjects &+= try keys.verify(token, as: AccessTokenClaims.self, rules: rules).sub?.utf8.count ?? 0 }
    print(subjects)

case "pdf":
    let invoice = try benchInvoice(items: 3)
    var bytes = 0
    for _ in 0..<count { bytes &+= try InvoicePDFRenderer.renderBlocking(invoice).count }
    print(bytes)

case "gateway":
    // As the product runs it: Swift concurrency on the default executor. (NIO's singleton event-loop group as the global
    // executor was measured here: 1.5× the instructions per proxied request, and ×0.91 the req/s in proxy.sh.)
    // VOICE_INVOICE_BENCH_EL_EXECUTOR=1 measures that variant again.
    if ProcessInfo.processInfo.environment["VOICE_INVOICE_BENCH_EL_EXECUTOR"] == "1" {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
    let settings = try Settings(environment: ProcessInfo.processInfo.environment)
    LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: settings.logLevel) }
    let logger = Logger(label: "instruction-counts")
    // Detached: top-level code is on the main actor, whose thread waits on stdin below.
    Task.detached {
        do {
            let app = try await GatewayRole.buildApplication(settings: settings, logger: logger) { port in print("listening \(port)") }
            try await app.runService()
        } catch {
            FileHandle.standardError.write(Data("gateway: \(error)\n".utf8))
            exit(1)
        }
    }
    // Until the script closes stdin; exit() lets callgrind write its counts.
    while readLine() != nil {}
    exit(0)

default:
    FileHandle.standardError.write(Data("usage: instruction-counts jwt <n> | pdf <n> | gateway\n".utf8))
    exit(64)
}
