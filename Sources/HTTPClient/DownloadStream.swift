import CCurl
import NIOCore
import Synchronization

/// A response body handed on while it arrives (a proxied export): curl's write callback `deliver`s chunks, the consumer
/// takes them with `next()`, and at most about `capacity` bytes wait in between. When the consumer falls behind, the
/// write callback answers CURL_WRITEFUNC_PAUSE, so curl stops reading the socket and TCP slows the sender; a consumer
/// that catches up asks the driver thread to unpause. So a response costs a bounded buffer however large it is.
/// The mirror of `UploadStream`.
public final class DownloadStream: Sendable {
    public let capacity: Int

    struct State {
        var chunks: [ByteBuffer] = []
        var queued = 0
        /// Set when the transfer ended: nil error for a complete body.
        var ended = false
        var error: (any Error)?
        /// curl was told to pause and waits for `resume`.
        var curlPaused = false
        var waitingConsumer: CheckedContinuation<ByteBuffer?, any Error>?
        /// Set by the client when the transfer starts: ask the driver thread to unpause, or to abort the transfer.
        var resume: (@Sendable () -> Void)?
        var cancel: (@Sendable () -> Void)?
        /// The most bytes ever queued at once, and how often curl was paused (for tests and metrics).
        var highWater = 0
        var pauses = 0
    }
    let state = Mutex(State())

    public init(capacity: Int = 256 * 1024) {
        self.capacity = capacity
    }

    public var highWaterMark: Int { self.state.withLock { $0.highWater } }
    public var pauseCount: Int { self.state.withLock { $0.pauses } }

    /// The next chunk, nil at the end of the body; throws the transfer's error if it failed midway.
    public func next() async throws -> ByteBuffer? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
            let (result, resume) = self.state.withLock { state -> (Result<ByteBuffer?, any Error>?, (@Sendable () -> Void)?) in
                guard !state.chunks.isEmpty else {
                    if state.ended { return (state.error.map { .failure($0) } ?? .success(nil), nil) }
                    state.waitingConsumer = continuation
                    return (nil, nil)
                }
                let chunk = state.chunks.removeFirst()
                state.queued -= chunk.readableBytes
                var resume: (@Sendable () -> Void)?
                if state.curlPaused, state.queued < self.capacity / 2 {
                    state.curlPaused = false
                    resume = state.resume
                }
                return (.success(chunk), resume)
            }
            resume?()
            if let result { continuation.resume(with: result) }
        }
    }

    /// The consumer stops reading (its client went away): the transfer is aborted and its connection closed.
    public func cancel() {
        let cancel = self.state.withLock { state -> (@Sendable () -> Void)? in
            state.chunks.removeAll()
            state.queued = 0
            return state.ended ? nil : state.cancel
        }
        cancel?()
    }

    /// curl's write callback (driver thread): takes the bytes, or says to pause when the consumer is behind. A paused
    /// callback's bytes are delivered again by curl after the unpause, so nothing is lost or doubled.
    func deliver(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var chunk = ByteBuffer()
        chunk.writeBytes(bytes)
        let (accepted, consumer) = self.state.withLock { state -> (Bool, CheckedContinuation<ByteBuffer?, any Error>?) in
            if state.queued >= self.capacity {
                state.curlPaused = true
                state.pauses += 1
                return (false, nil)
            }
            if let waiting = state.waitingConsumer {
                state.waitingConsumer = nil
                return (true, waiting)
            }
            state.chunks.append(chunk)
            state.queued += chunk.readableBytes
            state.highWater = Swift.max(state.highWater, state.queued)
            return (true, nil)
        }
        consumer?.resume(returning: chunk)
        return accepted
    }

    /// The transfer is over: the consumer sees the end after the chunks still queued (or the error at once).
    func end(_ error: (any Error)?) {
        let consumer = self.state.withLock { state -> CheckedContinuation<ByteBuffer?, any Error>? in
            guard !state.ended else { return nil }
            state.ended = true
            state.error = error
            if error != nil {
                state.chunks.removeAll()
                state.queued = 0
            }
            defer { state.waitingConsumer = nil }
            return state.waitingConsumer
        }
        if let error { consumer?.resume(throwing: error) } else { consumer?.resume(returning: nil) }
    }
}

extension DownloadStream: AsyncSequence {
    public typealias Element = ByteBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: DownloadStream
        public mutating func next() async throws -> ByteBuffer? { try await self.stream.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
