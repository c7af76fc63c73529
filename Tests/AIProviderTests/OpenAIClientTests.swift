import AIProvider
import Foundation
import HTTPClient
import Invoicing
import TestSupport
import Testing

/// The OpenAI client over libcurl against the OpenAI-compatible test peer (Tests/Peers/openai_peer.py), which refuses
/// requests of the wrong shape as the real API would.
@Suite("OpenAI client against the test peer", .serialized)
struct OpenAIClientTests {
    static let key = "sk-test-peer-key"

    func withPeer(_ body: (PeerProcess, CurlHTTPClient) async throws -> Void) async throws {
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", Self.key])
        defer { peer.stop() }
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        try await body(peer, http)
    }

    func client(_ peer: PeerProcess, _ http: CurlHTTPClient, key: String = key, timeout: Duration = .seconds(10), retries: Int = 2) -> OpenAIClient {
        OpenAIClient(
            configuration: OpenAIConfiguration(apiKey: key, baseURL: peer.baseURL + "/v1", timeout: timeout, maxRetries: retries, maxRetryAfter: .seconds(3)),
            http: http
        )
    }

    func script(_ peer: PeerProcess, _ http: CurlHTTPClient, _ body: [String: Any]) async throws {
        let response = try await http.execute(
            CurlRequest(
                method: "POST", url: peer.baseURL + "/test/script", headers: [("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: body)))
        )
        #expect(response.status == 200)
    }

    static let context = ExtractionContext(today: CalendarDate("2026-11-27")!, defaultCurrency: .usd, knownClients: ["Acme"], knownServices: ["Design"])

    @Test func transcribesAndExtracts() async throws {
        try await withPeer { peer, http in
            try await script(peer, http, ["transcript": "Invoice Globex for three logos at 200 euros"])
            let audio = Array(repeating: UInt8(7), count: 4096)
            let text = try await client(peer, http).transcribe(audio: audio, fileName: "note.webm", contentType: "audio/webm", prompt: "Acme, Globex")
            #expect(text == "Invoice Globex for three logos at 200 euros")

            try await script(
                peer, http,
                [
                    "extraction": [
                        "clientName": "Globex", "items": [["description": "Logos", "quantity": "3", "unit": NSNull(), "unitPrice": "200", "currency": "EUR"]],
                        "currency": "EUR", "dueInDays": NSNull(), "taxRate": "19", "notes": NSNull(),
                        "warnings": [["field": "taxRate", "message": "check the rate"]],
                        "confidence": ["clientName": 0.9, "items": 0.8, "dates": NSNull(), "taxRate": 0.4, "currency": 1],
                    ]
                ])
            let extracted = try await client(peer, http).extract(transcript: text, context: Self.context)
            #expect(extracted.clientName == "Globex")
            #expect(extracted.items == [.init(description: "Logos", quantity: "3", unit: nil, unitPrice: "200", currency: "EUR")])
            #expect(extracted.taxRate == "19")
            #expect(extracted.warnings == [InvoiceWarning(field: "taxRate", "check the rate")])
            #expect(extracted.confidence.taxRate == 0.4)
            #expect(extracted.confidence.dates == nil)

            let seen =
                try JSONSerialization.jsonObject(with: Data(try await http.execute(CurlRequest(url: peer.baseURL + "/test/requests")).body)) as? [[String: Any]]
            #expect(seen?.first?["path"] as? String == "transcriptions")
            #expect(seen?.first?["has_prompt"] as? Bool == true)
            #expect(seen?.first?["bytes"] as? Int == 4096)
        }
    }

    @Test func retriesRateLimitsAndServerErrorsHonouringRetryAfter() async throws {
        try await withPeer { peer, http in
            try await script(peer, http, ["failures": [["status": 429, "retryAfter": 1], ["status": 503]]])
            let extracted = try await client(peer, http).extract(transcript: "Bill Acme for 12 hours of design at 85 dollars", context: Self.context)
            #expect(extracted.clientName == "Acme")

            // More failures than retries: the last failure is reported.
            try await script(peer, http, ["failures": [["status": 500], ["status": 500], ["status": 500]]])
            await #expect { try await client(peer, http).extract(transcript: "x", context: Self.context) } throws: {
                ($0 as? AIProviderError)?.code == .unavailable
            }
            // A Retry-After longer than we may wait: no waiting, a clear rate-limit error.
            try await script(peer, http, ["failures": [["status": 429, "retryAfter": 120]]])
            await #expect { try await client(peer, http).extract(transcript: "x", context: Self.context) } throws: {
                ($0 as? AIProviderError)?.code == .rateLimited && ($0 as? AIProviderError)?.retryAfter == 120
            }
        }
    }

    @Test func aBadKeyFailsWithoutRetryingAndASlowProviderTimesOut() async throws {
        try await withPeer { peer, http in
            await #expect { try await client(peer, http, key: "sk-wrong").extract(transcript: "x", context: Self.context) } throws: {
                ($0 as? AIProviderError)?.code == .failed
            }
            try await script(peer, http, ["delay": 2])
            await #expect {
                try await client(peer, http, timeout: .milliseconds(300), retries: 0).extract(transcript: "x", context: Self.context)
            } throws: { ($0 as? AIProviderError)?.code == .unavailable }
            try await script(peer, http, ["delay": 0])
        }
    }
}
