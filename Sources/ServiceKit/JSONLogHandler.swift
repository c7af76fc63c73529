import Foundation
import Logging
import Synchronization

/// One JSON object per line on standard output, for log collectors on Render and Fly.
///
/// Hand-written because none of the packages available to this project ships a JSON `LogHandler`; it is small
/// and only formats. Nothing secret is ever passed to a logger in this code base (no tokens, passwords, keys,
/// audio or transcripts), so it does not filter.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let output = Mutex(())

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            "level": event.level.rawValue,
            "logger": self.label,
            "msg": event.message.description,
        ]
        // One id per request in the logs: ours (the one clients and upstreams see), not Hummingbird's internal one, dropped
        // here (when a line is written) rather than per request.
        var merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        merged["hb.request.id"] = nil
        for (key, value) in merged { object[key] = Self.plain(value) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        Self.output.withLock { _ in
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let array): return array.map(plain)
        case .dictionary(let dictionary): return dictionary.mapValues(plain)
        }
    }
}
