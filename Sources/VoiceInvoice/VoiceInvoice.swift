import ArgumentParser
import Auth
import Foundation
import Gateway
import HTTPClient
import Invoices
import Logging
import OpenSSLSupport
import PDF
import ServiceKit
import ServiceLifecycle
import Storage
import Users
import WireFormat

/// The one executable: `voice-invoice serve <role>` runs a role (or all four), `version` reports the C libraries.
@main
struct VoiceInvoice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voice-invoice",
        abstract: "VoiceInvoice: spoken sentences to correct invoices and PDFs.",
        subcommands: [Serve.self, ConfigCommand.self, TokenCommand.self, Version.self]
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the versions of the C libraries this binary uses.")

    func run() {
        print("voice-invoice 0.1.0")
        print(OpenSSL.version)
        print(CurlHTTPClient.libraryVersion)
        print("libmongoc \(MongoStore.driverVersion)")
        print(InvoicePDFRenderer.libraryVersions)
        print("SQLite \(SQLiteStore.libraryVersion)")
    }
}

enum RoleChoice: String, ExpressibleByArgument, CaseIterable {
    case all, gateway, auth, user, invoice
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one role, or all four in one process.",
        discussion: """
            Roles: gateway (the public edge: sign-in, proxy), auth (accounts), user (business profile), invoice (invoices, PDFs).
            `all` runs the four as four HTTP servers in this process, gateway on PORT (default 3000) and auth, user, invoice on the
            next three ports, talking to each other over loopback HTTP exactly as when deployed apart. Configuration comes from the
            environment (see the README); --port and --host override PORT and HOST.
            """
    )

    @Argument(help: "all | gateway | auth | user | invoice (default: the ROLE environment variable)")
    var role: RoleChoice?

    @Option(help: "Port to listen on (overrides PORT).")
    var port: Int?

    @Option(help: "Address to listen on (overrides HOST; default 0.0.0.0 for one role, 127.0.0.1 for `all`).")
    var host: String?

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        if let port { environment["PORT"] = String(port) }
        if let host { environment["HOST"] = host }
        if (self.role ?? environment["ROLE"].flatMap(RoleChoice.init(rawValue:))) == .all, environment["HOST"]?.isEmpty ?? true {
            environment["HOST"] = "127.0.0.1"
        }

        let settings: Settings
        do { settings = try Settings(environment: environment) } catch let error as SettingsError {
            FileHandle.standardError.write(Data("voice-invoice: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        // One image for four services: the role comes from the command line, else from ROLE.
        guard let role = self.role ?? settings.role.flatMap(RoleChoice.init(rawValue:)) else {
            FileHandle.standardError.write(Data("voice-invoice: name the role: `serve gateway|auth|user|invoice|all`, or set ROLE\n".utf8))
            throw ExitCode(64)  // EX_USAGE
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        Observability.bootstrap()
        let logger = Logger(label: "voice-invoice")
        logger.info(
            "starting", metadata: ["role": .string(role.rawValue), "openssl": .string(OpenSSL.version), "libmongoc": .string(MongoStore.driverVersion)])

        do {
            let services =
                try await role == .all ? Self.allRoles(settings, environment: environment, logger: logger) : [Self.oneRole(role, settings, logger: logger)]
            // Render and Fly send SIGTERM and wait a while before SIGKILL: in-flight requests get SHUTDOWN_GRACE_SECONDS
            // to finish, then what is left is cancelled so the process exits before the platform kills it.
            var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            configuration.maximumGracefulShutdownDuration = settings.shutdownGrace
            configuration.maximumCancellationDuration = .seconds(2)
            let group = ServiceGroup(configuration: configuration)
            try await group.run()
        } catch let error as SettingsError {
            FileHandle.standardError.write(Data("voice-invoice: \(error)\n".utf8))
            throw ExitCode(78)
        }
        logger.info("stopped")
    }

    static func oneRole(_ role: RoleChoice, _ settings: Settings, logger: Logger) async throws -> any Service {
        var logger = logger
        logger[metadataKey: "role"] = .string(role.rawValue)
        switch role {
        case .gateway: return try await GatewayRole.buildApplication(settings: settings, logger: logger)
        case .auth: return try await AuthRole.buildApplication(settings: settings, logger: logger)
        case .user: return try await UserRole.buildApplication(settings: settings, logger: logger)
        case .invoice: return try await InvoiceRole.buildApplication(settings: settings, logger: logger)
        case .all: preconditionFailure("`all` is expanded by allRoles")
        }
    }

    /// The four roles in one process: each its own server on its own port, wired by loopback URLs.
    static func allRoles(_ base: Settings, environment: [String: String], logger: Logger) async throws -> [any Service] {
        var base = base
        if base.jwtAlgorithm == "HS256", base.jwtSecret == nil {
            // Local convenience only: a fresh secret per run means tokens do not survive a restart.
            base.jwtSecret = Array(Base64URL.encode(OpenSSL.randomBytes(32)).utf8)
            logger.warning("JWT_SECRET is not set: generated a random secret for this run; tokens will not survive a restart")
        }
        if base.authServiceKey == nil {
            // The gateway and auth roles of this one process share it; nothing outside the process ever needs it.
            base.authServiceKey = Array(Base64URL.encode(OpenSSL.randomBytes(32)).utf8)
        }
        let gatewayPort = base.port
        let ports: [Role: Int] = [.gateway: gatewayPort, .auth: gatewayPort + 1, .user: gatewayPort + 2, .invoice: gatewayPort + 3]
        guard ports.values.allSatisfy({ $0 > 0 && $0 <= 65535 }) else { throw SettingsError(problems: ["serve all needs PORT between 1 and 65532"]) }
        let loopback = base.host == "0.0.0.0" || base.host == "::" ? "127.0.0.1" : base.host
        func url(_ role: Role) -> String { "http://\(loopback):\(ports[role]!)" }
        base.authServiceURL = base.authServiceURL ?? url(.auth)
        base.userServiceURL = base.userServiceURL ?? url(.user)
        base.invoiceServiceURL = base.invoiceServiceURL ?? url(.invoice)

        func settings(_ role: Role) -> Settings {
            var settings = base
            settings.port = ports[role]!
            // Only the gateway and auth hold the service-token key, in one process as in four.
            if role == .user || role == .invoice { settings.authServiceKey = nil }
            // With RS256/ES256 only the gateway holds the private key, in one process as in four; the others fetch
            // the gateway's JWK Set unless they were given a public key.
            if role != .gateway, base.jwtAlgorithm != "HS256" {
                settings.jwtPrivateKey = nil
                if settings.jwtPublicKey == nil, settings.jwksURL == nil { settings.jwksURL = url(.gateway) + "/.well-known/jwks.json" }
            }
            return settings
        }
        func roleLogger(_ role: Role) -> Logger {
            var logger = logger
            logger[metadataKey: "role"] = .string(role.rawValue)
            return logger
        }
        let host = loopback
        let dataDirectory = base.dataDirectory
        return [
            try await AuthRole.buildApplication(settings: settings(.auth), logger: roleLogger(.auth)),
            try await UserRole.buildApplication(settings: settings(.user), logger: roleLogger(.user)),
            try await InvoiceRole.buildApplication(settings: settings(.invoice), logger: roleLogger(.invoice)),
            try await GatewayRole.buildApplication(settings: settings(.gateway), logger: roleLogger(.gateway)) { port in
                let message = """

                    VoiceInvoice is running (gateway, auth, user and invoice on ports \(port)–\(port + 3), embedded store in \(dataDirectory)).
                    The web app: open http://\(host):\(port) in a browser (register, then say or type an invoice).
                    The API: the same address, e.g.  curl http://\(host):\(port)/api/health
                    Press Ctrl-C to stop.

                    """
                FileHandle.standardError.write(Data(message.utf8))
            },
        ]
    }
}
