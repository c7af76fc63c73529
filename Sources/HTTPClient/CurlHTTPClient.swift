import CCurl
import Foundation
import NIOCore
import Synchronization

/// An outbound HTTP request: a body held whole (`body`), or one streamed while it is sent (`upload`, with its length
/// when known; chunked otherwise).
public struct CurlRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    public var upload: UploadStream?
    public var uploadLength: Int?
    /// Whole-transfer deadline.
    public var timeout: Duration
    public var connectTimeout: Duration

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(5), upload: UploadStream? = nil, uploadLength: Int? = nil
    ) {
        self.upload = upload
        self.uploadLength = uploadLength
        // Methods are case-sensitive tokens; ours are always upper case (an ASCII-only check, no copy when already so).
        self.method = method.utf8.contains(where: { (97...122).contains($0) }) ? method.uppercased() : method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

public struct CurlResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    /// The body as received: curl writes straight into this buffer, and a proxy hands it on as it is (a PDF is held
    /// once, not copied into a second buffer).
    public var buffer: ByteBuffer
    /// The body as bytes (a copy), for callers that decode it.
    public var body: [UInt8] { Array(self.buffer.readableBytesView) }

    public init(status: Int, headers: [(name: String, value: String)], buffer: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.buffer = buffer
    }

    public func header(_ name: String) -> String? {
        self.headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Why a request got no response: the gateway maps `.connectFailed` to 502 and `.timedOut` to 504.
public struct HTTPClientError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable { case connectFailed, timedOut, cancelled, responseTooLarge, invalidRequest, transport, shutDown }
    public let code: Code
    public let detail: String
    public var description: String { "HTTPClientError.\(self.code): \(self.detail)" }
    public init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// An async HTTP client on libcurl's multi interface.
///
/// One dedicated thread owns the multi handle and drives every transfer with `curl_multi_poll`; callers on the
/// event loops or the concurrency pool only enqueue work under a lock and `curl_multi_wakeup` the thread, so no
/// blocking curl call ever runs on an event loop or in the Swift concurrency pool. The multi handle keeps a
/// connection cache, so requests to the same upstream reuse keep-alive connections. Task cancellation removes the
/// transfer from the multi handle.
public final class CurlHTTPClient: Sendable {
    public let maximumResponseBytes: Int

    private struct Shared {
        var pending: [Transfer] = []
        var cancelled: Set<UInt64> = []
        /// Streamed uploads that have data again after curl paused them.
        var resumed: Set<UInt64> = []
        var nextID: UInt64 = 0
        var running = true
    }

    private let shared = Mutex(Shared())
    // The multi handle pointer; only the driver thread calls curl_multi_* on it, except `curl_multi_wakeup`, which
    // libcurl documents as callable from any thread.
    private let multi: MultiHandle

    /// - Parameter maximumResponseBytes: responses larger than this fail with `.responseTooLarge`.
    public init(maximumResponseBytes: Int = 64 * 1024 * 1024, maximumConnectionsPerHost: Int = 64) {
        CurlGlobal.initialise()
        self.maximumResponseBytes = maximumResponseBytes
        self.multi = MultiHandle()
        ccurl_multi_setopt_long(self.multi.pointer, CURLMOPT_MAX_HOST_CONNECTIONS, maximumConnectionsPerHost)
        ccurl_multi_setopt_long(self.multi.pointer, CURLMOPT_MAXCONNECTS, maximumConnectionsPerHost * 4)
        let thread = Thread { [self] in self.drive() }
        thread.name = "curl-multi"
        thread.start()
    }

    /// Stops the driver thread; transfers in flight fail with `.shutDown`.
    public func shutdown() {
        self.shared.withLock { $0.running = false }
        curl_multi_wakeup(self.multi.pointer)
    }

    public func execute(_ request: CurlRequest) async throws -> CurlResponse {
        try await self.execute(request, download: nil)
    }

    /// Sends the request and answers as soon as the response's head has arrived; the body follows through the
    /// stream, with back-pressure (curl stops reading while the consumer is `capacity` bytes behind). The client's
    /// response limit does not apply: memory is bounded by the stream instead. A consumer that stops early must call
    /// `cancel()` on the stream, which aborts the transfer.
    public func stream(_ request: CurlRequest, capacity: Int = 256 * 1024) async throws -> (head: CurlResponse, body: DownloadStream) {
        let body = DownloadStream(capacity: capacity)
        let head = try await self.execute(request, download: body)
        return (head, body)
    }

    private func execute(_ request: CurlRequest, download: DownloadStream?) async throws -> CurlResponse {
        let id = self.shared.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CurlResponse, any Error>) in
                let transfer = Transfer(id: id, request: request, limit: self.maximumResponseBytes, download: download, continuation: continuation)
                // curl_easy_pause may only be called on the thread driving the transfer: the stream asks the driver.
                let resume: @Sendable () -> Void = { [weak self] in
                    guard let self else { return }
                    self.shared.withLock { _ = $0.resumed.insert(id) }
                    curl_multi_wakeup(self.multi.pointer)
                }
                request.upload?.state.withLock { $0.resume = resume }
                download?.state.withLock { state in
                    state.resume = resume
                    // After the head the task's cancellation handler is gone: the consumer cancels through the stream.
                    state.cancel = { [weak self] in
                        guard let self else { return }
                        self.shared.withLock { _ = $0.cancelled.insert(id) }
                        curl_multi_wakeup(self.multi.pointer)
                    }
                }
                let accepted = self.shared.withLock { state -> Bool in
                    guard state.running else { return false }
                    state.pending.append(transfer)
                    return true
                }
                if accepted {
                    curl_multi_wakeup(self.multi.pointer)
                } else {
                    transfer.finish(.failure(HTTPClientError(code: .shutDown, detail: "client is shut down")))
                }
            }
        } onCancel: {
            self.shared.withLock { _ = $0.cancelled.insert(id) }
            curl_multi_wakeup(self.multi.pointer)
        }
    }

    // MARK: The driver thread.

    private func drive() {
        var active: [UInt64: Transfer] = [:]
        // Easy handles are kept and reset rather than created per request: curl_easy_init allocates and clears the
        // handle and its 16 KiB receive buffer, and freeing them again made malloc consolidate — together the largest
        // share of the driver thread's own CPU in the proxy profile. curl_easy_reset keeps the allocations (the
        // connection cache lives in the multi handle either way). Only this thread touches the pool.
        var idle: [UnsafeMutableRawPointer] = []
        let idleLimit = 256
        func take() -> UnsafeMutableRawPointer? { idle.popLast() ?? curl_easy_init() }
        func recycle(_ transfer: Transfer) {
            guard let easy = transfer.release() else { return }
            if idle.count < idleLimit {
                curl_easy_reset(easy)
                idle.append(easy)
            } else {
                curl_easy_cleanup(easy)
            }
        }
        defer { for easy in idle { curl_easy_cleanup(easy) } }
        while true {
            let (incoming, cancelled, resumed, running) = self.shared.withLock { state in
                defer {
                    state.pending.removeAll()
                    state.cancelled.removeAll()
                    state.resumed.removeAll()
                }
                return (state.pending, state.cancelled, state.resumed, state.running)
            }
            for transfer in incoming {
                if cancelled.contains(transfer.id) {
                    transfer.finish(.failure(CancellationError()))
                    continue
                }
                guard let easy = take() else {
                    transfer.finish(.failure(HTTPClientError(code: .transport, detail: "curl_easy_init failed")))
                    continue
                }
                do {
                    try transfer.configure(easy)
                    curl_multi_add_handle(self.multi.pointer, easy)
                    active[transfer.id] = transfer
                } catch {
                    recycle(transfer)
                    transfer.finish(.failure(error))
                }
            }
            for id in resumed {
                if let transfer = active[id], let easy = transfer.easy { curl_easy_pause(easy, CURLPAUSE_CONT) }
            }
            for id in cancelled {
                if let transfer = active.removeValue(forKey: id) {
                    transfer.request.upload?.fail()
                    if let easy = transfer.easy { curl_multi_remove_handle(self.multi.pointer, easy) }
                    recycle(transfer)
                    transfer.finish(.failure(CancellationError()))
                }
            }
            if !running {
                for transfer in active.values {
                    if let easy = transfer.easy { curl_multi_remove_handle(self.multi.pointer, easy) }
                    recycle(transfer)
                    transfer.finish(.failure(HTTPClientError(code: .shutDown, detail: "client shut down")))
                }
                return
            }

            var stillRunning: Int32 = 0
            curl_multi_perform(self.multi.pointer, &stillRunning)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(self.multi.pointer, &queued) {
                guard ccurl_msg_is_done(message) != 0, let easy = ccurl_msg_easy(message) else { continue }
                let result = ccurl_msg_result(message)
                var privatePointer: UnsafeMutableRawPointer?
                ccurl_getinfo_ptr(easy, CURLINFO_PRIVATE, &privatePointer)
                curl_multi_remove_handle(self.multi.pointer, easy)
                guard let privatePointer else { continue }
                let transfer = Unmanaged<Transfer>.fromOpaque(privatePointer).takeUnretainedValue()
                active.removeValue(forKey: transfer.id)
                transfer.complete(result)  // reads the status from the handle, so the handle goes back after it
                recycle(transfer)
            }
            // Sleeps until a socket is ready, curl's own timer fires, or another thread calls curl_multi_wakeup.
            curl_multi_poll(self.multi.pointer, nil, 0, 1000, nil)
        }
    }
}

