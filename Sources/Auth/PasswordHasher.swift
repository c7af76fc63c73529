import Foundation
import NIOPosix
import OpenSSLSupport
import WireFormat

/// Password hashing with scrypt from OpenSSL (memory-hard: N = 2^15, r = 8, p = 3 is 32 MiB and about 300 ms per hash
/// here; one of the parameter sets OWASP's Password Storage Cheat Sheet gives as its minimum).
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
        /// OWASP's floor for scrypt is N = 2^17, r = 8, p = 1 or an equal cost: 2^16/8/2, 2^15/8/3 (this), 2^14/8/5.
        /// 2^15 with p = 3 keeps the memory per hash at 32 MiB, which matters on 256–512 MB instances.
        public static let standard = Parameters(logN: 15, r: 8, p: 3)

        /// Below the current parameters' cost (a hash made before they were raised): rehashed at the next sign-in.
        func isWeaker(than other: Parameters) -> Bool {
            (1 << self.logN) * self.r * self.p < (1 << other.logN) * other.r * other.p
        }
    }

    /// OWASP ASVS 2.1.1: at least 12 characters.
    public static let minimumLength = 12
    /// In UTF-8 bytes, what scrypt is given: bounds the work an attacker can make one request cost (ASVS 2.1.2 asks
    /// for at least 64 characters to be allowed; 1024 bytes is 256 of any script).
    public static let maximumBytes = 1024

    /// The password rules as a problem message, or nil when the password is acceptable.
    public static func problem(_ password: String) -> String? {
        guard password.count >= Self.minimumLength, password.utf8.count <= Self.maximumBytes else {
            return "must be at least \(Self.minimumLength) characters and at most \(Self.maximumBytes) bytes"
        }
        return nil
    }

    /// Whether `stored` was made with weaker parameters than the hasher's (so it should be rehashed).
    public func needsRehash(_ stored: String) -> Bool {
        guard let parameters = Self.parameters(of: stored) else { return true }
        return parameters.isWeaker(than: self.parameters)
    }

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
        self.decoy =
            "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Base64URL.encode(OpenSSL.randomBytes(16)))$\(Base64URL.encode(OpenSSL.randomBytes(32)))"
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

    /// The parameters of a stored hash, within the bounds this hasher will ever spend on one.
    static func parameters(of stored: String) -> Parameters? {
        let fields = stored.split(separator: "$")
        guard fields.count == 4, fields.first == "scrypt" else { return nil }
        var values: [String: Int] = [:]
        for pair in fields[1].split(separator: ",") {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let key = kv.first, let text = kv.last, let value = Int(text) { values[String(key)] = value }
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"], (10...20).contains(logN), (1...32).contains(r), (1...16).contains(p) else {
            return nil
        }
        return Parameters(logN: logN, r: r, p: p)
    }

    static func verifyBlocking(_ password: String, stored: String) -> Bool {
        let fields = stored.split(separator: "$")
        guard fields.count == 4, let parameters = Self.parameters(of: stored), let salt = Base64URL.decode(fields[2]),
            let expected = Base64URL.decode(fields[3]),
            (16...64).contains(expected.count)
        else { return false }
        guard let key = Self.derive(password, salt: salt, logN: parameters.logN, r: parameters.r, p: parameters.p, length: expected.count) else { return false }
        return OpenSSL.constantTimeEquals(key, expected)
    }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int, length: Int = 32) -> [UInt8]? {
        OpenSSL.scrypt(password: Array(password.utf8), salt: salt, n: UInt64(1) << UInt64(logN), r: UInt64(r), p: UInt64(p), length: length)
    }
}
