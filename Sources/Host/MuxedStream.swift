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
        var leftover: [UInt8] = []
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
        if let left = inbox.withLockedValue({ box -> [UInt8]? in
            guard !box.leftover.isEmpty else { return nil }
            defer { box.leftover = [] }
            return box.leftover
        }) { return left }
        return try await withCheckedThrowingContinuation { cont in
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
        var reader = LengthPrefixedReader(maxLength: maxLength)
        while true {
            if let message = try reader.next() {
                let rest = reader.takeRemainder()
                if !rest.isEmpty { unread(rest) }
                return message
            }
            guard let chunk = try await read() else {
                let rest = reader.takeRemainder()
                if rest.isEmpty { return nil }
                throw WireError(.truncated, "stream \(protocolID) ended inside a message")
            }
            reader.append(chunk)
        }
    }

    private func unread(_ bytes: [UInt8]) {
        inbox.withLockedValue { $0.leftover = bytes + $0.leftover }
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