/// Owns the multi handle so its cleanup runs exactly once, when the client goes away.
private final class MultiHandle: Sendable {
    nonisolated(unsafe) let pointer: UnsafeMutableRawPointer
    init() {
        // curl_multi_init only fails on allocation failure.
        self.pointer = curl_multi_init()
    }
    deinit { curl_multi_cleanup(self.pointer) }
}

private enum CurlGlobal {
    static let once: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()
    static func initialise() { _ = Self.once }
}

/// One request in flight: its easy handle (lent by the driver's pool while the transfer runs), the buffers curl
/// writes into, and the continuation to resume. Touched only by the driver thread after it is enqueued.
private final class Transfer: @unchecked Sendable {
    let id: UInt64
    let request: CurlRequest
    let limit: Int
    /// Set for a streamed response: the body goes there, and the continuation is resumed with the head alone.
    let download: DownloadStream?
    private(set) var easy: UnsafeMutableRawPointer?
    private var continuation: CheckedContinuation<CurlResponse, any Error>?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var requestBody: UnsafeMutableRawBufferPointer?
    var responseBody = ByteBuffer()
    var responseHeaders: [(name: String, value: String)] = []
    var tooLarge = false

    init(id: UInt64, request: CurlRequest, limit: Int, download: DownloadStream?, continuation: CheckedContinuation<CurlResponse, any Error>) {
        self.id = id
        self.request = request
        self.limit = limit
        self.download = download
        self.continuation = continuation
    }

