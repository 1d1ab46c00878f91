import Core
import Foundation
import Host
import Wire

/// Runs a `NodeCore` over a host's connections: the I/O edge of gossipsub. It turns streams,
/// frames, timers, validator answers and log completions into `NodeEvent`s and carries out the
/// core's `NodeAction`s; every decision (mesh, scoring, the validation queue and its deadlines,
/// what a verdict means once the log answered) is the core's.
///
/// One pubsub stream per peer and direction: each side writes RPCs on the stream it opened and
/// reads the one the peer opened, as go-libp2p-pubsub does. RPCs are uvarint-framed.
public actor PubsubService {

    /// A validator's verdict and why (an IGNORE's reason too, e.g. "equivocation", so the log
    /// explains every verdict; a REJECT's reason is in the verdict).
    public struct ValidationAnswer: Sendable {
        public var verdict: GossipsubRouter.Verdict
        public var reason: String?
        /// The message's place in its DON's stream, when the validator decoded it: carried to
        /// the log so the report is decoded once.
        public var report: ReportKey?

        public init(_ verdict: GossipsubRouter.Verdict, reason: String? = nil, report: ReportKey? = nil) {
            self.verdict = verdict
            self.reason = reason
            self.report = report
        }

        public static let accept = ValidationAnswer(.accept)
        public static let ignore = ValidationAnswer(.ignore)
        public static func ignore(_ reason: String) -> ValidationAnswer { ValidationAnswer(.ignore, reason: reason) }
        public static func reject(reason: String) -> ValidationAnswer { ValidationAnswer(.reject(reason: reason), reason: reason) }
    }

    /// What the log did with a judged message, and the verdict as stored.
    public struct LogReceipt: Sendable {
        public var answer: VerdictPolicy.LogAnswer
        public var stored: GossipsubRouter.Verdict

        public init(_ answer: VerdictPolicy.LogAnswer, stored: GossipsubRouter.Verdict) {
            self.answer = answer
            self.stored = stored
        }
    }


    /// A message accepted on a subscribed topic.
    public struct Delivery: Sendable {
        public var id: [UInt8]
        public var topic: String
        /// The author under StrictSign, else the peer that forwarded it ("local" for our own).
        public var from: String
        public var data: [UInt8]
        public var receivedNanoseconds: UInt64
        /// Its offset in the topic's log, when the node keeps one.
        public var offset: UInt64?
        /// The listeners (`addListener`) whose topics it matches.
        public var listeners: [UInt64]
    }

    public typealias Stats = NodeCore.Stats

    public nonisolated let deliveries: AsyncStream<Delivery>
    private let deliverySink: AsyncStream<Delivery>.Continuation
    public nonisolated let penalties: AsyncStream<(peer: String, topic: String, reason: String)>
    private let penaltySink: AsyncStream<(peer: String, topic: String, reason: String)>.Continuation
    /// Things the owner should log: peers disconnected and refused for their score.
    public nonisolated let notices: AsyncStream<String>
    private let noticeSink: AsyncStream<String>.Continuation

    private let host: P2PHost
    private let clock = SystemClock()
    private var core: NodeCore
    /// Judges and logs messages; handed over at `start` (nil: nobody, then the core accepts
    /// without validator and keeps no log).
    private var node: (any PubsubNode)?
    private let maxRPCSize: Int
    /// Our outbound pubsub stream to each peer.
    private var writers: [String: MuxedStream] = [:]
    /// go-libp2p-pubsub's trace events go here when set (`pubsub.trace.jsonFile`).
    private let tracer: PubsubTraceFile?
    /// The armed timer of each kind.
    private var timers: [NodeTimer: Task<Void, Never>] = [:]
    private var tasks: [Task<Void, Never>] = []
    /// Local publishes waiting for their log answer (the API returns once it is stored).
    private var publishWaiters: [[UInt8]: [CheckedContinuation<Void, Never>]] = [:]

    /// Validation runs at most `maxConcurrentValidations` at a time; up to `validationQueueSize`
    /// more wait; beyond that, and `validationTimeout` after its arrival, a message gets IGNORE
    /// (counted). `validates`: messages go to the node's `validate` (else every message is
    /// accepted as it arrives); `keepsLog`: verdicts go to its `append` before they are acted on.
    /// Nothing starts here: `start(node:)` does.
    public init(host: P2PHost, config: GossipsubConfig = GossipsubConfig(), scoreParams: PeerScoreParams = PeerScoreParams(),
                maxRPCSize: Int = 1 << 20, validationTimeout: Duration = .seconds(5),
                maxConcurrentValidations: Int = 64, validationQueueSize: Int = 1024, rateLimits: InboundRateLimit.Limits = .init(),
                validates: Bool = false, keepsLog: Bool = false, tracer: PubsubTraceFile? = nil) {
        var options = NodeCore.Options()
        options.rateLimits = rateLimits
        options.validationTimeout = validationTimeout
        options.maxConcurrentValidations = maxConcurrentValidations
        options.validationQueueSize = validationQueueSize
        options.validates = validates
        options.keepsLog = keepsLog
        options.tracing = tracer != nil
        self.tracer = tracer
        self.core = NodeCore(localPeer: host.peerID.description, gossip: config, scoreParams: scoreParams, options: options,
                             seed: UInt64.random(in: 1...UInt64.max), identity: host.config.identity)
        self.host = host
        self.maxRPCSize = maxRPCSize
        (deliveries, deliverySink) = AsyncStream.makeStream(of: Delivery.self, bufferingPolicy: .bufferingNewest(65536))
        (penalties, penaltySink) = AsyncStream.makeStream(of: (peer: String, topic: String, reason: String).self, bufferingPolicy: .bufferingNewest(4096))
        (notices, noticeSink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// Registers the pubsub protocols and starts following connections and timers; `node`
    /// judges and logs messages from now on.
    public func start(node: (any PubsubNode)? = nil) {
        self.node = node
        for proto in PubsubProtocol.allCases {
            host.registry.set(proto.rawValue) { [weak self] stream in await self?.readLoop(stream) }
        }
        let events = host.subscribeEvents()
        tasks.append(Task { [weak self] in
            for await event in events {
                guard let self else { return }
                switch event {
                case .connected(let peer, _, _): await self.openOutbound(to: peer)
                case .disconnected(let peer, _): await self.peerGone(peer.description)
                default: break
                }
            }
        })
        handle(.start)
        for connection in host.connections { if let peer = connection.remotePeer { Task { await openOutbound(to: peer) } } }
    }

    public func stop() {
        for t in tasks { t.cancel() }
        for (_, t) in timers { t.cancel() }
        timers = [:]
        for (_, stream) in writers { Task { await stream.close() } }
        writers = [:]
        deliverySink.finish()
        penaltySink.finish()
        tracer?.close()
        for (_, waiters) in publishWaiters { for w in waiters { w.resume() } }
        publishWaiters = [:]
        node = nil
    }

    public func subscribe(_ topic: String) { handle(.subscribe(topic)) }
    public func unsubscribe(_ topic: String) { handle(.unsubscribe(topic)) }

    /// Publishes `data` on `topic`; with a log, returns once the log has answered for it.
    @discardableResult
    public func publish(_ topic: String, data: [UInt8]) async -> [UInt8] {
        let actions = core.handle(.publish(topic: topic, data: data), at: clock.now)
        var id: [UInt8] = []
        for action in actions {
            if case .published(let published, _) = action { id = published }
            perform(action)
        }
        if publishWaiters[id] != nil { await withCheckedContinuation { publishWaiters[id]!.append($0) } }
        return id
    }

    public var stats: Stats { core.stats }
    /// Mesh members, for `peers` in the stdio agent and the Admin API.
    public func meshPeers() -> [String: [String]] { core.router.mesh.mapValues { $0.sorted() } }
    public func score(_ peer: String) -> Double { core.router.score.score(peer, now: clock.now) }
    public func scoreBreakdown(_ peer: String) -> PeerScore.Breakdown { core.router.score.breakdown(peer, now: clock.now) }
    /// Peers with a score: connected, or gone and retained for `retainScore`.
    public func scoredPeers() -> [String] { core.router.score.scoredPeers }
    public func subscriptions() -> Set<String> { core.router.subscriptions }
    /// Messages waiting for a validation slot.
    public func validationQueueDepth() -> Int { core.queue.queued }
    /// Messages waiting for a validation slot or being validated.
    public func validationBacklog() -> Int { core.queue.backlog }

    /// A local listener for accepted messages of `topics` (empty: all); deliveries name it.
    public func addListener(_ id: UInt64, topics: Set<String>) { handle(.listenerAdded(id: id, topics: topics)) }
    public func removeListener(_ id: UInt64) { handle(.listenerRemoved(id)) }

    /// Records range sync appended: to the listeners, like live messages.
    public func deliverHistory(_ records: [(message: InboundMessage, offset: UInt64)]) {
        for r in records { handle(.historyAppended(r.message, offset: r.offset)) }
    }

    /// P5 for `peer` (from the persisted penalty history).
    public func setApplicationScore(_ peer: String, _ value: Double) { handle(.applicationScore(peer: peer, value)) }

    /// Stops listening to `peer` and forwarding to it; the connection is left to the host.
    public func blacklist(_ peer: PeerID) { handle(.blacklist(peer.description)) }

    /// Dials direct peers (config.directPeers) at these addresses now and whenever the core
    /// asks for them again.
    public func addDirectPeerAddresses(_ addresses: [Multiaddr]) {
        for addr in addresses {
            guard let peer = addr.peerID else { continue }
            host.peerStore.addAddress(peer, addr.transportPart)
            let host = self.host
            Task { _ = try? await host.dial(addr) }
        }
    }

    // MARK: streams

    private func openOutbound(to peer: PeerID) async {
        let name = peer.description
        guard writers[name] == nil, let connection = host.connections(to: peer).first else { return }
        let stream: MuxedStream
        do {
            stream = try await connection.openStream(PubsubProtocol.allCases.map(\.rawValue))
        } catch {
            return  // the peer speaks no pubsub
        }
        guard writers[name] == nil, let proto = PubsubProtocol(rawValue: stream.protocolID) else { return }
        writers[name] = stream
        handle(.peerUp(name, proto, outbound: connection.isInitiator, ip: connection.remoteAddress?.hostAndPort?.host))
    }

    private func readLoop(_ stream: MuxedStream) async {
        let peer = stream.remotePeer.description
        // The peer's stream may come before ours is open: know the peer now, so its first RPC
        // (its subscriptions) is not dropped. Our hello goes out once our stream is open.
        if let proto = PubsubProtocol(rawValue: stream.protocolID) {
            handle(.peerUp(peer, proto, outbound: stream.isOnOutboundConnection, ip: stream.remoteAddress?.hostAndPort?.host))
        }
        while true {
            let frame: [UInt8]?
            do { frame = try await stream.readMessage(maxLength: maxRPCSize) } catch let error as WireError {
                // A frame over the limit or a broken length prefix: the stream cannot be resynced.
                handle(.badFrame(from: peer, error.code == .tooLarge ? .oversize(error.message) : .malformed(error.message)))
                await stream.reset()
                return
            } catch {
                return  // the connection went away
            }
            guard let frame else { return }
            guard let rpc = try? GossipsubRouter.RPC(serializedBytes: frame) else {
                handle(.badFrame(from: peer, .notProtobuf))
                continue
            }
            handle(.rpc(from: peer, rpc))
        }
    }

    private func peerGone(_ peer: String) {
        writers.removeValue(forKey: peer)
        handle(.peerDown(peer))
    }

    // MARK: the core

    /// Hands one event to the core and carries out what it returns.
    private func handle(_ event: NodeEvent) {
        let actions = core.handle(event, at: clock.now)
        for action in actions { perform(action) }
    }

    private func perform(_ action: NodeAction) {
        switch action {
        case .send(let to, let rpc):
            guard let writer = writers[to] else {
                // No stream of ours to the peer (not open yet, or it refused pubsub): the RPC is
                // dropped, as go-libp2p-pubsub drops one for a peer it cannot write to.
                tracer?.write([TraceEvent(.dropRPC, peer: to, rpc: .init(rpc, ids: core.router.config))])
                return
            }
            guard let frame = try? rpc.serializedBytes() as [UInt8] else { return }
            writer.enqueue(LengthPrefixedReader.frame(frame))
        case .validate(let request):
            guard let node else { return }
            Task {
                let answer = await node.validate(request)
                self.handle(.verdict(id: request.id, answer.verdict, reason: answer.reason.map(VerdictReason.init(parsing:)), report: answer.report))
            }
        case .append(let judged):
            guard let node else { return }
            Task {
                let receipt = await node.append(judged)
                self.appended(judged, receipt)
            }
        case .deliver(let m, let offset, let listeners):
            deliverySink.yield(Delivery(id: m.id, topic: m.topic, from: m.author, data: m.data,
                                        receivedNanoseconds: clock.wallNanoseconds, offset: offset, listeners: listeners))
        case .penalize(let peer, let topic, let reason):
            penaltySink.yield((peer, topic, reason))
        case .dial(let peers):
            for p in peers where host.connections(to: p).isEmpty {
                if let addr = host.peerStore.info(p)?.addresses.first {
                    let host = self.host
                    Task { _ = try? await host.dial(addr.appending(.p2p(p))) }
                }
            }
        case .setTimer(let timer, let at):
            timers[timer]?.cancel()
            let wait = at.since(clock.now)
            timers[timer] = Task { [weak self] in
                try? await Task.sleep(for: wait)
                guard !Task.isCancelled else { return }
                await self?.fire(timer)
            }
        case .refuse(let peer, let score, let duration):
            guard let id = try? PeerID(peer) else { return }
            host.refuse(id, for: duration)
            let threshold = core.router.config.thresholds.graylistThreshold
            noticeSink.yield("peer \(peer) disconnected: score \(String(format: "%.1f", score)) is below the graylist threshold \(threshold); its connections are refused for \(duration)")
        case .published(let id, _):
            if core.options.keepsLog, node != nil { publishWaiters[id, default: []] = publishWaiters[id] ?? [] }
        case .trace(let event):
            tracer?.write([event])
        }
    }

    private func fire(_ timer: NodeTimer) {
        timers[timer] = nil
        handle(.timerFired(timer))
    }

    private func appended(_ judged: JudgedMessage, _ receipt: LogReceipt) {
        let id = judged.message.id
        handle(.appended(id: id, local: judged.local, receipt.answer, stored: receipt.stored))
        if judged.local, let waiters = publishWaiters.removeValue(forKey: id) { for w in waiters { w.resume() } }
    }
}
