import Foundation
import NIOCore

/// Which proxies in front of a role may be believed about the client (`X-Forwarded-For`) and the scheme
/// (`X-Forwarded-Proto`). Behind Render's or Fly's edge there is exactly one: `TRUST_PROXY=1`. Believing headers
/// from anyone else would let a client choose its own address (and so its rate-limit bucket) and fake HTTPS.
///
/// - `.none` (`0`): the socket's peer is the client, the scheme is http.
/// - `.hops(n)`: the last n entries of the chain (the peer being the last) are our proxies; the one before is the client.
/// - `.networks([...])`: peers inside these CIDRs are our proxies, however many; the first address from the right
///   outside them is the client.
public enum TrustProxy: Sendable, Equatable {
    case none
    case hops(Int)
    case networks([CIDR])

    public struct ParseError: Error {}

    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let hops = Int(trimmed) {
            guard (0...10).contains(hops) else { throw ParseError() }
            self = hops == 0 ? .none : .hops(hops)
            return
        }
        let networks = try trimmed.split(separator: ",", omittingEmptySubsequences: false).map { entry -> CIDR in
            guard let cidr = CIDR(entry.trimmingCharacters(in: .whitespaces)) else { throw ParseError() }
            return cidr
        }
        guard !networks.isEmpty else { throw ParseError() }
        self = .networks(networks)
    }

    /// The client's address and whether the original request came over HTTPS.
    public func resolve(peer: String?, forwardedFor: String?, forwardedProto: String?) -> (client: String, https: Bool) {
        let peer = peer ?? "unknown"
        if case .none = self { return (peer, false) }  // nothing to parse: the common case, kept cheap
        let chain = (forwardedFor ?? "").split(separator: ",").map(\.trimmingSpaces).filter { !$0.isEmpty } + [peer]
        // The value the nearest proxy set (proxies that append make a list; the last entry is theirs).
        let proto = forwardedProto?.split(separator: ",").last.map { $0.trimmingSpaces.lowercased() }
        switch self {
        case .none:
            return (peer, false)
        case .hops(let count):
            let index = max(0, chain.count - 1 - count)
            return (chain[index], proto == "https")
        case .networks(let networks):
            func trusted(_ address: String) -> Bool { networks.contains { $0.contains(address) } }
            guard trusted(peer) else { return (peer, false) }
            var index = chain.count - 1
            while index > 0, trusted(chain[index]) { index -= 1 }
            return (chain[index], proto == "https")
        }
    }
}

/// An IPv4 or IPv6 network, "10.0.0.0/8" or "fd00::/8" (a bare address is a /32 or /128).
public struct CIDR: Sendable, Equatable {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let address = Self.parse(first) else { return nil }
        let bits = address.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        self.bytes = address
        self.prefix = prefix
    }

    public func contains(_ text: String) -> Bool {
        guard var address = Self.parse(text) else { return false }
        // An IPv4 client seen on a dual-stack socket arrives as ::ffff:a.b.c.d.
        if address.count == 16, self.bytes.count == 4, address.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] { address = Array(address.suffix(4)) }
        guard address.count == self.bytes.count else { return false }
        var remaining = self.prefix
        for (a, b) in zip(address, self.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// inet_pton through NIO's SocketAddress (no hand-written address parser).
    static func parse(_ text: String) -> [UInt8]? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}
