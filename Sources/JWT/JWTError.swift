/// One opaque error for everything that can go wrong with a token (the jwt-kit shape): callers switch on `code`
/// when they must, and new cases never break them. `reason` is for logs, never for clients.
public struct JWTError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { self.name }

        public static let malformed = Code(name: "malformed")
        public static let unknownKey = Code(name: "unknownKey")
        public static let algorithmMismatch = Code(name: "algorithmMismatch")
        public static let signatureInvalid = Code(name: "signatureInvalid")
        public static let claimInvalid = Code(name: "claimInvalid")
        public static let invalidKey = Code(name: "invalidKey")
        public static let keySetUnavailable = Code(name: "keySetUnavailable")
    }

    public let code: Code
    public let reason: String

    public var description: String { "JWTError.\(self.code): \(self.reason)" }

    public static func malformed(_ reason: String) -> JWTError { .init(code: .malformed, reason: reason) }
    public static func unknownKey(_ kid: String?) -> JWTError { .init(code: .unknownKey, reason: "no key for kid \(kid ?? "(none)")") }
    public static func algorithmMismatch(header: String, key: String) -> JWTError {
        .init(code: .algorithmMismatch, reason: "header alg \(header) is not the key's algorithm \(key)")
    }
    public static let signatureInvalid = JWTError(code: .signatureInvalid, reason: "signature does not verify")
    public static func claim(_ name: String, _ reason: String) -> JWTError { .init(code: .claimInvalid, reason: "\(name): \(reason)") }
    public static func invalidKey(_ reason: String) -> JWTError { .init(code: .invalidKey, reason: reason) }
    public static let keySetUnavailable = JWTError(code: .keySetUnavailable, reason: "the JWK Set could not be fetched")
}
