import Foundation
import HTTPClient
import ServiceKit
import TestSupport
import Testing

/// The deploy files cannot be deployed from here (no Docker engine, no platform accounts), so they are proven by
/// other means: against the configuration schema, the platforms' documented fields, hadolint, and the binary itself.
@Suite("Deploy files and configuration schema")
struct DeployFileTests {
    static let root = Peers.repositoryRoot

    @Test func envExampleIsGeneratedFromTheSchema() throws {
        let committed = try String(contentsOf: Self.root.appendingPathComponent(".env.example"), encoding: .utf8)
        #expect(committed == ConfigSchema.envExample(), "stale .env.example: run `voice-invoice config env-example > .env.example`")
        // Every variable appears, secrets never with a value.
        for variable in ConfigSchema.variables {
            #expect(committed.contains("\(variable.name)="), "\(variable.name)")
            if variable.secret { #expect(committed.contains("\(variable.name)=\n"), "a secret's line carries no value") }
        }
    }

    @Test func settingsTakeDefaultsAndRangesFromTheSchema() throws {
        // Every default in the schema is what a role runs with when the variable is unset.
        let settings = try Settings(environment: [:])
        #expect(settings.port == 3000)
        #expect(settings.maxAudioBytes == Int(ConfigSchema.variable("MAX_AUDIO_BYTES")?.defaultValue ?? ""))
        #expect(settings.maxUploadBytes == Int(ConfigSchema.variable("MAX_UPLOAD_BYTES")?.defaultValue ?? ""))
        #expect(settings.openAIBaseURL == ConfigSchema.variable("OPENAI_BASE_URL")?.defaultValue)
        #expect(settings.shutdownGrace == .seconds(25))
        // Ranges come from the schema too.
        #expect(throws: SettingsError.self) { try Settings(environment: ["MAX_TRANSCRIPT_CHARS": "99"]) }
        #expect(throws: SettingsError.self) { try Settings(environment: ["TRUST_PROXY": "10.0.0.0/33"]) }
        #expect(throws: SettingsError.self) { try Settings(environment: ["ROLE": "database"]) }
        // No name twice.
        #expect(Set(ConfigSchema.variables.map(\.name)).count == ConfigSchema.variables.count)
    }

    @Test func configCheckListsTheProblemsAServeRefusalPrints() throws {
        let environment = ["PATH": "/usr/bin:/bin", "AUTH_SERVICE_URL": "not a url", "MAX_AUDIO_BYTES": "12", "ROLE": "gateway"]
        let check = try RoleProcess.run(["config", "check"], environment: environment)
        #expect(check.status == 78)
        #expect(check.stderr.contains("MAX_AUDIO_BYTES must be an integer in 1024...104857600"))
        #expect(check.stderr.contains("AUTH_SERVICE_URL is not a host"))
        let serve = try RoleProcess.run(["serve"], environment: environment)
        #expect(serve.status == 78)
        let lines = { (text: String) in Set(text.split(separator: "\n").filter { $0.hasPrefix("  - ") }) }
        #expect(lines(check.stderr) == lines(serve.stderr))
        #expect(!lines(serve.stderr).isEmpty)

        let valid = ["PATH": "/usr/bin:/bin", "JWT_SECRET": String(repeating: "k", count: 40), "USER_SERVICE_URL": "voice-invoice-user.onrender.com"]
        let ok = try RoleProcess.run(["config", "check", "--role", "invoice"], environment: valid)
        #expect(ok.status == 0, "\(ok.stderr)")
        let gateway = try RoleProcess.run(["config", "check", "--role", "gateway"], environment: valid)
        #expect(gateway.status == 78)
        #expect(gateway.stderr.contains("AUTH_SERVICE_URL is required by the gateway"))
        let example = try RoleProcess.run(["config", "env-example"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(example.stdout == ConfigSchema.envExample())
    }

    /// A refused configuration lists every problem without ever printing a secret variable's value.
    @Test func configurationProblemsNeverEchoSecrets() throws {
        let secrets = [
            "JWT_PRIVATE_KEY": "s3cret-private-key-material", "AUTH_SERVICE_KEY": "short-service-secret", "JWT_SECRET": "tiny-jwt-secret",
            "METRICS_TOKEN": "m3tr1c", "MONGODB_URI": "mongodb-bogus://user:hunter2@db.example", "JWT_PREVIOUS_SECRETS": "old-s3cret",
        ]
        let environment = ["PATH": "/usr/bin:/bin", "JWT_ALG": "RS256"].merging(secrets) { $1 }
        for role in ["gateway", "auth", "invoice"] {
            let check = try RoleProcess.run(["config", "check", "--role", role], environment: environment)
            #expect(check.status == 78)
            #expect(check.stderr.contains("JWT_PRIVATE_KEY") || check.stderr.contains("AUTH_SERVICE_KEY") || check.stderr.contains("MONGODB_URI"))
            for (name, value) in secrets {
                #expect(!check.stderr.contains(value) && !check.stdout.contains(value), "\(role): \(name)'s value was printed")
            }
            #expect(!check.stderr.contains("hunter2"))
        }
    }

    /// render.yaml and fly/*.toml against the schema and the platforms' documented fields (Tests/Peers/deploy_check.py),
    /// with the health paths each role really serves, found by asking the running roles.
    @Test func renderAndFlyFilesAgreeWithTheSchemaAndTheRoles() async throws {
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-\(UUID().uuidString)")
        var healthPaths: [String: [String]] = [:]
        let secret = String(repeating: "s", count: 40)
        for role in Role.allCases {
            let port = try freeLoopbackPort()
            var environment = ["JWT_SECRET": secret, "DATA_DIR": directory.path]
            if role == .gateway || role == .auth { environment["AUTH_SERVICE_KEY"] = String(repeating: "a", count: 40) }
            if role == .gateway {
                environment["AUTH_SERVICE_URL"] = "127.0.0.1:1"
                environment["USER_SERVICE_URL"] = "127.0.0.1:1"
                environment["INVOICE_SERVICE_URL"] = "127.0.0.1:1"
            }
            if role == .invoice { environment["USER_SERVICE_URL"] = "127.0.0.1:1" }
            let process = try await RoleProcess(role: role.rawValue, port: port, environment: environment)
            var served: [String] = []
            for path in ["/healthz", "/readyz", "/health", "/"] {
                if (try? await http.execute(CurlRequest(url: process.baseURL + path)))?.status == 200 { served.append(path) }
            }
            healthPaths[role.rawValue] = served
            process.kill()
        }
        // "/" is the web app at the gateway and nothing elsewhere: a health check must name /healthz, never "/".
        #expect(healthPaths.allSatisfy { role, paths in paths.contains("/healthz") && paths.contains("/") == (role == "gateway") })

        let schema: [String: Any] = [
            "variables": ConfigSchema.variables.map { variable -> [String: Any] in
                let requirement: String
                switch variable.requirement {
                case .optional: requirement = "optional"
                case .required: requirement = "required"
                case .requiredWithHS256: requirement = "requiredWithHS256"
                case .requiredWithAsymmetric: requirement = "requiredWithAsymmetric"
                }
                return [
                    "name": variable.name, "roles": variable.roles.map(\.rawValue), "requirement": requirement,
                    "requiredWhenDeployed": variable.requiredWhenDeployed, "secret": variable.secret,
                ]
            },
            "healthPaths": healthPaths,
        ]
        let schemaFile = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: schema).write(to: schemaFile)
        let output = try Self.python(["Tests/Peers/deploy_check.py", Self.root.path, schemaFile.path])
        let problems = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String]
        #expect(problems == [], "\(problems ?? [output])")
    }

    @Test func theCheckerCatchesBrokenFiles() throws {
        // The checker must fail on what it is there to catch: a copy of the files with a missing secret, a wrong port.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy.appendingPathComponent("fly"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Dockerfile"), to: copy.appendingPathComponent("Dockerfile"))
        let render = try String(contentsOf: Self.root.appendingPathComponent("render.yaml"), encoding: .utf8)
        try render.replacingOccurrences(of: "      - key: MONGODB_URI\n        sync: false\n", with: "").write(
            to: copy.appendingPathComponent("render.yaml"), atomically: true, encoding: .utf8)
        for role in Role.allCases {
            var toml = try String(contentsOf: Self.root.appendingPathComponent("fly/\(role.rawValue).toml"), encoding: .utf8)
            if role == .user { toml = toml.replacingOccurrences(of: "PORT = \"8080\"", with: "PORT = \"3000\"") }
            try toml.write(to: copy.appendingPathComponent("fly/\(role.rawValue).toml"), atomically: true, encoding: .utf8)
        }
        let schema: [String: Any] = [
            "variables": ConfigSchema.variables.map {
                [
                    "name": $0.name, "roles": $0.roles.map(\.rawValue),
                    "requirement": $0.requirement == .requiredWithHS256 ? "requiredWithHS256" : ($0.requirement == .required ? "required" : "optional"),
                    "requiredWhenDeployed": $0.requiredWhenDeployed, "secret": $0.secret,
                ] as [String: Any]
            },
            "healthPaths": Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.rawValue, ["/healthz"]) }),
        ]
        let schemaFile = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: schema).write(to: schemaFile)
        let problems =
            try JSONSerialization.jsonObject(with: Data(try Self.python(["Tests/Peers/deploy_check.py", copy.path, schemaFile.path]).utf8)) as? [String] ?? []
        #expect(problems.contains { $0.contains("voice-invoice-auth (auth): MONGODB_URI is required") })
        #expect(problems.contains { $0.contains("fly/user.toml: [env] PORT 3000 differs from internal_port 8080") })
    }

    @Test func dockerfileIsHadolintClean() throws {
        let hadolint = Self.root.appendingPathComponent(".venv-peers/bin/hadolint").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hadolint)
        process.arguments = ["--no-color", Self.root.appendingPathComponent("Dockerfile").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && output.isEmpty, "\(output)")
    }

    /// Every shared library the binary links comes from a Debian package the runtime stage installs (or one they depend
    /// on). The Swift runtime and Foundation, linked dynamically in this debug build from the toolchain, are linked
    /// statically in the image (`--static-swift-stdlib`), so they are not looked for.
    @Test func runtimeStageInstallsEveryLinkedLibrary() throws {
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let stages = dockerfile.components(separatedBy: "\nFROM ")
        let runtime = try #require(stages.last)
        let install = try #require(runtime.range(of: "apt-get install"))
        let command = runtime[install.upperBound...].prefix { $0 != "&" }
        let packages = command.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" }).map(String.init).filter { !$0.hasPrefix("-") && !$0.isEmpty }
        #expect(packages.contains("libmongoc-1.0-0") && packages.contains("libpangocairo-1.0-0"))

        // The closure of what those packages pull in (Depends and Pre-Depends, as installed on this Debian machine).
        var closure = Set<String>()
        var queue = packages
        while let package = queue.popLast() {
            guard closure.insert(package).inserted else { continue }
            let depends = try Self.shell(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package])
            for alternative in depends.split(separator: ",") {
                // "libc6 (>= 2.34) | libc6-udeb": the first alternative, without version or architecture.
                let name = alternative.split(separator: "|").first?.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                let bare = name.split(separator: ":").first.map(String.init) ?? ""
                if !bare.isEmpty { queue.append(bare) }
            }
        }
        let toolchain = URL(fileURLWithPath: try Self.shell(["/usr/bin/env", "which", "swift"]).trimmingCharacters(in: .whitespacesAndNewlines))
            .resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().path
        var checked = 0
        for line in try Self.shell(["ldd", RoleProcess.binary]).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard let arrow = parts.firstIndex(of: "=>"), arrow + 1 < parts.count, parts[arrow + 1].hasPrefix("/") else { continue }
            let path = String(parts[arrow + 1])
            if path.hasPrefix(toolchain) || path.contains("/swift/linux/") { continue }
            let owner =
                (try? Self.shell(["dpkg", "-S", URL(fileURLWithPath: path).resolvingSymlinksInPath().path])) ?? (try? Self.shell(["dpkg", "-S", path])) ?? ""
            let package = owner.split(separator: ":").first.map(String.init) ?? "?"
            #expect(closure.contains(package), "\(path) belongs to \(package), which the runtime stage does not install")
            checked += 1
        }
        #expect(checked > 20)
    }

    static func shell(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ShellError(command: arguments) }
        return output
    }

    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Peers.python)
        process.arguments = arguments
        process.currentDirectoryURL = Self.root
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }

    struct ShellError: Error { let command: [String] }
}
