import Foundation

/// HTTP/1.1 written byte for byte over a plain socket, for what no client library will send: non-canonical paths
/// (curl resolves `/./` and `//`), broken chunked framing, lying `Content-Length` values, headers with a body that
/// never comes. Blocking, with a receive timeout: tests call it from a detached task.
public enum RawHTTP {
    public struct Reply: Sendable {
        public var status: Int
        public var head: String
        public var body: [UInt8]
        /// The server closed the connection after this reply.
        public var closed: Bool

        public func header(_ name: String) -> String? {
            for line in self.head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }

        public var text: String { String(decoding: self.body, as: UTF8.self) }
    }

    public struct NoReply: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connects to 127.0.0.1:`port`, sends `bytes`, and reads one response (until its Content-Length, or the close).
    /// With `checkClose`, waits up to a second after the response for the server to close the connection.
    public static func exchange(port: Int, _ bytes: [UInt8], timeout: TimeInterval = 10, checkClose: Bool = false) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NoReply(description: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw NoReply(description: "connect to \(port) failed") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The server may answer and close before reading everything (a 413 on the headers alone): stop sending.
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 {
                closed = n == 0 || errno == ECONNRESET
                break
            }
            received += buffer[0..<n]
            if let reply = Self.parse(received), reply.complete {
                return Reply(status: reply.status, head: reply.head, body: reply.body, closed: checkClose && Self.peerClosed(fd))
            }
        }
        guard let reply = Self.parse(received) else { throw NoReply(description: "no HTTP response (\(received.count) bytes, closed: \(closed))") }
        return Reply(status: reply.status, head: reply.head, body: reply.body, closed: true)
    }

    /// After a complete response: whether the server closes the connection (a zero-byte read within a second).
    static func peerClosed(_ fd: Int32) -> Bool {
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    static func parse(_ bytes: [UInt8]) -> (status: Int, head: String, body: [UInt8], complete: Bool)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        let body = Array(bytes[(end + 4)...])
        var length: Int?
        for line in head.split(separator: "\r\n").dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "content-length" { length = Int(pair[1].trimmingCharacters(in: .whitespaces)) }
        }
        if let length { return (status, head, Array(body.prefix(length)), body.count >= length) }
        return (status, head, body, false)
    }

    /// A request head (and body) as text: `request("GET", "//api/x", headers: [...])`.
    public static func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + body
    }

    /// Runs `exchange` off the Swift concurrency pool (it blocks on a socket).
    public static func send(port: Int, _ bytes: [UInt8], timeout: TimeInterval = 10, checkClose: Bool = false) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.exchange(port: port, bytes, timeout: timeout, checkClose: checkClose) })
            }
        }
    }
}
