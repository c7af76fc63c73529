import ArgumentParser
import Foundation
import ServiceKit

/// `voice-invoice config check [--role R]` and `voice-invoice config env-example`: the configuration schema
/// (`ConfigSchema`) from the command line.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check the environment against the configuration schema, or print .env.example.",
        subcommands: [Check.self, EnvExample.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the current environment; lists every problem (the same list a role prints when it refuses to start)."
        )

        @Option(help: "gateway | auth | user | invoice (default: ROLE, else every role)")
        var role: String?

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let name = self.role ?? environment["ROLE"].flatMap { $0 == "all" ? nil : $0 }
            var role: Role?
            if let name {
                guard let parsed = Role(rawValue: name) else { throw ValidationError("--role must be gateway, auth, user or invoice") }
                role = parsed
            }
            let problems = ConfigSchema.check(environment, role: role)
            if problems.isEmpty {
                print("configuration ok for \(role?.rawValue ?? "every role")")
                return
            }
            FileHandle.standardError.write(Data(("invalid configuration:\n" + problems.map { "  - " + $0 }.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
    }

    struct EnvExample: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "env-example", abstract: "Print .env.example, generated from the schema.")
        func run() { print(ConfigSchema.envExample(), terminator: "") }
    }
}
