import Foundation
import ServiceKit
import TestSupport
import Testing

/// Voice input through the gateway: audio upload → transcription (the provider) → draft, and the limits on uploads.
@Suite("Voice input", .serialized)
struct VoiceTests {
    /// A short, valid RIFF/WAVE file of silence (16 kHz, 16-bit mono).
    static func wav(seconds: Double = 0.5) -> [UInt8] { TestAudio.silentWAV(bytes: Int(16_000 * seconds) * 2) }

    static func multipart(field: String = "audio", fileName: String = "note.wav", contentType: String = "audio/wav", bytes: [UInt8]) -> (String, [UInt8]) {
        let boundary = "test-\(UUID().uuidString)"
        var body = Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    @Test func voiceToDraftAndLimits() async throws {
        let peer = try PeerProcess(script: "openai_peer.py", arguments: ["--api-key", "sk-voice"])
        defer { peer.stop() }
        try await Cluster.run(services: [
            "OPENAI_API_KEY": "sk-voice", "OPENAI_BASE_URL": peer.baseURL + "/v1", "MAX_AUDIO_BYTES": "200000", "MAX_TRANSCRIPT_CHARS": "200",
        ]) { c in
            let (token, _) = try await c.register("voice@example.com")
            // The peer transcribes to "Bill Acme for twelve hours of design at 85 dollars" and extracts 12 × 85 USD.
            let (type, body) = Self.multipart(bytes: Self.wav())
            let created = try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: body, contentType: type)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["total"] as? Int == 102_000)
            #expect(created.json["originalTranscript"] as? String == "Bill Acme for twelve hours of design at 85 dollars")

            let text = try await c.call("POST", c.gateway + "/api/transcriptions", token: token, raw: body, contentType: type)
            #expect(text.status == 200)
            #expect(text.json["text"] as? String == "Bill Acme for twelve hours of design at 85 dollars")
            #expect(try await c.call("POST", c.gateway + "/api/transcriptions", raw: body, contentType: type).status == 401)

            // Limits: too large → 413; not audio → 415; not multipart → 415; no `audio` field → 400.
            let (bigType, big) = Self.multipart(bytes: Self.wav(seconds: 10))
            #expect(try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: big, contentType: bigType).status == 413)
            let (textType, textBody) = Self.multipart(contentType: "text/plain", bytes: Array("hello".utf8))
            #expect(try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: textBody, contentType: textType).status == 415)
            let (liarType, liar) = Self.multipart(contentType: "audio/wav", bytes: Array("%PDF-1.7 not audio at all".utf8))
            #expect(try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: liar, contentType: liarType).status == 415)
            #expect(try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: Self.wav(), contentType: "audio/wav").status == 415)
            let (otherType, other) = Self.multipart(field: "file", bytes: Self.wav())
            #expect(try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: other, contentType: otherType).status == 400)

            // MAX_TRANSCRIPT_CHARS is the transcript limit.
            let long = try await c.call(
                "POST", c.gateway + "/api/invoices/transcript", token: token,
                json: ["transcript": "Bill Acme for 2 hours of design at 50 dollars " + String(repeating: "x", count: 200)])
            #expect(long.status == 413)

            // The provider failing: a 503 problem with Retry-After.
            #expect(
                try await c.call("POST", peer.baseURL + "/test/script", json: ["failures": [["status": 503], ["status": 503], ["status": 503]]]).status == 200)
            let down = try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: body, contentType: type)
            #expect(down.status == 503 && down.header("retry-after") != nil)
        }
    }

    @Test func voiceWithoutAProviderIsNotConfigured() async throws {
        try await Cluster.run { c in
            let (token, _) = try await c.register("novoice@example.com")
            let (type, body) = Self.multipart(bytes: Self.wav())
            let reply = try await c.call("POST", c.gateway + "/api/invoices/voice", token: token, raw: body, contentType: type)
            #expect(reply.status == 503)
            #expect(reply.json["title"] as? String == "Not configured")
        }
    }
}
