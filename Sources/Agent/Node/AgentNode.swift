import AgentAPI
import Core
import Discovery
import DON
import Foundation
import Gossip
import Host
import Logging
import Store
import Wire

/// The running agent: a libp2p host, the gossipsub service, the store, and the validators.
/// Every message that reaches validation is persisted with its verdict before the router acts on
/// it (so an ACCEPT is in the log before it is forwarded); REJECTs and router penalties become
/// penalty records; accepted messages go to listeners.
public actor AgentNode {
    public nonisolated let config: AgentConfig
    public nonisolated let host: P2PHost
    public nonisolated let pubsub: PubsubService
    public nonisolated let store: ReportStore
    public nonisolated let validators: ValidatorPool
    public nonisolated let metrics: AgentMetrics
    /// Recent head advances, so live reports are judged as of their arrival.
    nonisolated let headHistory = HeadHistory()
    /// Reports whose quorum verified, shared by live validation and range sync.
    nonisolated let verifiedReports = VerifiedReports()
    /// Catch-up from peers and serving them (`/p2pmq/sync/1.0.0`).
    nonisolated let sync: SyncService
    /// The Kademlia DHT (with a `discovery` section), nil otherwise.
    public nonisolated let dht: KadDHT?
    /// mDNS discovery on the local network (with an `mdnsTag`), nil otherwise.
    public nonisolated let mdns: MDNSService?
    /// The DON registry (genesis + applied config updates); nil without DON configs.
    nonisolated let registry: RegistryState?
    /// Application-specific score (P5) per peer: the sync penalties it earned, kept across
    /// restarts through the penalty history.
    private var appScores: [String: Double] = [:]
    let logger: Logger
    /// The Listen streams' sinks; which messages each gets is the core's (`listenerAdded`).
    private var listeners: [UInt64: AsyncStream<Proto_Message>.Continuation] = [:]
    private var nextListener: UInt64 = 1
    /// The node's loops (see `start`), cancelled by `stop`.
    private var loops: Task<Void, Never>?
    /// The listen addresses once `start` bound them.
    public nonisolated let listening = Readiness<[Multiaddr]>()
    /// Why the store stopped taking writes, if it did (reported by Admin.Health).
    public private(set) var storeProblem: String?
    /// Records not written since start because the non-accepted quota was reached.
    var overQuotaCount = 0

    /// `libp2pLogger`: for the host and gossipsub (the Go agent's `--libp2p-loglevel`); the
    /// agent's logger when nil.
    public init(config: AgentConfig, identity: PrivateKey, logger: Logger = Logger(label: "p2pmq.agent"), libp2pLogger: Logger? = nil) throws {
        self.config = config
        self.logger = logger
        let store = try ReportStore.open(dataDir: config.dataDir, options: config.store)
        self.store = store
        let host = P2PHost(config: config.hostConfig(identity: identity), logger: libp2pLogger ?? logger)
        self.host = host
        dht = config.dhtEnabled
            ? KadDHT(host: host, mode: [.boot, .server].contains(config.discoveryMode) ? .server : .client,
                     protocolPrefix: config.protocolPrefix, logger: libp2pLogger ?? logger)
            : nil
        mdns = config.mdnsTag.map { MDNSService(host: host, records: MDNSDiscovery(tag: $0), logger: libp2pLogger ?? logger) }
        let pool = ValidatorPool()
        self.validators = pool
        let genesis = try Genesis.load(paths: config.dons)
        let registry = genesis.dons.isEmpty ? nil : try RegistryState(genesis: genesis, stored: store.registryRecords())
        self.registry = registry
        let metrics = AgentMetrics()
        self.metrics = metrics
        sync = SyncService(store: store, host: host, options: config.sync, maxRecordBytes: config.maxMessageSize, metrics: metrics,
                           logger: logger, registryTopic: registry?.topic)
        pubsub = PubsubService(
            host: host, config: config.gossip, scoreParams: config.scoring, maxRPCSize: config.maxMessageSize,
            validationTimeout: config.validationTimeout, maxConcurrentValidations: config.validationConcurrency,
            validationQueueSize: config.validationQueueSize, rateLimits: config.rateLimits, validates: true, keepsLog: true,
            tracer: try Self.tracer(config.trace, peer: identity.peerID, logger: libp2pLogger ?? logger))
    }

    /// The trace file of `pubsub.trace` (nil without one).
    private static func tracer(_ trace: AgentConfig.TraceConfig?, peer: PeerID, logger: Logger) throws -> PubsubTraceFile? {
        guard let trace else { return nil }
        var debug: (@Sendable (String) -> Void)?
        if trace.debug { debug = { line in logger.debug(Logger.Message(stringLiteral: line)) } }
        do {
            return try PubsubTraceFile(path: trace.jsonFile, localPeer: peer, skip: trace.skiplist, debug: debug)
        } catch {
            throw AgentError(.invalidConfig, "pubsub.trace.jsonFile: \(error)")
        }
    }

    /// The built-in verifier for `whenNoValidator: don` (nil otherwise, or without DON configs),
    /// on the registry's current configs and the node's one cache of verified reports (a report
    /// accepted live is not checked again when a catch-up round brings it).
    nonisolated func verifier() -> ReportVerifier? {
        guard config.effectiveWhenNoValidator == .don, let registry else { return nil }
        return ReportVerifier(registry: registry.current, maxReportBytes: config.maxMessageSize, verified: verifiedReports)
    }

    /// How this node came to know `peer`: a configured bootstrapper or direct peer, found by mDNS
    /// or the DHT, else by the direction of its connection (outbound: peer exchange, inbound: it
    /// dialed).
    public nonisolated func foundBy(_ peer: PeerID, outbound: Bool) -> String {
        if config.bootstrappers.contains(where: { $0.peerID == peer }) { return "bootstrap" }
        if config.directPeerAddresses.contains(where: { $0.peerID == peer }) { return "direct" }
        if mdns?.dialed(peer) == true { return "mdns" }
        if dht?.dialed(peer) == true { return "dht" }
        return outbound ? "px" : "inbound"
    }

    /// Listens, subscribes the configured topics, dials bootstrappers and direct peers.
    public func start() async throws -> [Multiaddr] {
        await pubsub.start(node: self)
        var bound: [Multiaddr] = []
        for addr in config.listenAddrs { bound.append(try await host.listen(addr)) }
        for topic in config.topics { await pubsub.subscribe(topic.name) }
        // Every agent of a network follows its DONs' config updates.
        if let registry { await pubsub.subscribe(registry.topic) }
        await pubsub.addDirectPeerAddresses(config.directPeerAddresses)
        await restoreApplicationScores()
        await sync.start(node: self)
        // The node's own loops run as one structured group: redialing bootstrappers, sampling
        // gauges, and taking the pubsub service's deliveries, penalties and notices.
        let dialer = BootstrapDialer(host: host, bootstrappers: config.bootstrappers, logger: logger)
        // The bootstrappers the dialer reaches join the DHT's table through identify. A peer that
        // floods the provider store is penalized like a bad sync server (P5, penalty history).
        await dht?.setAbuseHandler { [weak self] peer, code, detail in
            Task { await self?.applicationPenalty(peer: peer.description, topic: "", messageID: "", code: code, detail: detail) }
        }
        await dht?.start()
        // Discovery is best effort: an agent whose mDNS cannot bind still serves its peers.
        do { try await mdns?.start() } catch { logger.error("mDNS is off: \(error)") }
        let rendezvous = dht.map { TopicDiscovery(dht: $0, pubsub: pubsub, host: host, dLow: config.gossip.dLow, interval: .seconds(10), logger: self.logger) }
        let gauges = GaugeSampler(node: self)
        let deliveries = pubsub.deliveries, penalties = pubsub.penalties, notices = pubsub.notices, logger = self.logger
        loops = Task { [weak self] in
            await withDiscardingTaskGroup { group in
                group.addTask { try? await dialer.run() }
                group.addTask { try? await gauges.run() }
                if let rendezvous { group.addTask { try? await rendezvous.run() } }
                group.addTask { for await d in deliveries { await self?.deliver(d) } }
                group.addTask { for await p in penalties { await self?.recordPenalty(peer: p.peer, topic: p.topic, reason: p.reason) } }
                group.addTask { for await line in notices { logger.notice("\(line)") } }
            }
        }
        let addresses = bound.map { $0.appending(.p2p(host.peerID)) }
        listening.set(addresses)
        return addresses
    }

    /// Ends the Listen and validator streams, so that a graceful gRPC shutdown can complete.
    public func endStreams() async {
        for (_, sink) in listeners { sink.finish() }
        listeners = [:]
        await validators.disconnectAll()
    }

    /// Stops networking, then flushes and closes the store (nothing acknowledged is lost).
    public func stop() async {
        await dht?.stop()
        await mdns?.stop()
        await sync.stop()
        loops?.cancel()
        await endStreams()
        await pubsub.stop()
        await host.close()
        try? store.flush()
        store.close()
    }

    // MARK: API

    private var reportIndex: ReportIndex?

    /// The SQLite index, opened on first use and caught up with the log on every call.
    public func index() throws -> ReportIndex {
        if let reportIndex {
            _ = try reportIndex.catchUp(from: store)
            return reportIndex
        }
        let opened = try ReportIndex.open(for: store)
        reportIndex = opened
        return opened
    }

    public func publish(topic: String, data: [UInt8]) async throws -> String {
        if let storeProblem { throw AgentError(.storeFailed, "not accepting messages: \(storeProblem)") }
        guard data.count <= config.maxMessageSize else {
            throw AgentError(.invalidArgument, "message of \(data.count) bytes is over the \(config.maxMessageSize)-byte limit")
        }
        try checkTopic(topic)
        if let registry, topic == registry.topic {
            let outcome = registry.judge(data)
            guard case .extends = outcome else { throw AgentError(.invalidArgument, "config update not published: \(outcome.reason)") }
        }
        // Returns once the log has it (`persist`); own messages reach listeners after that, with
        // their offset.
        let id = await pubsub.publish(topic, data: data)
        return MessageIDFunction.text(of: id)
    }

    /// Topics outside `pubsub.subFilter` are unknown to this network: refused. Any other topic
    /// may be published to without subscribing (fanout), as with the Go agent.
    private func checkTopic(_ topic: String) throws {
        guard !topic.isEmpty else { throw AgentError(.invalidArgument, "topic is empty") }
        guard config.gossip.subscriptionFilter.allows(topic) else {
            throw AgentError(.invalidArgument, "unknown topic '\(topic)': outside pubsub.subFilter")
        }
    }

    public func subscribe(_ topic: String) async throws {
        try checkTopic(topic)
        await pubsub.subscribe(topic)
        await sync.requestRound(after: .seconds(1))
    }

    public func unsubscribe(_ topic: String) async { await pubsub.unsubscribe(topic) }

    /// Accepted messages of `topics` (empty: all), as they are delivered (live, and what range
    /// sync appends), from the moment this returns.
    public func listen(topics: Set<String>) async -> (id: UInt64, messages: AsyncStream<Proto_Message>) {
        let id = nextListener
        nextListener += 1
        // msgRouterQueueSize (Go agent's key): how far a listener may fall behind before the
        // oldest undelivered messages are dropped for it.
        let (stream, sink) = AsyncStream.makeStream(of: Proto_Message.self, bufferingPolicy: .bufferingNewest(max(1, config.msgRouterQueueSize)))
        // The sink first: a delivery the core names this listener in finds it.
        listeners[id] = sink
        await pubsub.addListener(id, topics: topics)
        return (id, stream)
    }

    public func stopListening(_ id: UInt64) async {
        listeners.removeValue(forKey: id)?.finish()
        await pubsub.removeListener(id)
    }

    // MARK: pipeline

    /// Peers, mesh sizes, scores, queue depth and drops, sampled once a second.
    func refreshGauges() async {
        let peers = Set(host.connections.compactMap(\.remotePeer))
        metrics.peers.set(to: Double(peers.count))
        metrics.validators.set(to: Double(await validators.count))
        metrics.queueDepth.set(to: Double(await pubsub.validationQueueDepth()))
        let stats = await pubsub.stats
        metrics.droppedQueueFull.set(to: Double(stats.droppedQueueFull))
        metrics.droppedRateLimited.set(to: Double(stats.droppedRateLimited))
        metrics.droppedTimeout.set(to: Double(stats.droppedTimeout))
        for (topic, members) in await pubsub.meshPeers() { metrics.mesh(topic: topic, size: members.count) }
        for peer in peers { metrics.score(peer: peer.description, await pubsub.score(peer.description)) }
        if let dht {
            let s = await dht.stats
            metrics.dht(tableSize: await dht.tableSize, providerRecords: await dht.providerRecords, lookups: s.lookups,
                        answered: s.queriesAnswered, failed: s.queriesFailed, served: s.requestsServed, refused: s.providersRefused)
        }
        if let mdns { metrics.mdns(await mdns.stats) }
    }

    func addApplicationScore(_ peer: String, _ delta: Double) -> Double {
        appScores[peer, default: 0] += delta
        return appScores[peer]!
    }

    /// A write failed: never silently. Health (`storeProblem`, the gauge) and the log say so, and
    /// the node stops accepting messages.
    func noteStoreProblem(_ error: Error, while what: String) {
        storeProblem = "store: \(error)"
        metrics.storeHealthy.set(to: 0.0)
        logger.error("\(what) failed: \(error); no longer accepting messages")
    }

    private func deliver(_ d: PubsubService.Delivery) {
        var m = Proto_Message()
        m.messageID = MessageIDFunction.text(of: d.id)
        m.topic = d.topic
        m.data = Data(d.data)
        m.from = d.from
        m.receivedNs = Int64(clamping: d.receivedNanoseconds)
        if let offset = d.offset { m.offset = offset }
        for id in d.listeners { listeners[id]?.yield(m) }
    }

    /// Writes the message with its verdict (and the penalty a REJECT costs its sender) and says
    /// what the log did; `VerdictPolicy` (in the core) decides from that what is forwarded and
    /// delivered: nothing unrecorded, nothing the log already held.
    @discardableResult
    func persist(_ outcome: JudgedMessage) async -> PubsubService.LogReceipt {
        guard config.persistVerdicts else { return .init(.notKept, stored: outcome.verdict) }
        guard storeProblem == nil else { return .init(.failed, stored: outcome.verdict) }
        let r = outcome.message
        let now = WallClock.nanoseconds()
        // Decoded during validation (the answer's `report`); only what was never validated
        // (dropped, a config update) is decoded here.
        let fields = outcome.report.map { (don: $0.don, seq: $0.seq, digest: $0.digest) }
            ?? ReportFields.extract(r.data, topic: r.topic, registryTopic: registry?.topic, registry: registry?.current)
        var outcome = outcome
        var registryVersion: UInt64?
        if let registry, r.topic == registry.topic, case .accept = outcome.verdict {
            // Applied here, one at a time: of two conflicting updates judged at once, only the
            // first extends the chain.
            let applied = registry.apply(r.data)
            if case .extends(let entry) = applied {
                registryVersion = entry.version
                logger.notice("DON \(entry.config.id): config v\(entry.version) applies from seq \(entry.effectiveSeq) (\(entry.config.signers.count) signers, \(entry.config.quorum.rawValue))")
            } else {
                outcome.verdict = applied.verdict
            }
        }
        let (verdict, _) = outcome.verdict.stored
        let reason = outcome.storedReason
        let record = LogRecord(topic: r.topic, messageID: r.idText, receivedAt: now, from: r.from, don: fields?.don ?? "",
                               seq: fields?.seq ?? 0, verdict: verdict, reason: reason, data: r.data)
        var penalty: PenaltyRecord?
        if verdict == .reject {
            let p = config.scoring.topicParams(r.topic)
            penalty = PenaltyRecord(peer: r.from, at: now, topic: r.topic, messageID: r.idText, reason: reason, verdict: .reject,
                                    scoreDelta: (p?.invalidMessageDeliveriesWeight ?? 0) * (p?.topicWeight ?? 0))
        }
        metrics.message(topic: r.topic, verdict: verdict.name)
        if let elapsed = outcome.elapsed { metrics.validationLatency.record(elapsed) }
        var previousHead: UInt64?
        if verdict == .accept, let fields { previousHead = try? store.head(topic: r.topic, don: fields.don)?.seq }
        // Too late for peers' heads yet ahead of ours: this node is behind; fetch what it lacks
        // (range sync brings it as history) rather than wait for the next gap.
        if verdict == .ignore, outcome.reason?.code == ReportReason.tooLate.rawValue, let fields,
           (try? store.head(topic: r.topic, don: fields.don))?.seq ?? 0 < fields.seq {
            Task { await sync.gapSeen() }
        }
        do {
            let clock = SystemClock(), started = clock.now
            var item = AppendItem(record: record, reportDigest: verdict == .accept ? fields?.digest : nil, penalty: penalty)
            item.registryVersion = registryVersion
            let outcomes = try await store.append([item])
            metrics.appendLatency.record(clock.now.since(started))
            metrics.appendBatch.record(1.0)
            if outcomes.first == .overQuota {
                metrics.overQuota(topic: r.topic)
                overQuotaCount += 1
                if overQuotaCount == 1 || overQuotaCount % 1000 == 0 {
                    logger.warning("store: the log holds its quota of records that were not accepted (store.nonAcceptedQuota); \(overQuotaCount) such records not kept since start (their penalties are)")
                }
            }
            if verdict == .accept, case .appended? = outcomes.first, let fields {
                if previousHead.map({ fields.seq > $0 }) ?? true {
                    headHistory.advanced(topic: r.topic, don: fields.don, from: previousHead, to: fields.seq)
                }
                // More than one past the head: fetch the seqs between by range sync (the verifier
                // accepted it, so it is within maxSeqGap; nobody is penalized for the gap).
                if let head = previousHead, fields.seq > head + 1 { Task { await sync.gapSeen() } }
            }
            // What is forwarded and delivered from here is VerdictPolicy's (in the core): an
            // ACCEPT the log already held is neither (range sync fetched it meanwhile).
            switch outcomes.first {
            case .appended(let offset)?: return .init(.appended(offset: offset), stored: outcome.verdict)
            case .duplicate?: return .init(.alreadyHeld, stored: outcome.verdict)
            case .overQuota?: return .init(.overQuota, stored: outcome.verdict)
            case nil: return .init(.failed, stored: outcome.verdict)
            }
        } catch {
            noteStoreProblem(error, while: "persisting \(r.idText) on \(r.topic)")
            return .init(.failed, stored: outcome.verdict)
        }
    }

    /// A penalty the router gave outside validation (protocol misbehaviour, signing policy), for
    /// the penalty history; validator REJECTs are recorded by `persist` with their message.
    private func recordPenalty(peer: String, topic: String, reason: String) async {
        let penalty = PenaltyRecord(peer: peer, at: WallClock.nanoseconds(), topic: topic, messageID: "", reason: reason, verdict: .reject,
                                    scoreDelta: config.scoring.behaviourPenaltyWeight)
        do { try await store.appendPenalty(penalty) } catch {
            noteStoreProblem(error, while: "recording a penalty for \(peer)")
        }
    }
}
