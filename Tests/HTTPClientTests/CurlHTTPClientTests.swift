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
