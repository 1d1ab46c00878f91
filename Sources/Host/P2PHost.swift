import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Wire

/// Something that happened to a host's connections, for the agent and `p2pmq agent --stdio`.
public enum HostEvent: Sendable {
    case connected(PeerID, address: Multiaddr?, inbound: Bool)
    case disconnected(PeerID, reason: String)
    case identified(PeerID, PeerInfo)
    case dialFailed(Multiaddr, reason: String)
    /// The peer asked for our identify and got it.
    case identifyServed(PeerID)
}

/// A libp2p host over TCP: listens, dials, upgrades every connection to Noise + yamux, serves
/// identify and ping, and hands inbound streams to the protocol handlers registered with it.
public final class P2PHost: Sendable {
    public let config: HostConfig
    public let peerID: PeerID
    public let registry = ProtocolRegistry()
    public let peerStore = PeerStore()
    /// Events for the host's owner (buffered from the start). Other components that need events
    /// too call `subscribeEvents()`: an AsyncStream has a single consumer.
    public let events: AsyncStream<HostEvent>
    private let eventSink: AsyncStream<HostEvent>.Continuation
    private let subscribers = NIOLockedValueBox<[UInt64: AsyncStream<HostEvent>.Continuation]>([:])
    private let nextSubscriber = NIOLockedValueBox<UInt64>(0)
    private let group: EventLoopGroup
    private let ownsGroup: Bool
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var listeners: [Channel] = []
        var listenAddresses: [Multiaddr] = []
        var connections: [ObjectIdentifier: Connection] = [:]
        var openedAt: [ObjectIdentifier: Double] = [:]
        var protected: Set<PeerID> = []
        /// Peers whose connections are closed on sight, until a monotonic time in seconds.
        var refused: [PeerID: Double] = [:]
        var trimTask: RepeatedTask?
        var keepaliveTask: RepeatedTask?
        var keepalive: KeepaliveLedger?
        var closed = false
    }

    /// Without a logger, warnings and errors go to standard error.
    public init(config: HostConfig, group: EventLoopGroup? = nil, logger: Logger? = nil) {
        self.config = config
        self.peerID = config.identity.peerID
        self.group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.ownsGroup = group == nil
        var logger = logger ?? {
            var l = Logger(label: "p2pmq.host") { StreamLogHandler.standardError(label: $0) }
            l.logLevel = .warning
            return l
        }()
        logger[metadataKey: "self"] = "\(config.identity.peerID)"
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(of: HostEvent.self, bufferingPolicy: .bufferingNewest(4096))
        registry.set(Identify.protocolID) { [weak self] stream in await self?.serveIdentify(stream) }
        registry.set(Identify.pushProtocolID) { [weak self] stream in await self?.receiveIdentifyPush(stream) }
        registry.set(Ping.protocolID) { stream in await Ping.serve(stream) }
        // Connections past their grace period are trimmed even when no new one arrives.
        let task = self.group.next().scheduleRepeatedTask(initialDelay: .seconds(5), delay: .seconds(5)) { [weak self] _ in
            self?.trimConnections()
        }
        state.withLockedValue { $0.trimTask = task }
        if let k = config.keepalive {
            let amount = TimeAmount.nanoseconds(Int64(clamping: k.interval.components.seconds * 1_000_000_000 + k.interval.components.attoseconds / 1_000_000_000))
            let ping = self.group.next().scheduleRepeatedTask(initialDelay: amount, delay: amount) { [weak self] _ in
                self?.pingConnections(k)
            }
            state.withLockedValue {
                $0.keepaliveTask = ping
                $0.keepalive = KeepaliveLedger(maxFailures: k.maxFailures)
            }
        }
    }

    /// One keepalive round: pings every upgraded connection, closes those that failed too often.
    private func pingConnections(_ policy: KeepalivePolicy) {
        for connection in connections where connection.remotePeer != nil {
            let id = ObjectIdentifier(connection)
            Task { [weak self] in
                let answered = await Ping.answered(on: connection, within: policy.timeout)
                guard let self else { return }
                let close = self.state.withLockedValue { $0.keepalive?.record(id, answered: answered) ?? false }
                if close {
                    self.logger.info("keepalive: no ping answer \(policy.maxFailures) times in a row; closing the connection",
                                     metadata: ["peer": "\(connection.remotePeer.map { "\($0)" } ?? "?")"])
                    connection.close()
                }
            }
        }
    }

    /// A new stream of the events from now on, for one more consumer.
    public func subscribeEvents() -> AsyncStream<HostEvent> {
        let (stream, sink) = AsyncStream.makeStream(of: HostEvent.self, bufferingPolicy: .bufferingNewest(4096))
        let id = nextSubscriber.withLockedValue { n -> UInt64 in
            n += 1
            return n
        }
        subscribers.withLockedValue { $0[id] = sink }
        sink.onTermination = { [weak self] _ in self?.subscribers.withLockedValue { _ = $0.removeValue(forKey: id) } }
        return stream
    }

    private func emit(_ event: HostEvent) {
        eventSink.yield(event)
        for sink in subscribers.withLockedValue({ Array($0.values) }) { sink.yield(event) }
    }

    public var listenAddresses: [Multiaddr] { state.withLockedValue { $0.listenAddresses } }

    public var connections: [Connection] { state.withLockedValue { Array($0.connections.values) } }

    public func connections(to peer: PeerID) -> [Connection] { connections.filter { $0.remotePeer == peer } }

    // MARK: listening

    /// Listens on a `/ip4|ip6/.../tcp/PORT` address (port 0 picks one); returns the bound address.
    @discardableResult
    public func listen(_ addr: Multiaddr) async throws -> Multiaddr {
        guard let (host, port) = addr.hostAndPort else { throw HostError(.noAddress, "cannot listen on \(addr): need /ip4|ip6/.../tcp/PORT") }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                guard let self else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try self.attach(channel, initiator: false, expectedPeer: nil)
                }
            }
            .bind(host: host, port: port).get()
        guard let local = channel.localAddress, let bound = Self.multiaddr(local) else {
            throw HostError(.noAddress, "listening socket has no address")
        }
        state.withLockedValue {
            $0.listeners.append(channel)
            $0.listenAddresses.append(bound)
        }
        logger.info("listening", metadata: ["address": "\(bound)"])
        return bound
    }

    // MARK: dialing

    /// Dials `addr`; if it ends in `/p2p/ID`, the remote must prove that identity. Returns once
    /// the connection is upgraded; identify runs in the background.
    public func dial(_ addr: Multiaddr) async throws -> Connection {
        guard let (host, port) = addr.hostAndPort else { throw HostError(.noAddress, "cannot dial \(addr): need /ip4|ip6|dns/.../tcp/PORT") }
        let expected = addr.peerID
        if let expected, isRefused(expected) {
            throw HostError(.limit, "\(expected) is refused for another \(Int(refusedFor(expected).rounded(.up))) s (its score fell below graylist)")
        }
        do {
            let connection = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(config.dialTimeoutSeconds))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try self.attach(channel, initiator: true, expectedPeer: expected, address: addr.transportPart)
                    }
                }
            try await connection.ready.get()
            if let peer = connection.remotePeer { peerStore.addAddress(peer, addr.transportPart) }
            return connection
        } catch {
            emit(.dialFailed(addr, reason: "\(error)"))
            throw error
        }
    }

    /// Builds the connection objects for a new socket.
    @discardableResult
    private func attach(_ channel: Channel, initiator: Bool, expectedPeer: PeerID?, address: Multiaddr? = nil) throws -> Connection {
        let remote = address ?? channel.remoteAddress.flatMap(Self.multiaddr)
        var logger = self.logger
        logger[metadataKey: "remote"] = "\(remote.map { "\($0)" } ?? "?")"
        let machine = ConnectionStateMachine(initiator: initiator, identity: config.identity, expectedPeer: expectedPeer, yamuxLimits: config.yamux, psk: config.psk)
        let core = ConnectionCore(machine: machine, channel: channel, registry: registry, logger: logger)
        let connection = Connection(channel: channel, isInitiator: initiator, remoteAddress: remote, core: core)
        core.connection = connection
        let accepted = state.withLockedValue { s -> Bool in
            guard !s.closed, initiator || s.connections.count < config.maxConnections else { return false }
            s.connections[ObjectIdentifier(connection)] = connection
            s.openedAt[ObjectIdentifier(connection)] = Self.monotonicSeconds()
            return true
        }
        guard accepted else {
            let closed = state.withLockedValue { $0.closed }
            let reason = closed ? HostError(.closed, "the host is stopping")
                : HostError(.limit, "refusing connection: limit of \(config.maxConnections) connections reached")
            if !closed { logger.warning("\(reason.message)") }
            // Fails `ready` (a dial waiting on it gets the reason) and closes the socket.
            core.shutdown(reason: reason)
            return connection
        }
        core.onAuthenticated = { peer, key in connection.setRemote(peer, key) }
        core.onClosed = { [weak self] reason in
            guard let self else { return }
            self.state.withLockedValue {
                $0.connections.removeValue(forKey: ObjectIdentifier(connection))
                $0.openedAt.removeValue(forKey: ObjectIdentifier(connection))
                $0.keepalive?.forget(ObjectIdentifier(connection))
            }
            if let peer = connection.remotePeer { self.emit(.disconnected(peer, reason: "\(reason)")) }
        }
        core.ready.futureResult.whenSuccess { [weak self] in
            guard let self, let peer = connection.remotePeer else { return }
            if self.isRefused(peer) {
                self.logger.info("refusing a connection from a refused peer", metadata: ["peer": "\(peer)"])
                connection.close()
                return
            }
            self.emit(.connected(peer, address: remote, inbound: !initiator))
            self.trimConnections()
            Task { await self.identify(connection) }
        }
        try channel.pipeline.syncOperations.addHandler(ConnectionHandler(core: core, upgradeTimeoutSeconds: config.upgradeTimeoutSeconds))
        return connection
    }

    // MARK: refused peers

    /// Closes every connection to `peer` and refuses new ones (both ways) for `duration`, e.g. a
    /// peer whose score fell below the graylist threshold: its RPCs would be dropped unread, but
    /// reading and decoding them still costs. A later call extends or shortens the refusal.
    public func refuse(_ peer: PeerID, for duration: Duration) {
        let until = Self.monotonicSeconds() + Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        state.withLockedValue { $0.refused[peer] = until }
        for c in connections(to: peer) { c.close() }
    }

    /// Whether connections to `peer` are refused now.
    public func isRefused(_ peer: PeerID) -> Bool {
        let now = Self.monotonicSeconds()
        return state.withLockedValue { s in
            guard let until = s.refused[peer] else { return false }
            if until <= now { s.refused[peer] = nil }
            return until > now
        }
    }

    /// Seconds left of `peer`'s refusal (0: not refused).
    public func refusedFor(_ peer: PeerID) -> Double {
        let now = Self.monotonicSeconds()
        return max(0, (state.withLockedValue { $0.refused[peer] } ?? now) - now)
    }

    // MARK: connection manager

    /// Keeps connections to `peer` out of trimming (direct peers, bootstrappers).
    public func protect(_ peer: PeerID) { state.withLockedValue { _ = $0.protected.insert(peer) } }

    /// Closes connections past the high water mark (see `ConnectionManagerPolicy`).
    public func trimConnections() {
        let now = Self.monotonicSeconds()
        let victims = state.withLockedValue { s -> [Connection] in
            let candidates = s.connections.map { id, c in
                ConnectionManagerPolicy.Candidate(
                    id: id, openedAt: s.openedAt[id] ?? now, isProtected: c.remotePeer.map(s.protected.contains) ?? false)
            }
            return config.connectionManager.trim(candidates, now: now).compactMap { s.connections[$0] }
        }
        for c in victims {
            logger.info("connection manager closes a connection", metadata: ["peer": "\(c.remotePeer.map { "\($0)" } ?? "?")"])
            c.close()
        }
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: identify

    private func identify(_ connection: Connection) async {
        guard let peer = connection.remotePeer else { return }
        do {
            let stream = try await connection.openStream([Identify.protocolID])
            let message = try await Identify.read(stream, maxLength: config.maxMessageSize)
            Identify.record(message, peer: peer, in: peerStore)
            if let info = peerStore.info(peer) { emit(.identified(peer, info)) }
        } catch {
            logger.debug("identify failed", metadata: ["peer": "\(peer)", "reason": "\(error)"])
        }
    }

    private func serveIdentify(_ stream: MuxedStream) async {
        do {
            try await stream.writeMessage(Identify.message(host: self, observed: stream.connection.remoteAddress))
            emit(.identifyServed(stream.remotePeer))
        } catch {
            logger.debug("identify answer failed", metadata: ["peer": "\(stream.remotePeer)", "reason": "\(error)"])
        }
        await stream.close()
    }

    private func receiveIdentifyPush(_ stream: MuxedStream) async {
        guard let message = try? await Identify.read(stream, maxLength: config.maxMessageSize) else { return }
        Identify.record(message, peer: stream.remotePeer, in: peerStore)
        if let info = peerStore.info(stream.remotePeer) { emit(.identified(stream.remotePeer, info)) }
    }

    /// Tells every connected peer our current identify (after protocols or addresses change).
    public func pushIdentify() async {
        for connection in connections {
            guard let stream = try? await connection.openStream([Identify.pushProtocolID]) else { continue }
            try? await stream.writeMessage(Identify.message(host: self, observed: connection.remoteAddress))
            await stream.close()
        }
    }

    // MARK: shutdown

    public func close() async {
        let (listeners, connections) = state.withLockedValue { s -> ([Channel], [Connection]) in
            s.closed = true
            s.trimTask?.cancel()
            s.keepaliveTask?.cancel()
            return (s.listeners, Array(s.connections.values))
        }
        for l in listeners { try? await l.close() }
        for c in connections { c.close() }
        for c in connections { try? await c.channel.closeFuture.get() }
        eventSink.finish()
        for sink in subscribers.withLockedValue({ Array($0.values) }) { sink.finish() }
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    static func multiaddr(_ address: SocketAddress) -> Multiaddr? {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        switch address {
        case .v4: return try? Multiaddr("/ip4/\(ip)/tcp/\(port)")
        case .v6: return try? Multiaddr("/ip6/\(ip)/tcp/\(port)")
        default: return nil
        }
    }
}
