import Foundation
import ServiceKit
import Testing

@Suite("TRUST_PROXY: whom to believe")
struct TrustProxyTests {
    @Test func nothingIsBelievedByDefault() throws {
        let trust = try TrustProxy("0")
        let result = trust.resolve(peer: "203.0.113.9", forwardedFor: "1.2.3.4", forwardedProto: "https")
        #expect(result.client == "203.0.113.9")
        #expect(result.https == false)
    }

    @Test func hopCountsTakeTheAddressBeforeOurProxies() throws {
        let one = try TrustProxy("1")
        // A client that sends its own X-Forwarded-For cannot choose its address: the edge appended the real one.
        #expect(one.resolve(peer: "10.0.0.5", forwardedFor: "6.6.6.6, 198.51.100.7", forwardedProto: "https") == ("198.51.100.7", true) as (String, Bool))
        #expect(one.resolve(peer: "10.0.0.5", forwardedFor: nil, forwardedProto: nil).client == "10.0.0.5")
        let two = try TrustProxy("2")
        #expect(two.resolve(peer: "10.0.0.5", forwardedFor: "198.51.100.7, 10.0.0.9", forwardedProto: "http").client == "198.51.100.7")
    }

    @Test func networksTrustOnlyPeersInside() throws {
        let trust = try TrustProxy("10.0.0.0/8, fd00::/8")
        #expect(trust.resolve(peer: "10.1.2.3", forwardedFor: "198.51.100.7, 10.9.9.9", forwardedProto: "https") == ("198.51.100.7", true) as (String, Bool))
        #expect(trust.resolve(peer: "fd00::1", forwardedFor: "2001:db8::5", forwardedProto: "https").client == "2001:db8::5")
        // A peer outside the networks is the client, whatever it claims.
        #expect(trust.resolve(peer: "203.0.113.9", forwardedFor: "1.2.3.4", forwardedProto: "https") == ("203.0.113.9", false) as (String, Bool))
        // IPv4 seen on a dual-stack socket.
        #expect(trust.resolve(peer: "::ffff:10.0.0.1", forwardedFor: "198.51.100.7", forwardedProto: nil).client == "198.51.100.7")
    }

    @Test func malformedSettingsAreRefused() {
        for text in ["-1", "11", "10.0.0.0/33", "banana", "10.0.0.0/8,", "fd00::/129"] {
            #expect(throws: (any Error).self, "\(text)") { try TrustProxy(text) }
        }
        #expect(CIDR("192.168.0.0/16")?.contains("192.168.44.1") == true)
        #expect(CIDR("192.168.0.0/16")?.contains("192.169.0.1") == false)
        #expect(CIDR("2001:db8::/32")?.contains("2001:db8:1::1") == true)
    }
}
