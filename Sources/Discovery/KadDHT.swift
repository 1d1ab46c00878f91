import Core
import Foundation
import Host
import Logging
import NIOConcurrencyHelpers
import SwiftProtobuf
import Wire

/// The Kademlia DHT over the host's streams (libp2p kad-dht spec): serves FIND_NODE,
/// GET_PROVIDERS, ADD_PROVIDER and PING in server mode, asks in both modes, keeps the routing
/// table and the provider store (Core's `KadRoutingTable`, `ProviderStore`), runs iterative
/// lookups (`KadLookup`) and the periodic refresh. The protocol logic is Core's; this is the
/// I/O edge: streams, dials, timeouts, timers.
public actor KadDHT {
    public enum Mode: String, Sendable {
        /// Answers queries and advertises the protocol (the Go agent's `boot` and `server`).
        case server
        /// Only asks (the Go agent's `client`, and `auto` on a network that is not public).
        case client
    }

    public struct Options: Sendable {
        public var k = 20
        public var alpha = 3
        public var queryTimeout: Duration = .seconds(10)
        public var lookupTimeout: Duration = .seconds(60)
        /// Random walks of buckets no lookup used for this long (go-libp2p-kad-dht: 10 min).
        public var refreshInterval: Duration = .seconds(600)
        /// Our provider records are put again this often (go: 22 h; they live 48 h).
        public var republishInterval: Duration = .seconds(22 * 3600)
        public var providerTTL: Duration = ProviderStore.defaultTTL

        public init() {}
    }

    /// Counters for metrics and `p2pmq dht`.
    public struct Stats: Sendable, Equatable {
        public var queriesAnswered = 0
        public var queriesFailed = 0
        public var requestsServed = 0
        public var requestsMalformed = 0
        public var providersRefused = 0
        public var lookups = 0

        public init() {}
    }

    public nonisolated let protocolID: String
    /// Peers this DHT dialed (to query them, or as a topic's providers): how operators see that
    /// a connection came from discovery.
    private nonisolated let dialedPeers = NIOLockedValueBox<Set<PeerID>>([])
    public nonisolated let mode: Mode
    public nonisolated let options: Options
    nonisolated let host: P2PHost
    private let logger: Logger
    /// The routing table, the provider store and the answers (Core's state machine).
    private var server: KadServer
    public private(set) var stats = Stats()
    /// Keys we provide, and when they were last put.
    private var provided: [[UInt8]: ContinuousClock.Instant] = [:]
    private var tasks: [Task<Void, Never>] = []
    private var selfLookupStarted = false
    private var rng = SystemRandomNumberGenerator()
    /// Called with peers that broke the protocol's limits (a provider flood): the agent
    /// penalizes them like other abuse.
    private var onAbuse: (@Sendable (PeerID, _ code: String, _ detail: String) -> Void)?

    public init(host: P2PHost, mode: Mode, protocolPrefix: String, options: Options = Options(), logger: Logger) {
        self.host = host
        self.mode = mode
        self.options = options
        self.logger = logger
        protocolID = KadProtocol.id(prefix: protocolPrefix)
        server = KadServer(table: KadRoutingTable(local: host.peerID, k: options.k, now: Self.now()),
                           providers: ProviderStore(ttl: options.providerTTL), k: options.k)
    }

    static func now() -> Instant { SystemClock().now }

    public func setAbuseHandler(_ handler: @escaping @Sendable (PeerID, _ code: String, _ detail: String) -> Void) { onAbuse = handler }

    /// Serves (server mode), follows identify to fill the routing table, and refreshes buckets
    /// and republishes records in the background. The agent dials its bootstrappers itself;
    /// the first DHT server that joins the table starts a lookup of our own key, which fills
    /// the buckets near us (the spec's bootstrap).
    public func start() {
        if mode == .server {
            host.registry.set(protocolID) { [weak self] stream in await self?.serve(stream) }
        }
        let events = host.subscribeEvents()
        let protocolID = protocolID
        tasks.append(Task { [weak self] in
            for await event in events {
                guard let self else { return }
                if case .identified(let peer, let info) = event, info.protocols.contains(protocolID) {
                    await self.saw(peer, addresses: info.addresses)
                }
            }
        })
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(30))
                await self?.maintain()
            }
        })
    }

    public func stop() {
        for t in tasks { t.cancel() }
        tasks = []
        host.registry.remove(protocolID)
    }

    /// A DHT server seen (identify, or it answered). The first one starts the self-lookup.
    func saw(_ peer: PeerID, addresses: [Multiaddr]) {
        server.table.add(peer, addresses: addresses, now: Self.now())
        guard !selfLookupStarted, server.table.size > 0 else { return }
        selfLookupStarted = true
        tasks.append(Task { [weak self] in await self?.lookupSelf() })
    }

    /// Looks up our own key: the closest peers to us answer with theirs, filling our buckets.
    func lookupSelf() async {
        _ = await lookup(host.peerID.bytes)
    }

    /// Random walks of stale buckets, expiry, republishing.
    func maintain() async {
        let now = Self.now()
        server.providers.expire(now: now)
        for bucket in server.table.bucketsToRefresh(now: now, interval: options.refreshInterval) {
            guard let target = server.table.randomTarget(inBucket: bucket, using: &rng) else { continue }
            _ = await lookup(target)
        }
        let due = provided.filter { ContinuousClock.now - $0.value >= options.republishInterval }.map(\.key)
        for key in due { _ = await provide(key) }
    }

    // MARK: serving

    nonisolated func serve(_ stream: MuxedStream) async {
        defer { Task { await stream.close() } }
        while true {
            let bytes: [UInt8]
            do {
                guard let b = try await stream.readMessage(maxLength: KadProtocol.maxMessageBytes) else { return }
                bytes = b
            } catch {
                await count { $0.requestsMalformed += 1 }
                return
            }
            guard let request = try? Dht_Pb_Message(serializedBytes: bytes) else {
                await count { $0.requestsMalformed += 1 }
                await stream.reset()
                return
            }
            guard let reply = await answer(request, from: stream.remotePeer, address: stream.remoteAddress) else {
                if request.type == .putValue { await stream.reset(); return }
                continue
            }
            guard (try? await stream.writeMessage(try reply.serializedBytes())) != nil else { return }
        }
    }

    private func count(_ change: (inout Stats) -> Void) { change(&stats) }

    /// The reply to one request (nil: none is sent: ADD_PROVIDER, or PUT_VALUE, unsupported).
    func answer(_ m: Dht_Pb_Message, from peer: PeerID, address: Multiaddr?) -> Dht_Pb_Message? {
        stats.requestsServed += 1
        let host = self.host
        let unreported = server.refusedUnreported
        let a = server.answer(m, from: peer, address: address, now: Self.now()) { !host.connections(to: $0).isEmpty }
        if a.malformed { stats.requestsMalformed += 1 }
        // Refusals are all counted; only one a second per peer becomes a penalty.
        stats.providersRefused += server.refusedUnreported - unreported
        if let abuse = a.abuse {
            stats.providersRefused += 1
            onAbuse?(peer, abuse.code, abuse.detail)
        }
        return a.reply
    }

    // MARK: asking

    /// Sends `m` to `peer` (dialing `addresses` if not connected) and returns its reply (nil for
    /// ADD_PROVIDER, which has none).
    nonisolated func request(_ peer: PeerID, addresses: [Multiaddr], _ m: Dht_Pb_Message) async throws -> Dht_Pb_Message? {
        let protocolID = protocolID
        return try await withTimeout(options.queryTimeout) { [self] () async throws -> Dht_Pb_Message? in
            let connection = try await self.connection(to: peer, addresses: addresses)
            let stream = try await connection.openStream([protocolID])
            do {
                try await stream.writeMessage(try m.serializedBytes())
                if m.type == .addProvider {
                    await stream.close()
                    return nil
                }
                guard let bytes = try await stream.readMessage(maxLength: KadProtocol.maxMessageBytes) else {
                    throw HostError(.closed, "\(peer) closed the DHT stream without an answer")
                }
                await stream.close()
                return try Dht_Pb_Message(serializedBytes: bytes)
            } catch {
                await stream.reset()
                throw error
            }
        }
    }

    /// A connection to `peer`: an open one, or one dialed on `addresses` (recorded as found by
    /// the DHT).
    public nonisolated func connection(to peer: PeerID, addresses: [Multiaddr]) async throws -> Connection {
        if let c = host.connections(to: peer).first { return c }
        var last: Error = HostError(.noAddress, "no address known for \(peer)")
        for addr in addresses where addr.hostAndPort != nil {
            let full = addr.peerID == nil ? Multiaddr(addr.components + [.p2p(peer)]) : addr
            do {
                let c = try await host.dial(full)
                dialedPeers.withLockedValue { _ = $0.insert(peer) }
                return c
            } catch { last = error }
        }
        throw last
    }

    /// Whether this DHT dialed `peer`.
    public nonisolated func dialed(_ peer: PeerID) -> Bool { dialedPeers.withLockedValue { $0.contains(peer) } }

    /// An iterative FIND_NODE lookup toward `target`: the k closest peers that answered.
    public func lookup(_ target: [UInt8]) async -> [(PeerID, [Multiaddr])] {
        var m = Dht_Pb_Message()
        m.type = .findNode
        m.key = Data(target)
        return await iterate(target, m) { _ in false }.closest
    }

    /// Runs a lookup asking `m` of each peer; `onAnswer` sees every answer and returns true to
    /// stop early.
    private func iterate(_ target: [UInt8], _ m: Dht_Pb_Message, onAnswer: (Dht_Pb_Message) -> Bool) async -> KadLookup {
        stats.lookups += 1
        let targetKey = KadKey(hashing: target)
        server.table.touched(targetKey, now: Self.now())
        var lookup = KadLookup(target: target, local: host.peerID,
                               seeds: server.table.closest(to: targetKey, count: options.k).map { ($0.peer, $0.addresses) },
                               alpha: options.alpha, k: options.k)
        let deadline = ContinuousClock.now + options.lookupTimeout
        // Answers arrive in any order; each one may start more queries (α in flight).
        let (answers, sink) = AsyncStream.makeStream(of: (PeerID, Dht_Pb_Message?).self)
        var inFlight = 0
        func launch() {
            for (peer, addrs) in lookup.next() {
                inFlight += 1
                Task { [self] in sink.yield((peer, try? await self.request(peer, addresses: addrs, m))) }
            }
        }
        launch()
        if inFlight > 0 {
            for await (peer, reply) in answers {
                inFlight -= 1
                if let reply {
                    stats.queriesAnswered += 1
                    lookup.answered(peer, closer: KadProtocol.peers(reply.closerPeers))
                    if let entry = lookup.candidates.first(where: { $0.peer == peer }) { server.table.add(peer, addresses: entry.addresses, now: Self.now()) }
                    if onAnswer(reply) { lookup.stop() }
                } else {
                    stats.queriesFailed += 1
                    lookup.failed(peer)
                    server.table.failed(peer)
                }
                if ContinuousClock.now > deadline { lookup.stop() }
                launch()
                // Done when nothing more is asked and nothing is awaited (answers still on their
                // way after a stop are dropped with the stream).
                if inFlight == 0 || lookup.isStopped || lookup.isFinished { break }
            }
        }
        sink.finish()
        return lookup
    }

    /// The addresses of `peer`: from a connection or the table, else a lookup.
    public func findPeer(_ peer: PeerID) async -> [Multiaddr]? {
        if let c = host.connections(to: peer).first, let a = c.remoteAddress { return [a] }
        if let e = server.table.entry(peer), !e.addresses.isEmpty { return e.addresses }
        var m = Dht_Pb_Message()
        m.type = .findNode
        m.key = Data(peer.bytes)
        var found: [Multiaddr]?
        _ = await iterate(peer.bytes, m) { reply in
            if let hit = KadProtocol.peers(reply.closerPeers).first(where: { $0.0 == peer }), !hit.1.isEmpty {
                found = hit.1
                return true
            }
            return false
        }
        return found
    }

    /// Puts a provider record for `key` (with our addresses) at the k peers closest to it, and
    /// keeps republishing it. Returns how many took it.
    @discardableResult
    public func provide(_ key: [UInt8]) async -> Int {
        provided[key] = ContinuousClock.now
        server.providers.add(key: key, provider: host.peerID, addresses: host.listenAddresses, now: Self.now())
        let closest = await lookup(key)
        var m = Dht_Pb_Message()
        m.type = .addProvider
        m.key = Data(key)
        m.providerPeers = [KadProtocol.peer(host.peerID, host.listenAddresses)]
        let message = m
        return await withTaskGroup(of: Bool.self) { group in
            for (peer, addrs) in closest {
                group.addTask { [self] in
                    // ADD_PROVIDER has no reply: success is the request going out.
                    do { _ = try await self.request(peer, addresses: addrs, message); return true } catch { return false }
                }
            }
            var stored = 0
            for await ok in group where ok { stored += 1 }
            return stored
        }
    }

    /// Providers of `key`: the ones stored here, then an iterative GET_PROVIDERS lookup until
    /// `count` are found.
    public func findProviders(_ key: [UInt8], count: Int = 20) async -> [(PeerID, [Multiaddr])] {
        var found: [PeerID: [Multiaddr]] = [:]
        for r in server.providers.providers(of: key, now: Self.now()) where r.provider != host.peerID { found[r.provider] = r.addresses }
        if found.count >= count { return found.map { ($0.key, $0.value) } }
        var m = Dht_Pb_Message()
        m.type = .getProviders
        m.key = Data(key)
        let me = host.peerID
        _ = await iterate(key, m) { reply in
            for (peer, addrs) in KadProtocol.peers(reply.providerPeers) where peer != me {
                if found[peer]?.isEmpty ?? true { found[peer] = addrs }
            }
            return found.count >= count
        }
        return found.map { ($0.key, $0.value) }
    }

    /// The routing table, closest to us first (for `p2pmq dht routing-table`).
    public var routingTable: [KadRoutingTable.Entry] { server.table.closest(to: server.table.local, count: server.table.size) }

    public var tableSize: Int { server.table.size }

    public var providerRecords: Int { server.providers.count }
}
