import Foundation
import HTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// The curl multi client against a real local server.
@Suite("HTTP client on curl multi")
struct CurlHTTPClientTests {
    /// Starts a small Hummingbird server on an ephemeral port and runs `body` with its base URL.
    func withServer(_ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.get("/hello") { request, _ in "hello \(request.headers[.init("X-Test")!] ?? "")" }
        router.post("/echo") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 10 * 1024 * 1024)
            return Response(status: .created, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: buffer))
        }
        // Counts and hashes what arrives, holding nothing: for streamed uploads.
        router.post("/count") { request, _ -> String in
            var total = 0
            var checksum = Fletcher()
            for try await chunk in request.body {
                total += chunk.readableBytes
                chunk.withUnsafeReadableBytes { checksum.add($0) }
            }
            return "\(total) \(checksum.value)"
        }
        // 64 KiB chunks, `n` of them (forever without n), written as fast as the connection takes them.
        router.get("/large") { request, _ -> Response in
            let count = request.uri.queryParameters.get("n", as: Int.self)
            let chunk = ByteBuffer(bytes: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            return Response(
                status: .ok,
                body: .init { writer in
                    var sent = 0
                    while count.map({ sent < $0 }) ?? true {
                        try await writer.write(chunk)
                        sent += 1
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/slow") { _, _ -> String in
            try await Task.sleep(for: .seconds(3))
            return "late"
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress!.port!) }, logger: logger
        )
        let group = ServiceGroup(services: [app], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = stream.makeAsyncIterator()
            let port = await iterator.next()!
            var failure: (any Error)?
            do { try await body("http://127.0.0.1:\(port)") } catch { failure = error }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }

    /// 8 MiB streamed through a 256 KiB buffer, with and without a declared length: everything arrives, in order,
    /// and the buffer never holds more than its capacity plus one chunk.
    @Test(arguments: [true, false]) func streamedUploadsUseABoundedBuffer(declareLength: Bool) async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        try await withServer { base in
            let chunk = ByteBuffer(bytes: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            let chunks = 128
            var expected = Fletcher()
            for _ in 0..<chunks { chunk.withUnsafeReadableBytes { expected.add($0) } }
            let upload = UploadStream()
            let producer = Task {
                for _ in 0..<chunks { await upload.write(chunk) }
                upload.finish()
            }
            let response = try await client.execute(
                CurlRequest(method: "POST", url: base + "/count", upload: upload, uploadLength: declareLength ? chunks * chunk.readableBytes : nil)
            )
            await producer.value
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "\(chunks * 65_536) \(expected.value)")
            #expect(upload.highWaterMark <= upload.capacity + chunk.readableBytes)
        }
    }

    /// 16 MiB read by a consumer that starts slow, through a 256 KiB stream: everything arrives in order, and curl pauses instead
    /// of buffering (the stream never holds more than its capacity plus one write callback's 16 KiB).
    @Test func streamedResponsesUseABoundedBuffer() async throws {
        let client = CurlHTTPClient(maximumResponseBytes: 1024)  // the whole-response limit does not apply to streams
        defer { client.shutdown() }
        try await withServer { base in
            let chunk = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            var expected = Fletcher()
            for _ in 0..<256 { chunk.withUnsafeBytes { expected.add($0) } }
            // A generous deadline: on a loaded 2-core CI machine the sleeping consumer may be scheduled late.
            let (head, body) = try await client.stream(CurlRequest(url: base + "/large?n=256", timeout: .seconds(300)))
            #expect(head.status == 200)
            var received = Fletcher()
            var total = 0
            for try await part in body {
                total += part.readableBytes
                part.withUnsafeReadableBytes { received.add($0) }
                // Slow for the first MiB only: enough to fill the stream and make curl pause and resume many times.
                if total < 1024 * 1024 { try await Task.sleep(for: .microseconds(200)) }
            }
            #expect(total == 256 * 65_536)
            #expect(received.value == expected.value)
            #expect(body.highWaterMark <= body.capacity + 16 * 1024)
            #expect(body.pauseCount > 0)  // the slow start did make curl wait
        }
    }

    /// A consumer that stops reading cancels the transfer: an endless body ends, and the stream reports it.
    @Test func cancellingAStreamEndsTheTransfer() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        try await withServer { base in
            let (head, body) = try await client.stream(CurlRequest(url: base + "/large"))
            #expect(head.status == 200)
            #expect(try await body.next() != nil)
            body.cancel()
            await #expect(throws: CancellationError.self) {
                while try await body.next() != nil {}
            }
            // The client is free for the next request (the cancelled one no longer occupies the driver).
            #expect(try await client.execute(CurlRequest(url: base + "/hello", headers: [("X-Test", "again")])).status == 200)
        }
    }

    @Test func aFailedUploadAbortsTheTransfer() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        try await withServer { base in
            let upload = UploadStream()
            let producer = Task {
                await upload.write(ByteBuffer(bytes: [1, 2, 3]))
                upload.fail()
            }
            await #expect(throws: HTTPClientError.self) {
                try await client.execute(CurlRequest(method: "POST", url: base + "/count", upload: upload))
            }
            await producer.value
        }
    }

    @Test func getPostAndHeaders() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        try await withServer { base in
            let response = try await client.execute(CurlRequest(url: base + "/hello", headers: [("X-Test", "there")]))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "hello there")
            let payload = (0..<300_000).map { UInt8($0 % 251) }
            let echoed = try await client.execute(CurlRequest(method: "POST", url: base + "/echo", body: payload))
            #expect(echoed.status == 201)
            #expect(echoed.body == payload)
            #expect(echoed.header("content-type") == "application/octet-stream")
        }
    }

    @Test func manyConcurrentRequests() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        try await withServer { base in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<64 {
                    group.addTask { try await client.execute(CurlRequest(url: base + "/hello", headers: [("X-Test", "\(n)")])).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count == 64 && statuses.allSatisfy { $0 == 200 })
        }
    }

    @Test func timeoutIsReportedAsTimedOut() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        try await withServer { base in
            await #expect { try await client.execute(CurlRequest(url: base + "/slow", timeout: .milliseconds(300))) } throws: {
                ($0 as? HTTPClientError)?.code == .timedOut
            }
        }
    }

    @Test func refusedConnectionIsConnectFailed() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        // Port 1 on loopback: nothing listens there in the test environment.
        await #expect { try await client.execute(CurlRequest(url: "http://127.0.0.1:1/")) } throws: {
            ($0 as? HTTPClientError)?.code == .connectFailed
        }
    }

    @Test func cancellationEndsTheTransfer() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        try await withServer { base in
            let task = Task { try await client.execute(CurlRequest(url: base + "/slow")) }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            // A finished transfer would have returned the response; a CancellationError means curl dropped it.
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    @Test func responseLimitIsEnforced() async throws {
        let client = CurlHTTPClient(maximumResponseBytes: 1000)
        defer { client.shutdown() }
        try await withServer { base in
            await #expect { try await client.execute(CurlRequest(method: "POST", url: base + "/echo", body: Array(repeating: 1, count: 5000))) } throws: {
                ($0 as? HTTPClientError)?.code == .responseTooLarge
            }
        }
    }
}

/// An order-sensitive checksum that does not depend on how the bytes were split into chunks.
struct Fletcher {
    var a: UInt64 = 0
    var b: UInt64 = 0
    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            self.a &+= UInt64(byte)
            self.b &+= self.a
        }
    }
    var value: String { "\(self.a)-\(self.b)" }
}
