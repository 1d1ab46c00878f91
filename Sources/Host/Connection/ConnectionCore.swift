import Logging
import NIOCore
import Wire

/// The per-connection state, touched only on the channel's event loop: the upgrade state machine,
/// streams being negotiated, and open streams.
final class ConnectionCore {
    private var machine: ConnectionStateMachine
    private let channel: Channel
    private let registry: ProtocolRegistry
    private var logger: Logger
    private var negotiating: [UInt32: StreamNegotiation] = [:]
    private var streams: [UInt32: MuxedStream] = [:]
    private(set) var isClosed = false
    /// Completed when the connection is muxed (or failed).
    let ready: EventLoopPromise<Void>
    weak var connection: Connection?
    var onAuthenticated: ((PeerID, PublicKey) throws -> Void)?
    var onClosed: ((Error) -> Void)?

    init(machine: ConnectionStateMachine, channel: Channel, registry: ProtocolRegistry, logger: Logger) {
        self.machine = machine
        self.channel = channel
        self.registry = registry
        self.logger = logger
        self.ready = channel.eventLoop.makePromise()
    }

    private var started = false

    /// Sends the opening bytes once the socket is up (idempotent: NIO may report it twice).
    func start() {
        guard !started, !isClosed else { return }
        started = true
        perform(machine.start())
    }

    func receive(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        do {
            perform(try machine.receive(bytes))
        } catch {
            shutdown(reason: error)
        }
    }

    private func perform(_ actions: [ConnectionStateMachine.Action]) {
        for action in actions {
            guard !isClosed else { return }
            switch action {
            case .write(let bytes):
                send(bytes)
            case .authenticated(let peer, let key):
                logger[metadataKey: "peer"] = "\(peer)"
                do { try onAuthenticated?(peer, key) } catch { return shutdown(reason: error) }
            case .ready:
                ready.succeed(())
            case .streams(let events):
                for event in events { handle(event) }
            }
        }
    }

    private func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
    }

    private func handle(_ event: YamuxSession.Event) {
        switch event {
        case .opened(let id):
            let select = MultistreamSelect(role: .responder(supported: registry.protocols))
            negotiating[id] = StreamNegotiation(select: select, opener: nil)
            streamWrite(id, select.start())
        case .acknowledged:
            break
        case .data(let id, let bytes):
            if streams[id] != nil {
                streams[id]!.deliver(bytes)
            } else if negotiating[id] != nil {
                negotiate(id, bytes)
            }
        case .remoteClosed(let id):
            if let s = streams[id] {
                s.finish()
            } else if let n = negotiating.removeValue(forKey: id) {
                n.opener?(.failure(HostError(.closed, "the remote closed the stream during protocol negotiation")))
                sessionOp { $0.reset(id) }
            }
        case .reset(let id):
            streams.removeValue(forKey: id)?.finish(HostError(.closed, "stream reset by the remote"))
            negotiating.removeValue(forKey: id)?.opener?(.failure(HostError(.closed, "stream reset by the remote")))
        case .pong:
            break
        case .goAway(let code):
            logger.debug("remote sent go-away", metadata: ["code": "\(code)"])
            shutdown(reason: HostError(.closed, "the remote is going away (\(code))"))
        }
    }

    private func negotiate(_ id: UInt32, _ bytes: [UInt8]) {
        guard var n = negotiating[id] else { return }
        do {
            switch try n.select.receive(bytes) {
            case .send(let out):
                negotiating[id] = n
                streamWrite(id, out)
            case .agreed(let proto, let reply, let remainder):
                negotiating[id] = nil
                streamWrite(id, reply)
                guard let connection, let peer = connection.remotePeer else { return }
                let stream = MuxedStream(id: id, protocolID: proto, remotePeer: peer, connection: connection)
                streams[id] = stream
                if !remainder.isEmpty { stream.deliver(remainder) }
                if let opener = n.opener {
                    opener(.success(stream))
                } else if let handler = registry.handler(for: proto) {
                    Task { await handler(stream) }
                }
            }
        } catch {
            negotiating[id] = nil
            n.opener?(.failure(error))
            logger.debug("stream negotiation failed", metadata: ["stream": "\(id)", "reason": "\(error)"])
            sessionOp { $0.reset(id) }
        }
    }

    // MARK: local operations

    func openStream(_ protocols: [String], connection: Connection, done: @escaping (Result<MuxedStream, Error>) -> Void) {
        guard !isClosed else { return done(.failure(HostError(.closed, "the connection is closed"))) }
        guard !protocols.isEmpty else { return done(.failure(HostError(.protocolNotSupported, "no protocol to open"))) }
        do {
            let (id, out) = try machine.withSession { try $0.openStream() }
            send(out)
            let select = MultistreamSelect(role: .initiator(proposals: protocols))
            negotiating[id] = StreamNegotiation(select: select, opener: done)
            streamWrite(id, select.start())
        } catch {
            done(.failure(error))
        }
    }

    func write(stream id: UInt32, _ bytes: [UInt8]) -> EventLoopFuture<Void> {
        guard !isClosed else { return channel.eventLoop.makeFailedFuture(HostError(.closed, "the connection is closed")) }
        do {
            let ((), out) = try machine.withSession { try $0.write(id, bytes) }
            guard !out.isEmpty else { return channel.eventLoop.makeSucceededVoidFuture() }
            // Waiting for the socket write gives callers TCP backpressure.
            return channel.writeAndFlush(channel.allocator.buffer(bytes: out))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    func closeStream(_ id: UInt32) { sessionOp { $0.close(id) } }

    func resetStream(_ id: UInt32) {
        streams[id] = nil
        sessionOp { $0.reset(id) }
    }

    func consumed(_ id: UInt32, _ count: Int) { sessionOp { $0.consumed(id, count) } }

    private func streamWrite(_ id: UInt32, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        sessionOp { try $0.write(id, bytes) }
    }

    private func sessionOp(_ body: (inout YamuxSession) throws -> Void) {
        guard !isClosed, machine.isMuxed else { return }
        do {
            let ((), out) = try machine.withSession(body)
            send(out)
        } catch {
            logger.debug("stream operation failed", metadata: ["reason": "\(error)"])
        }
    }

    /// Ends the connection: tells yamux peers, fails every stream, closes the socket.
    func shutdown(reason: Error) {
        guard !isClosed else { return }
        if machine.isMuxed { sessionOp { $0.goAway(reason is WireError ? .protocolError : .normal) } }
        isClosed = true
        machine.close()
        logger.info("connection closed", metadata: ["reason": "\(reason)"])
        for (_, s) in streams { s.finish(reason) }
        for (_, n) in negotiating { n.opener?(.failure(reason)) }
        streams = [:]
        negotiating = [:]
        ready.fail(reason)
        onClosed?(reason)
        channel.close(promise: nil)
    }
}
