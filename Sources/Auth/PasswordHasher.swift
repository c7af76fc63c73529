import Foundation
import NIOPosix
import OpenSSLSupport

/// Password hashing with scrypt from OpenSSL (memory-hard: N = 2^15, r = 8, p = 1 is 32 MiB and ~100 ms per hash).
///
/// Key derivation is deliberately slow, so it runs on its own small thread pool: on an event loop it would stall
/// every connection of that loop, and in the Swift concurrency pool it would starve other tasks. The pool size
/// also bounds the memory scrypt can take at once (threads × 32 MiB).
///
/// Stored form (PHC string format): `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, base64url, so parameters can be raised
/// later and old hashes still verify.
public final class PasswordHasher: Sendable {
    public struct Parameters: Sendable {
        public var logN: Int
        public var r: Int
        public var p: Int
        public static let standard = Parameters(logN: 15, r: 8, p: 1)
    }

    public static let minimumLength = 8
    /// Bounds the work an attacker can make one request cost.
    public static let maximumLength = 1024

    private let threadPool: NIOThreadPool
    private let parameters: Parameters
    /// A stored-hash string with the current parameters and random salt and digest, verified against when the email
    /// is unknown, so that unknown email and wrong password cost the same derivation. It needs no derivation to make
    /// (nothing can match it), so building the hasher does no key derivation on the caller's thread.
    private let decoy: String

    public init(parameters: Parameters = .standard, threads: Int = 2) {
        self.parameters = parameters
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        self.threadPool.start()
        self.decoy = "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Base64URL.encode(OpenSSL.randomBytes(16)))$\(Base64URL.encode(OpenSSL.randomBytes(32)))"
    }

    public func shutdown() async throws { try await self.threadPool.shutdownGracefully() }

    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await self.threadPool.runIfActive { Self.hashBlocking(password, parameters: parameters) }
    }

    /// Verifies `password` against `stored`, or against the decoy when `stored` is nil (and then returns false).
    public func verify(_ password: String, against stored: String?) async throws -> Bool {
        let target = stored ?? self.decoy
        let result = try await self.threadPool.runIfActive { Self.verifyBlocking(password, stored: target) }
        return stored == nil ? false : result
    }

    static func hashBlocking(_ password: String, parameters: Parameters) -> String {
        let salt = OpenSSL.randomBytes(16)
        let key = Self.derive(password, salt: salt, logN: parameters.logN, r: parameters.r, p: parameters.p) ?? []
        return "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Base64URL.encode(salt))$\(Base64URL.encode(key))"
    }

    static func verifyBlocking(_ password: String, stored: String) -> Bool {
        let fields = stored.split(separator: "$")
        guard fields.count == 4, fields[0] == "scrypt", let salt = Base64URL.decode(fields[2]), let expected = Base64URL.decode(fields[3]) else { return false }
        var values: [String: Int] = [:]
        for pair in fields[1].split(separator: ",") {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let value = Int(kv[1]) { values[String(kv[0])] = value }
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"], (10...20).contains(logN), (1...32).contains(r), (1...16).contains(p) else { return false }
        guard let key = Self.derive(password, salt: salt, logN: logN, r: r, p: p, length: expected.count) else { return false }
        return OpenSSL.constantTimeEquals(key, expected)
    }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int, length: Int = 32) -> [UInt8]? {
        OpenSSL.scrypt(password: Array(password.utf8), salt: salt, n: UInt64(1) << UInt64(logN), r: UInt64(r), p: UInt64(p), length: length)
    }
}
