import CCurl
import NIOCore
import Synchronization

/// A request body that arrives while the request is being sent (a proxied upload): the producer `write`s chunks as
/// they come from the client, curl pulls them from its read callback, and at most `capacity` bytes wait in between.
/// A producer that gets ahead waits; curl, when it runs dry, pauses the transfer until the next chunk. So an upload
/// costs a bounded buffer however large it is and however slowly it arrives.
public final class UploadStream: Sendable {
    public let capacity: Int

    struct State {
        var chunks: [ByteBuffer] = []
        var queued = 0
        var finished = false
        var failed = false
        /// curl returned CURL_READFUNC_PAUSE and waits for `resume`.
        var curlPaused = false
        var waitingProducer: CheckedContinuation<Void, Never>?
        /// Set by the client when the transfer starts: asks the driver thread to unpause it.
        var resume: (@Sendable () -> Void)?
        /// The most bytes ever queued at once (for tests and metrics).
        var highWater = 0
    }
    let state = Mutex(State())

    public init(capacity: Int = 256 * 1024) {
        self.capacity = capacity
    }

    public var highWaterMark: Int { self.state.withLock { $0.highWater } }

    /// Queues a chunk; waits while the queue is at capacity. After the transfer ended (or failed) chunks are dropped.
    public func write(_ chunk: ByteBuffer) async {
        guard chunk.readableBytes > 0, !self.state.withLock({ $0.finished }) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (resume, ready) = self.state.withLock { state -> ((@Sendable () -> Void)?, Bool) in
                state.chunks.append(chunk)
                state.queued += chunk.readableBytes
                state.highWater = max(state.highWater, state.queued)
                var resume: (@Sendable () -> Void)?
                if state.curlPaused {
                    state.curlPaused = false
                    resume = state.resume
                }
                if state.queued >= self.capacity, !state.failed {
                    state.waitingProducer = continuation
                    return (resume, false)
                }
                return (resume, true)
            }
            resume?()
            if ready { continuation.resume() }
        }
    }

    /// No more chunks: curl sees the end of the body.
    public func finish() { self.end(failed: false) }

    /// The client went away or was too slow: the transfer aborts.
    public func fail() { self.end(failed: true) }

    private func end(failed: Bool) {
        let (resume, producer) = self.state.withLock { state -> ((@Sendable () -> Void)?, CheckedContinuation<Void, Never>?) in
            state.finished = true
            state.failed = state.failed || failed
            var resume: (@Sendable () -> Void)?
            if state.curlPaused {
                state.curlPaused = false
                resume = state.resume
            }
            defer { state.waitingProducer = nil }
            return (resume, state.waitingProducer)
        }
        resume?()
        producer?.resume()
    }

    /// curl's read callback (driver thread): copies up to `length` bytes, or says to pause or abort.
    func read(into destination: UnsafeMutableRawPointer, length: Int) -> Int {
        let (count, producer) = self.state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            if state.failed { return (Int(CURL_READFUNC_ABORT), nil) }
            var copied = 0
            while copied < length, !state.chunks.isEmpty {
                let take = min(length - copied, state.chunks[0].readableBytes)
                state.chunks[0].withUnsafeReadableBytes { source in
                    (destination + copied).copyMemory(from: source.baseAddress!, byteCount: take)
                }
                state.chunks[0].moveReaderIndex(forwardBy: take)
                if state.chunks[0].readableBytes == 0 { state.chunks.removeFirst() }
                copied += take
            }
            state.queued -= copied
            var producer: CheckedContinuation<Void, Never>?
            if state.queued < self.capacity / 2, let waiting = state.waitingProducer {
                state.waitingProducer = nil
                producer = waiting
            }
            if copied == 0 {
                if state.finished { return (0, producer) }  // end of body
                state.curlPaused = true
                return (Int(CURL_READFUNC_PAUSE), producer)
            }
            return (copied, producer)
        }
        producer?.resume()
        return count
    }
}
