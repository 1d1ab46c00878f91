import Logging
import NIOConcurrencyHelpers
import NIOCore
import Wire

/// One upgraded libp2p connection (Noise + yamux over TCP). Public methods may be called from any
/// task; the state lives on the channel's event loop, in `ConnectionCore`.
public final class Connection: Sendable, CustomStringConvertible {
    public let isInitiator: Bool
    public let remoteAddress: Multiaddr?
    let channel: Channel
    let core: NIOLoopBound<ConnectionCore>
    /// Succeeds once the connection is muxed; fails if it closes first.
    let ready: EventLoopFuture<Void>
    private let peer = NIOLockedValueBox<(PeerID, PublicKey)?>(nil)

    init(channel: Channel, isInitiator: Bool, remoteAddress: Multiaddr?, core: ConnectionCore) {
        self.channel = channel
        self.isInitiator = isInitiator
        self.remoteAddress = remoteAddress
        self.core = NIOLoopBound(core, eventLoop: channel.eventLoop)
        self.ready = core.ready.futureResult
    }

    /// The authenticated remote peer (set once Noise completes).
    public var remotePeer: PeerID? { peer.withLockedValue { $0?.0 } }
    public var remotePublicKey: PublicKey? { peer.withLockedValue { $0?.1 } }
    func setRemote(_ id: PeerID, _ key: PublicKey) { peer.withLockedValue { $0 = (id, key) } }

    public var description: String {
        "\(isInitiator ? "outbound" : "inbound") connection to \(remotePeer.map { "\($0)" } ?? "?") at \(remoteAddress.map { "\($0)" } ?? "?")"
    }

    /// Opens a stream and negotiates the first of `protocols` the remote supports.
    public func openStream(_ protocols: [String]) async throws -> MuxedStream {
        guard channel.isActive else { throw HostError(.closed, "the connection is closed") }
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<MuxedStream, Error>) in
            channel.eventLoop.execute {
                self.core.value.openStream(protocols, connection: self) { cont.resume(with: $0) }
            }
        }
    }

    public func close() {
        channel.eventLoop.execute { self.core.value.shutdown(reason: HostError(.closed, "closed locally")) }
    }

    // MARK: for MuxedStream
    //
    // A stream's task may outlive its connection, and the host's event loops with it (the host
    // shuts them down once its connections are closed). Nothing is submitted to the loop of a
    // closed channel: a task given to a loop that has shut down is dropped with its promise,
    // which NIO reports as a leak (a crash in debug builds, seen when a ping arrived while a
    // host stopped).

    func write(stream id: UInt32, _ bytes: [UInt8]) async throws {
        guard channel.isActive else { throw HostError(.closed, "the connection is closed") }
        let future = channel.eventLoop.flatSubmit { self.core.value.write(stream: id, bytes) }
        try await future.get()
    }

    /// Ordered, without waiting: submissions run on the event loop in order, and the yamux
    /// session queues what the window does not admit yet.
    func enqueue(stream id: UInt32, _ bytes: [UInt8]) {
        guard channel.isActive else { return }
        channel.eventLoop.execute { _ = self.core.value.write(stream: id, bytes) }
    }

    func closeStream(_ id: UInt32) async {
        guard channel.isActive else { return }
        try? await channel.eventLoop.submit { self.core.value.closeStream(id) }.get()
    }

    func resetStream(_ id: UInt32) async {
        guard channel.isActive else { return }
        try? await channel.eventLoop.submit { self.core.value.resetStream(id) }.get()
    }

    func consumed(_ id: UInt32, _ count: Int) {
        guard channel.isActive else { return }
        channel.eventLoop.execute { self.core.value.consumed(id, count) }
    }
}
