import NIOConcurrencyHelpers
import NIOCore
import Wire

/// One negotiated stream of a connection, for protocol handlers (identify, ping, pubsub, sync).
/// Reads wait for data; reading credits the yamux window, so a slow reader slows the sender.
public final class MuxedStream: Sendable {
    public let id: UInt32
    public let protocolID: String
    public let remotePeer: PeerID
    let connection: Connection
    private let inbox = NIOLockedValueBox(Inbox())

    private struct Inbox {
        var chunks: [[UInt8]] = []
        var finished = false
        var error: Error?
        var waiter: CheckedContinuation<[UInt8]?, Error>?
        /// Bytes received but not yet handed out: what followed the last message `readMessage`
        /// returned (or what `read(exactly:)` read too far). One reader for the stream's life,
        /// so a chunk holding many small messages is split in linear time.
        var framer = LengthPrefixedReader(maxLength: Int.max)
    }

    /// Whether this side dialed the connection the stream runs on.
    public var isOnOutboundConnection: Bool { connection.isInitiator }
    /// The peer's address on the connection the stream runs on (its IP feeds score P6).
    public var remoteAddress: Multiaddr? { connection.remoteAddress }

    init(id: UInt32, protocolID: String, remotePeer: PeerID, connection: Connection) {
        self.id = id
        self.protocolID = protocolID
        self.remotePeer = remotePeer
        self.connection = connection
    }

    // MARK: fed by the connection (on its event loop)

    func deliver(_ bytes: [UInt8]) {
        let waiter: CheckedContinuation<[UInt8]?, Error>? = inbox.withLockedValue { box in
            if let w = box.waiter {
                box.waiter = nil
                return w
            }
            box.chunks.append(bytes)
            return nil
        }
        if let waiter {
            connection.consumed(id, bytes.count)
            waiter.resume(returning: bytes)
        }
    }

    func finish(_ error: Error? = nil) {
        let waiter: CheckedContinuation<[UInt8]?, Error>? = inbox.withLockedValue { box in
            box.finished = true
            if box.error == nil { box.error = error }
            defer { box.waiter = nil }
            return box.waiter
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    // MARK: for protocol handlers

    /// The next bytes, or nil once the remote closed its side.
    public func read() async throws -> [UInt8]? {
        let left = inbox.withLockedValue { $0.framer.takeRemainder() }
        if !left.isEmpty { return left }
        return try await nextChunk()
    }

    /// The next chunk from the connection, past anything held back in `framer`.
    private func nextChunk() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { cont in
            enum Next { case chunk([UInt8]), end, failed(Error), wait }
            let next: Next = inbox.withLockedValue { box in
                if !box.chunks.isEmpty { return .chunk(box.chunks.removeFirst()) }
                if let e = box.error { return .failed(e) }
                if box.finished { return .end }
                box.waiter = cont
                return .wait
            }
            switch next {
            case .chunk(let c):
                connection.consumed(id, c.count)
                cont.resume(returning: c)
            case .end: cont.resume(returning: nil)
            case .failed(let e): cont.resume(throwing: e)
            case .wait: break
            }
        }
    }

    /// Exactly `count` bytes; throws if the stream ends first.
    public func read(exactly count: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            guard let chunk = try await read() else {
                throw WireError(.truncated, "stream \(protocolID) ended after \(out.count) of \(count) bytes")
            }
            out += chunk
        }
        if out.count > count { unread(Array(out[count...])) }
        return Array(out.prefix(count))
    }

    /// One uvarint-length-prefixed message of at most `maxLength` bytes; nil at a clean end.
    public func readMessage(maxLength: Int) async throws -> [UInt8]? {
        while true {
            let message = try inbox.withLockedValue { box in
                box.framer.maxLength = maxLength
                return try box.framer.next()
            }
            if let message { return message }
            guard let chunk = try await nextChunk() else {
                if inbox.withLockedValue({ $0.framer.takeRemainder() }).isEmpty { return nil }
                throw WireError(.truncated, "stream \(protocolID) ended inside a message")
            }
            inbox.withLockedValue { $0.framer.append(chunk) }
        }
    }

    /// Puts bytes back in front of anything held back (rare: `read(exactly:)` reading too far).
    private func unread(_ bytes: [UInt8]) {
        inbox.withLockedValue { box in
            let rest = box.framer.takeRemainder()
            box.framer.append(bytes)
            box.framer.append(rest)
        }
    }

    public func write(_ bytes: [UInt8]) async throws {
        try await connection.write(stream: id, bytes)
    }

    /// Writes without waiting for the socket (in order with other writes of this stream). For
    /// senders on a hot path that must not suspend (pubsub forwarding); a failure shows up as
    /// the stream or connection ending. No backpressure: the caller bounds what it queues.
    public func enqueue(_ bytes: [UInt8]) { connection.enqueue(stream: id, bytes) }

    public func writeMessage(_ bytes: [UInt8]) async throws {
        try await write(LengthPrefixedReader.frame(bytes))
    }

    /// Half-closes: the remote reads the end of the stream; we can still read.
    public func close() async {
        await connection.closeStream(id)
    }

    public func reset() async {
        await connection.resetStream(id)
        finish(HostError(.closed, "stream reset"))
    }
}
