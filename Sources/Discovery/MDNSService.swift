import Core
import Foundation
import Host
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Wire

/// mDNS peer discovery on the local network (libp2p specs, discovery/mdns.md): the I/O edge of
/// Core's `MDNSPeerFinder`. One UDP socket bound to port 5353 joins 224.0.0.251 on every
/// multicast-capable IPv4 interface other than loopback; each packet to the group is sent out
/// of every such interface in turn. Peers found are dialed (at most `maxDials` at once) unless
/// connected or refused.
public actor MDNSService {
    public static let maxDatagram = 9000
    public static let maxDials = 8

    private let host: P2PHost
    private let logger: Logger
    private var finder: MDNSPeerFinder
    private let group: MultiThreadedEventLoopGroup
    private var channel: Channel?
    /// The IPv4 addresses of the interfaces we joined on (where packets go out).
    private var interfaces: [in_addr] = []
    /// The receive loop and the query timer.
    private var tasks: [Task<Void, Never>] = []
    /// Dials under way, one per peer (at most `maxDials`).
    private var dials: [PeerID: Task<Void, Never>] = [:]
    /// Peers mDNS dialed: how operators see that a connection came from it.
    private nonisolated let dialedPeers = NIOLockedValueBox<Set<PeerID>>([])

    public init(host: P2PHost, records: MDNSDiscovery, options: MDNSPeerFinder.Options = .init(), logger: Logger) {
        self.host = host
        self.logger = logger
        var rng = SystemRandomNumberGenerator()
        finder = MDNSPeerFinder(records: records, local: host.peerID, peerName: MDNSPeerFinder.randomPeerName(using: &rng), options: options)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    static func now() -> Instant { SystemClock().now }

    public nonisolated func dialed(_ peer: PeerID) -> Bool { dialedPeers.withLockedValue { $0.contains(peer) } }
    public var stats: MDNSPeerFinder.Stats { finder.stats }

    /// Binds, joins the group, queries and announces, then queries every interval. Fails when
    /// port 5353 cannot be bound (say why: another responder without SO_REUSEPORT holds it).
    public func start() async throws {
        let (stream, sink) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(256))
        let channel: Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                // SO_REUSEPORT as well: another responder (avahi, a second agent) may hold the port.
                .channelOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT), value: 1)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.maxDatagram))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DatagramSink(sink: sink)) }
                }
                .bind(host: "0.0.0.0", port: Int(MDNSDiscovery.port)).get()
        } catch {
            throw HostError(.noAddress, "mDNS: cannot bind UDP port \(MDNSDiscovery.port): \(error)")
        }
        self.channel = channel
        let groupAddress = try SocketAddress(ipAddress: MDNSDiscovery.ipv4Group, port: Int(MDNSDiscovery.port))
        let multicast = channel as! MulticastChannel
        for device in Self.eligibleDevices() {
            guard case .v4(let a) = device.address else { continue }
            do {
                try await multicast.joinGroup(groupAddress, device: device).get()
                interfaces.append(a.address.sin_addr)
            } catch {
                logger.warning("mDNS: cannot join \(MDNSDiscovery.ipv4Group) on \(device.name): \(error)")
            }
        }
        if interfaces.isEmpty {
            logger.warning("mDNS: no multicast-capable IPv4 interface besides loopback; mDNS finds nobody here")
        } else {
            logger.info("mDNS started", metadata: ["service": "\(finder.records.service)", "interfaces": "\(interfaces.count)"])
        }
        refreshAddresses()
        await perform(finder.start(now: Self.now()))
        tasks.append(Task { [weak self] in
            for await bytes in stream {
                guard let self else { return }
                await self.received(bytes)
            }
        })
        let interval = finder.options.queryInterval
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.tick()
            }
        })
    }

    public func stop() async {
        for t in tasks + dials.values { t.cancel() }
        tasks = []
        dials = [:]
        try? await channel?.close()
        channel = nil
        try? await group.shutdownGracefully()
    }

    private func received(_ bytes: [UInt8]) async {
        await perform(finder.receive(bytes, now: Self.now()))
    }

    private func tick() async {
        refreshAddresses()
        await perform(finder.tick(now: Self.now()))
    }

    private func perform(_ actions: [MDNSPeerFinder.Action]) async {
        for action in actions {
            switch action {
            case .send(let bytes): await multicast(bytes)
            case .found(let peer, let addrs): dial(peer, addrs)
            }
        }
    }

    /// Sends `bytes` to the group out of each joined interface.
    private func multicast(_ bytes: [UInt8]) async {
        guard let channel, let provider = channel as? SocketOptionProvider,
              let to = try? SocketAddress(ipAddress: MDNSDiscovery.ipv4Group, port: Int(MDNSDiscovery.port)) else { return }
        for interface in interfaces {
            do {
                try await provider.setIPMulticastIF(interface).get()
                let envelope = AddressedEnvelope(remoteAddress: to, data: channel.allocator.buffer(bytes: bytes))
                try await channel.writeAndFlush(envelope).get()
            } catch {
                logger.debug("mDNS: send failed: \(error)")
            }
        }
    }

    private func dial(_ peer: PeerID, _ addrs: [Multiaddr]) {
        guard dials[peer] == nil, dials.count < Self.maxDials, host.connections(to: peer).isEmpty, !host.isRefused(peer) else { return }
        dialedPeers.withLockedValue { _ = $0.insert(peer) }
        logger.info("mDNS found a peer", metadata: ["peer": "\(peer)", "addresses": "\(addrs.count)"])
        let host = host
        dials[peer] = Task { [weak self] in
            for addr in addrs {
                if (try? await host.dial(addr)) != nil { break }
            }
            await self?.dialEnded(peer)
        }
    }

    private func dialEnded(_ peer: PeerID) {
        dials[peer] = nil
    }

    /// What we announce: our listen addresses, an unspecified IP (0.0.0.0) replaced by each
    /// joined interface's, loopback ones left out (nobody else on the link reaches them).
    private func refreshAddresses() {
        let ips = interfaces.map { a -> [UInt8] in withUnsafeBytes(of: a.s_addr) { Array($0) } }
        var announced: [Multiaddr] = []
        for addr in host.listenAddresses {
            guard let (h, port) = addr.hostAndPort else { continue }
            let hosts = h == "0.0.0.0" ? ips.map { $0.map(String.init).joined(separator: ".") } : [h]
            for ip in hosts where !ip.hasPrefix("127.") && ip != "::1" && ip != "::" {
                let text = (ip.contains(":") ? "/ip6/" : "/ip4/") + ip + "/tcp/\(port)"
                if let m = try? Multiaddr(text) { announced.append(m.appending(.p2p(host.peerID))) }
            }
        }
        finder.addresses = announced
        finder.ipv4 = ips
    }

    static func eligibleDevices() -> [NIONetworkDevice] {
        let devices = (try? System.enumerateDevices()) ?? []
        return devices.filter { d in
            guard d.multicastSupported, case .v4(let a) = d.address else { return false }
            return withUnsafeBytes(of: a.address.sin_addr.s_addr) { $0.first } != 127
        }
    }
}

/// Hands each datagram's bytes to the service.
private final class DatagramSink: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let sink: AsyncStream<[UInt8]>.Continuation

    init(sink: AsyncStream<[UInt8]>.Continuation) { self.sink = sink }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = Self.unwrapInboundIn(data)
        if let bytes = envelope.data.readBytes(length: envelope.data.readableBytes) { sink.yield(bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.finish()
        context.fireChannelInactive()
    }
}