    deinit {
        // A handle still lent (never the case once the driver is done with the transfer) is freed, not leaked.
        if let easy = self.easy { curl_easy_cleanup(easy) }
        curl_slist_free_all(self.headerList)
        self.requestBody?.deallocate()
    }

    /// Gives the handle back (for the pool); the header list and body it pointed at stay alive until the transfer goes.
    func release() -> UnsafeMutableRawPointer? {
        defer { self.easy = nil }
        return self.easy
    }

    func configure(_ easy: UnsafeMutableRawPointer) throws {
        self.easy = easy
        func check(_ code: CURLcode) throws {
            guard code == CURLE_OK else { throw HTTPClientError(code: .invalidRequest, detail: String(cString: curl_easy_strerror(code))) }
        }
        try check(ccurl_setopt_str(easy, CURLOPT_URL, self.request.url))
        // Only http(s), never follow redirects, never an environment proxy: requests go exactly where configured.
        try check(ccurl_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        try check(ccurl_setopt_str(easy, CURLOPT_PROXY, ""))
        try check(ccurl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        try check(ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        try check(ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(self.request.timeout)))
        try check(ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(self.request.connectTimeout)))
        try check(ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))

        let method = self.request.method
        switch method {
        case "GET": try check(ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "HEAD": try check(ccurl_setopt_long(easy, CURLOPT_NOBODY, 1))
        default: try check(ccurl_setopt_str(easy, CURLOPT_CUSTOMREQUEST, method))
        }
        if let upload = self.request.upload {
            // Streamed: curl pulls the body from the stream as it arrives (chunked when the length is unknown).
            // CURLOPT_UPLOAD for PUT, CURLOPT_POST otherwise (setting UPLOAD to 0 would turn the request back into a GET).
            try check(method == "PUT" ? ccurl_setopt_long(easy, CURLOPT_UPLOAD, 1) : ccurl_setopt_long(easy, CURLOPT_POST, 1))
            if let length = self.request.uploadLength {
                try check(ccurl_setopt_offt(easy, method == "PUT" ? CURLOPT_INFILESIZE_LARGE : CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(length)))
            }
            if method != "POST" && method != "PUT" { try check(ccurl_setopt_str(easy, CURLOPT_CUSTOMREQUEST, method)) }
            try check(ccurl_setopt_ptr(easy, CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque()))
            try check(
                ccurl_setopt_datacb(
                    easy, CURLOPT_READFUNCTION,
                    { buffer, size, count, user in
                        guard let buffer, let user else { return Int(CURL_READFUNC_ABORT) }
                        return Unmanaged<UploadStream>.fromOpaque(user).takeUnretainedValue().read(into: buffer, length: size * count)
                    }))
        } else if let body = self.request.body ?? (method == "POST" || method == "PUT" || method == "PATCH" ? [] : nil) {
            // curl reads the body from this buffer during the transfer; it lives until the transfer is freed.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(body.count, 1), alignment: 1)
            buffer.copyBytes(from: body)
            self.requestBody = buffer
            try check(ccurl_setopt_offt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            try check(ccurl_setopt_ptr(easy, CURLOPT_POSTFIELDS, buffer.baseAddress))
        }

        // "Expect:" turns off curl's 100-continue round trip, which costs a full RTT on every upload.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        // A streamed body of unknown length goes chunked (curl only reads a POST body of unknown size when told so).
        if self.request.upload != nil, self.request.uploadLength == nil { list = curl_slist_append(list, "Transfer-Encoding: chunked") }
        for header in self.request.headers {
            // Byte scans: this runs for every header of every proxied request (Character iteration costs far more).
            guard !header.name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 }), !header.value.utf8.contains(where: { $0 == 13 || $0 == 10 })
            else { throw HTTPClientError(code: .invalidRequest, detail: "header contains a line break") }
            // "Name;" is curl's way to send a header with an empty value.
            list = curl_slist_append(list, header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        self.headerList = list
        try check(ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, list))

        let unmanaged = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_setopt_ptr(easy, CURLOPT_PRIVATE, unmanaged))
        try check(ccurl_setopt_ptr(easy, CURLOPT_WRITEDATA, unmanaged))
        try check(ccurl_setopt_ptr(easy, CURLOPT_HEADERDATA, unmanaged))
        try check(
            ccurl_setopt_datacb(
                easy, CURLOPT_WRITEFUNCTION,
                { buffer, size, count, user in
                    let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
                    let length = size * count
                    if let download = transfer.download {
                        transfer.deliverHead()
                        guard let buffer else { return length }
                        return download.deliver(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : Int(CURL_WRITEFUNC_PAUSE)
                    }
                    guard transfer.responseBody.readableBytes + length <= transfer.limit else {
                        transfer.tooLarge = true
                        return 0  // makes curl abort with CURLE_WRITE_ERROR
                    }
                    if let buffer {
                        transfer.responseBody.writeBytes(UnsafeRawBufferPointer(start: buffer, count: length))
                    }
                    return length
                }))
        try check(
            ccurl_setopt_datacb(
                easy, CURLOPT_HEADERFUNCTION,
                { buffer, size, count, user in
                    let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
                    let length = size * count
                    guard let buffer else { return length }
                    // Parsed as bytes: this runs for every header line of every upstream response, and Foundation's
                    // trimming and Character-level scans were a large share of the gateway's CPU per request.
                    buffer.withMemoryRebound(to: UInt8.self, capacity: length) { start in
                        let bytes = UnsafeBufferPointer(start: start, count: length)
                        if length >= 5, bytes[0] == 72, bytes[1] == 84, bytes[2] == 84, bytes[3] == 80, bytes[4] == 47 {  // "HTTP/"
                            // A new status line (after 100 Continue or an interim response): start over.
                            transfer.responseHeaders.removeAll()
                        } else if let colon = bytes.firstIndex(of: 58) {
                            func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 || byte == 10 }
                            var low = colon + 1
                            var high = length
                            while low < high, isSpace(bytes[low]) { low += 1 }
                            while high > low, isSpace(bytes[high - 1]) { high -= 1 }
                            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<colon]), as: UTF8.self)
                            let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[low..<high]), as: UTF8.self)
                            transfer.responseHeaders.append((name, value))
                        }
                    }
                    return length
                }))
    }

    /// A streamed response's head, once (at its first body bytes, or at the end of a response without a body).
    func deliverHead() {
        guard self.continuation != nil else { return }
        var status: Int = 0
        if let easy = self.easy { ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) }
        self.continuation?.resume(returning: CurlResponse(status: status, headers: self.responseHeaders, buffer: ByteBuffer()))
        self.continuation = nil
    }

    func complete(_ result: CURLcode) {
        switch result {
        case CURLE_OK where self.download != nil:
            self.deliverHead()
            self.download?.end(nil)
            self.request.upload?.fail()
        case CURLE_OK:
            var status: Int = 0
            if let easy = self.easy { ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) }
            self.finish(.success(CurlResponse(status: status, headers: self.responseHeaders, buffer: self.responseBody)))
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self.finish(.failure(HTTPClientError(code: .connectFailed, detail: String(cString: curl_easy_strerror(result)))))
        case CURLE_OPERATION_TIMEDOUT:
            self.finish(.failure(HTTPClientError(code: .timedOut, detail: String(cString: curl_easy_strerror(result)))))
        case CURLE_WRITE_ERROR where self.tooLarge:
            self.finish(.failure(HTTPClientError(code: .responseTooLarge, detail: "response exceeds \(self.limit) bytes")))
        default:
            self.finish(.failure(HTTPClientError(code: .transport, detail: String(cString: curl_easy_strerror(result)))))
        }
    }

    func finish(_ result: Result<CurlResponse, any Error>) {
        // The transfer is over: a producer still feeding its upload (the service answered early) must not wait forever.
        self.request.upload?.fail()
        // A streamed body that already had its head ends with the error (the consumer sees a truncated body fail).
        if case .failure(let error) = result { self.download?.end(error) }
        self.continuation?.resume(with: result)
        self.continuation = nil
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

extension CurlHTTPClient {
    /// libcurl's version string, e.g. "libcurl/7.88.1 OpenSSL/3.0.19 …".
    public static var libraryVersion: String { String(cString: curl_version()) }
}
