import Foundation
import HTTPClient
import Hummingbird

// The voice endpoint's own overhead: everything VoiceInvoice does for `POST /api/invoices/voice` (gateway proxy, token
// checks, multipart parsing and sniffing, the profile call, two provider calls over libcurl, validation, maths,
// storage, memory) with a provider that answers at once.
//
//   voice-bench peer            a zero-latency OpenAI-compatible peer on 127.0.0.1 (prints "PORT n")
//   voice-bench load URL N      registers a user at the gateway URL, then measures N sequential requests per endpoint
//                               and the throughput of 8 concurrent clients; prints a table

let arguments = Array(CommandLine.arguments.dropFirst())

func peer() async throws {
    let extraction =
        #"{"clientName":"Acme","items":[{"description":"Design","quantity":"12","unit":"hour","unitPrice":"85","currency":"USD","discountPercent":null,"taxRate":null}],"currency":"USD","issueDate":null,"dueDate":null,"dueInDays":14,"taxRate":null,"discountPercent":null,"poNumber":null,"notes":null,"warnings":[],"confidence":{"clientName":0.9,"items":0.9,"dates":0.9,"taxRate":null,"currency":0.9}}"#
    let completion = try JSONSerialization.data(withJSONObject: [
        "id": "chatcmpl-bench", "object": "chat.completion", "model": "bench",
        "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": extraction, "refusal": NSNull()]]],
    ])
    let transcript = Data(#"{"text":"Bill Acme for twelve hours of design at 85 dollars, due in two weeks"}"#.utf8)
    let router = Router()
    router.post("/v1/audio/transcriptions") { request, _ in
        _ = try await request.body.collect(upTo: 64 * 1024 * 1024)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: transcript)))
    }
    router.post("/v1/chat/completions") { request, _ in
        _ = try await request.body.collect(upTo: 1024 * 1024)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: completion)))
    }
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in FileHandle.standardOutput.write(Data("PORT \(channel.localAddress?.port ?? 0)\n".utf8)) }
    )
    try await app.runService()
}

/// A small WAV (0.5 s of 16 kHz silence): the bytes the endpoint must read, sniff and forward.
func wav() -> [UInt8] {
    let data = [UInt8](repeating: 0, count: 16_000)
    func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    return Array("RIFF".utf8) + le32(UInt32(36 + data.count)) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(16_000) + le32(32_000)
        + le16(2) + le16(16) + Array("data".utf8) + le32(UInt32(data.count)) + data
}

func load(gateway: String, count: Int) async throws {
    let http = CurlHTTPClient()
    defer { http.shutdown() }
    let email = "bench-\(UUID().uuidString.prefix(8))@example.com"
    let registration = try await http.execute(
        CurlRequest(
            method: "POST", url: gateway + "/api/auth/register", headers: [("Content-Type", "application/json")],
            body: Array(#"{"email":"\#(email)","password":"correct horse battery","name":"Bench"}"#.utf8)
        )
    )
    guard let token = (try JSONSerialization.jsonObject(with: Data(registration.body)) as? [String: Any])?["accessToken"] as? String else {
        fatalError("registration failed: \(registration.status)")
    }
    let boundary = "bench-boundary"
    let multipart =
        Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"note.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
        + wav() + Array("\r\n--\(boundary)--\r\n".utf8)
    let auth = ("Authorization", "Bearer \(token)")
    let cases: [(String, CurlRequest, Int)] = [
        ("GET /api/users/me (baseline: gateway + one role)", CurlRequest(url: gateway + "/api/users/me", headers: [auth]), 200),
        (
            "POST /api/invoices/transcript (offline path)",
            CurlRequest(
                method: "POST", url: gateway + "/api/invoices/transcript", headers: [auth, ("Content-Type", "application/json")],
                body: Array(#"{"transcript":"Bill Acme for twelve hours of design at 85 dollars, due in two weeks"}"#.utf8)
            ), 201
        ),
        (
            "POST /api/transcriptions (audio → text)",
            CurlRequest(
                method: "POST", url: gateway + "/api/transcriptions", headers: [auth, ("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                body: multipart), 200
        ),
        (
            "POST /api/invoices/voice (audio → draft)",
            CurlRequest(
                method: "POST", url: gateway + "/api/invoices/voice", headers: [auth, ("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                body: multipart), 201
        ),
    ]
    // The same create once the address book is full (1 000 clients, each with an alias): drafting must read what it
    // needs by index, so this row is measured against the offline-path row above, from the same run.
    let bigBook = (
        "POST /api/invoices/transcript, 1 000 clients in book",
        CurlRequest(
            method: "POST", url: gateway + "/api/invoices/transcript", headers: [auth, ("Content-Type", "application/json")],
            body: Array(#"{"transcript":"Bill Acme for twelve hours of design at 85 dollars, due in two weeks"}"#.utf8)
        ), 201
    )
    print(String(repeating: " ", count: 52) + "   p50 ms   p90 ms   p99 ms   seq req/s   8-conc req/s")
    for (name, request, expected) in cases + [bigBook] {
        if name == bigBook.0 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for n in stride(from: worker, to: 999, by: 8) {
                            let client = try await http.execute(
                                CurlRequest(
                                    method: "POST", url: gateway + "/api/clients", headers: [auth, ("Content-Type", "application/json")],
                                    body: Array(#"{"name":"Client \#(n) Ltd","aliases":["C\#(n)"]}"#.utf8)))
                            precondition(client.status == 201 || client.status == 409, "seeding clients: \(client.status)")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        for _ in 0..<20 { _ = try await http.execute(request) }  // warm-up
        var latencies: [Double] = []
        let start = ContinuousClock.now
        for _ in 0..<count {
            let t0 = ContinuousClock.now
            let response = try await http.execute(request)
            precondition(response.status == expected, "\(name): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            latencies.append((ContinuousClock.now - t0) / .milliseconds(1))
        }
        let sequential = Double(count) / ((ContinuousClock.now - start) / .seconds(1))
        let concurrentStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<(count / 8) { _ = try await http.execute(request) } }
            }
            try await group.waitForAll()
        }
        let concurrent = Double(count / 8 * 8) / ((ContinuousClock.now - concurrentStart) / .seconds(1))
        latencies.sort()
        func p(_ q: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * q))] }
        print(
            name.padding(toLength: 52, withPad: " ", startingAt: 0)
                + String(format: " %8.2f %8.2f %8.2f %11.0f %14.0f", p(0.5), p(0.9), p(0.99), sequential, concurrent))
    }
}

switch arguments.first {
case "peer": try await peer()
case "load" where arguments.count == 3: try await load(gateway: arguments[1], count: Int(arguments[2]) ?? 500)
default:
    FileHandle.standardError.write(Data("usage: voice-bench peer | voice-bench load <gateway-url> <count>\n".utf8))
    exit(2)
}
