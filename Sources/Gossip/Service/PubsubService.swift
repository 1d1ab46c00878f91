import Foundation
import Host
import NIOCore
import Wire

/// Runs a `GossipsubRouter` over a host's connections: one pubsub stream per peer and direction
/// (each side writes RPCs on the stream it opened and reads the one the peer opened), RPCs framed
/// with a uvarint length, a heartbeat task, and a validator called with a timeout.
public actor PubsubService {
    /// A message to judge: its id (text: hex for binary from+seqno ids), topic, data, and the
    /// peer that forwarded it.
    public struct ValidationRequest: Sendable {
        public var id: [UInt8]
        public var topic: String
        public var data: [UInt8]
        public var from: String
        /// When the router asked for validation: a verdict that depends on time or state (e.g.
        /// a report's staleness) judges the message as of its arrival, not as of when a
        /// validation slot freed up.
        public var arrivedAt: ContinuousClock.Instant
        public var idText: String { MessageIDFunction.text(of: id) }

        public init(id: [UInt8], topic: String, data: [UInt8], from: String, arrivedAt: ContinuousClock.Instant = .now) {
            (self.id, self.topic, self.data, self.from, self.arrivedAt) = (id, topic, data, from, arrivedAt)
        }
    }

    public typealias Validator = @Sendable (ValidationRequest) async -> ValidationAnswer

    /// A validator's verdict and why (an IGNORE's reason too, e.g. "equivocation", so the log
    /// explains every verdict; a REJECT's reason is in the verdict).
    public struct ValidationAnswer: Sendable {
        public var verdict: GossipsubRouter.Verdict
        public var reason: String?

        public init(_ verdict: GossipsubRouter.Verdict, reason: String? = nil) {
            self.verdict = verdict
            self.reason = reason
        }

        public static let accept = ValidationAnswer(.accept)
        public static let ignore = ValidationAnswer(.ignore)
        public static func ignore(_ reason: String) -> ValidationAnswer { ValidationAnswer(.ignore, reason: reason) }
        public static func reject(reason: String) -> ValidationAnswer { ValidationAnswer(.reject(reason: reason), reason: reason) }
    }

    /// The verdict the router applied to a validated message (including IGNOREs for a full
    /// queue or a timeout, with `dropped` saying which), before it is acted on: the agent
    /// persists it there, so an ACCEPT is stored before it is forwarded.
    public struct Outcome: Sendable {
        public enum Dropped: String, Sendable { case queueFull = "validation_queue_full", timeout = "validation_timeout" }
        public var request: ValidationRequest
        public var verdict: GossipsubRouter.Verdict
        public var dropped: Dropped?
        /// The validator's reason for its verdict, if it gave one.
        public var reason: String?
        /// From the start of validation to the verdict (nil when it never started).
        public var elapsed: Duration?

        public init(request: ValidationRequest, verdict: GossipsubRouter.Verdict, dropped: Dropped?, reason: String? = nil, elapsed: Duration? = nil) {
            (self.request, self.verdict, self.dropped, self.reason, self.elapsed) = (request, verdict, dropped, reason, elapsed)
        }
    }

    /// Returns the verdict the router applies: the outcome's, or IGNORE when the sink could not
    /// record it (an ACCEPT that is not stored is not forwarded). With a sink, validator REJECTs
    /// reach it only, not the `penalties` stream.
    public typealias VerdictSink = @Sendable (Outcome) async -> GossipsubRouter.Verdict

    /// A message accepted on a subscribed topic.
    public struct Delivery: Sendable {
        public var id: [UInt8]
        public var topic: String
        /// The author under StrictSign, else the peer that forwarded it.
        public var from: String
        public var data: [UInt8]
        public var receivedNanoseconds: UInt64

        public init(id: [UInt8], topic: String, from: String, data: [UInt8], receivedNanoseconds: UInt64) {
            (self.id, self.topic, self.from, self.data, self.receivedNanoseconds) = (id, topic, from, data, receivedNanoseconds)
        }
    }

    public nonisolated let deliveries: AsyncStream<Delivery>
    private let deliverySink: AsyncStream<Delivery>.Continuation
    public nonisolated let penalties: AsyncStream<(peer: String, topic: String, reason: String)>
    private let penaltySink: AsyncStream<(peer: String, topic: String, reason: String)>.Continuation
    /// Things the owner should log: peers disconnected and refused for their score.
    public nonisolated let notices: AsyncStream<String>
    private let noticeSink: AsyncStream<String>.Continuation

    private let host: P2PHost
    private var router: GossipsubRouter
    /// nil: every message is accepted inline (no validator configured, as go-libp2p-pubsub
    /// without a topic validator).
    private let validator: Validator?
    private let verdictSink: VerdictSink?
    private let validationTimeout: Duration
    private let maxRPCSize: Int
    private let maxConcurrentValidations: Int
    private let validationQueueSize: Int
    private var validationsRunning = 0
    private var validationQueue = CircularBuffer<ValidationRequest>()
    private var inFlight: [[UInt8]: (request: ValidationRequest, started: ContinuousClock.Instant, deadline: ContinuousClock.Instant, task: Task<Void, Never>)] = [:]

    /// Counters for metrics and the Admin API.
    public struct Stats: Sendable, Equatable {
        public var validated = 0
        /// Messages given IGNORE because the validation queue was full.
        public var droppedQueueFull = 0
        /// Messages given IGNORE because the validator did not answer in time.
        public var droppedTimeout = 0
        /// RPCs that were not a pubsub protobuf, or whose frame was over the size limit.
        public var malformedRPCs = 0
        public var oversizeRPCs = 0
        /// Times a peer was disconnected and refused for a score below graylist.
        public var refusedPeers = 0
    }

    public private(set) var stats = Stats()
    /// Our outbound pubsub stream to each peer.
    private var writers: [String: MuxedStream] = [:]
    private var tasks: [Task<Void, Never>] = []

    /// Validation runs at most `maxConcurrentValidations` at a time; up to `validationQueueSize`
    /// more wait; beyond that, and `validationTimeout` after its arrival, a message gets IGNORE
    /// (counted).
    public init(host: P2PHost, config: GossipsubConfig = GossipsubConfig(), scoreParams: PeerScoreParams = PeerScoreParams(),
                maxRPCSize: Int = 1 << 20, validationTimeout: Duration = .seconds(5),
                maxConcurrentValidations: Int = 64, validationQueueSize: Int = 1024,
                validator: Validator? = nil, verdictSink: VerdictSink? = nil) {
        self.verdictSink = verdictSink
        self.maxConcurrentValidations = max(1, maxConcurrentValidations)
        self.validationQueueSize = max(0, validationQueueSize)
        self.host = host
        self.router = GossipsubRouter(localPeer: host.peerID.description, config: config, scoreParams: scoreParams,
                                      seed: UInt64.random(in: 1...UInt64.max), identity: host.config.identity)
        self.validator = validator
        self.validationTimeout = validationTimeout
        self.maxRPCSize = maxRPCSize
        (deliveries, deliverySink) = AsyncStream.makeStream(of: Delivery.self, bufferingPolicy: .bufferingNewest(65536))
        (penalties, penaltySink) = AsyncStream.makeStream(of: (peer: String, topic: String, reason: String).self, bufferingPolicy: .bufferingNewest(4096))
        (notices, noticeSink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1024))
    }

    static func now() -> Instant { Instant(nanoseconds: DispatchTime.now().uptimeNanoseconds) }

    /// Registers the pubsub protocols and starts following connections and the heartbeat.
    public func start() {
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
        let interval = router.config.heartbeatInterval
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.heartbeat()
            }
        })
        // Timeouts are checked a few times per timeout period (at most every 100 ms).
        let sweep = min(validationTimeout / 4, .milliseconds(100))
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: sweep)
                await self?.sweepTimeouts()
            }
        })
        for connection in host.connections { if let peer = connection.remotePeer { Task { await openOutbound(to: peer) } } }
    }

    public func stop() {
        for t in tasks { t.cancel() }
        for (_, stream) in writers { Task { await stream.close() } }
        writers = [:]
        deliverySink.finish()
        penaltySink.finish()
    }

    public func subscribe(_ topic: String) { perform(router.subscribe(topic, now: Self.now())) }
    public func unsubscribe(_ topic: String) { perform(router.unsubscribe(topic, now: Self.now())) }

    @discardableResult
    public func publish(_ topic: String, data: [UInt8]) -> [UInt8] {
        let (id, actions) = router.publish(topic, data: data, now: Self.now())
        perform(actions)
        return id
    }

    /// Mesh members, scores and protocols, for `peers` in the stdio agent and the Admin API.
    public func meshPeers() -> [String: [String]] { router.mesh.mapValues { $0.sorted() } }
    public func score(_ peer: String) -> Double { router.score.score(peer, now: Self.now()) }
    public func scoreBreakdown(_ peer: String) -> PeerScore.Breakdown { router.score.breakdown(peer, now: Self.now()) }
    /// Peers with a score: connected, or gone and retained for `retainScore`.
    public func scoredPeers() -> [String] { router.score.scoredPeers }
    public func subscriptions() -> Set<String> { router.subscriptions }
    /// Messages waiting for a validation slot.
    public func validationQueueDepth() -> Int { validationQueue.count }
    /// Messages waiting for a validation slot or being validated.
    public func validationBacklog() -> Int { validationQueue.count + inFlight.count }

    /// P5 for `peer` (from the persisted penalty history).
    public func setApplicationScore(_ peer: String, _ value: Double) { router.setApplicationScore(peer, value) }

    /// Stops listening to `peer` and forwarding to it; the connection is left to the host.
    public func blacklist(_ peer: PeerID) { router.blacklist(peer.description, now: Self.now()) }

    /// Dials direct peers (config.directPeers) at these addresses now and whenever the router
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
        perform(router.addPeer(name, protocol: proto, outbound: connection.isInitiator, ip: connection.remoteAddress?.hostAndPort?.host))
    }

    private func readLoop(_ stream: MuxedStream) async {
        let peer = stream.remotePeer
        // The peer's stream may come before ours is open: know the peer now, so its first RPC
        // (its subscriptions) is not dropped. Our hello goes out once our stream is open.
        if let proto = PubsubProtocol(rawValue: stream.protocolID) {
            perform(router.addPeer(peer.description, protocol: proto, outbound: stream.isOnOutboundConnection,
                                   ip: stream.remoteAddress?.hostAndPort?.host))
        }
        while true {
            let frame: [UInt8]?
            do { frame = try await stream.readMessage(maxLength: maxRPCSize) } catch let error as WireError {
                // A frame over the limit or a broken length prefix: the stream cannot be resynced.
                if error.code == .tooLarge { stats.oversizeRPCs += 1 } else { stats.malformedRPCs += 1 }
                router.penalizeBehaviour(peer.description)
                penaltySink.yield((peer.description, "", (error.code == .tooLarge ? "oversize_rpc: " : "malformed_rpc: ") + error.message))
                await stream.reset()
                return
            } catch {
                return  // the connection went away
            }
            guard let frame else { return }
            guard let rpc = try? GossipsubRouter.RPC(serializedBytes: frame) else {
                stats.malformedRPCs += 1
                router.penalizeBehaviour(peer.description)
                penaltySink.yield((peer.description, "", "malformed_rpc: not a pubsub RPC protobuf"))
                continue
            }
            perform(router.handleRPC(from: peer.description, rpc, now: Self.now()))
        }
    }

    private func peerGone(_ peer: String) {
        writers.removeValue(forKey: peer)
        router.removePeer(peer, now: Self.now())
    }

    private func heartbeat() {
        perform(router.heartbeat(now: Self.now()))
        refuseGraylisted()
    }

    /// Disconnects and refuses the connected peers whose score is below graylist (not direct
    /// peers: they are never scored out).
    private func refuseGraylisted() {
        guard let duration = router.config.graylistRefusal else { return }
        let now = Self.now(), threshold = router.config.thresholds.graylistThreshold
        for peer in router.peers.keys where !router.isDirect(peer) {
            let score = router.score.score(peer, now: now)
            guard score < threshold, let id = try? PeerID(peer) else { continue }
            host.refuse(id, for: duration)
            stats.refusedPeers += 1
            noticeSink.yield("peer \(peer) disconnected: score \(String(format: "%.1f", score)) is below the graylist threshold \(threshold); its connections are refused for \(duration)")
        }
    }

    // MARK: actions

    private func perform(_ actions: [GossipsubRouter.Action]) {
        for action in actions {
            switch action {
            case .send(let to, let rpc):
                guard let frame = try? rpc.serializedBytes() as [UInt8] else { continue }
                writers[to]?.enqueue(LengthPrefixedReader.frame(frame))
            case .validate(let id, let m, let from):
                guard validator != nil else {
                    perform(router.validationResult(id, .accept, now: Self.now()))
                    continue
                }
                let request = ValidationRequest(id: id, topic: m.topic, data: Array(m.data), from: from)
                if validationsRunning < maxConcurrentValidations {
                    startValidation(request)
                } else if validationQueue.count < validationQueueSize {
                    validationQueue.append(request)
                } else {
                    stats.droppedQueueFull += 1
                    conclude(Outcome(request: request, verdict: .ignore, dropped: .queueFull))
                }
            case .deliver(let id, let m, let from):
                let author = m.hasFrom ? ((try? PeerID(bytes: Array(m.from)))?.description ?? from) : from
                deliverySink.yield(Delivery(id: id, topic: m.topic, from: author, data: Array(m.data),
                                            receivedNanoseconds: wallClockNanoseconds()))
            case .penalize(let peer, let topic, let reason):
                penaltySink.yield((peer, topic, reason))
            case .connect(let peers):
                for p in peers where host.connections(to: p).isEmpty {
                    if let addr = host.peerStore.info(p)?.addresses.first {
                        let host = self.host
                        Task { _ = try? await host.dial(addr.appending(.p2p(p))) }
                    }
                }
            }
        }
    }

    /// Starts the validator on a message. Its deadline goes in `inFlight`, swept by one task
    /// (`sweepTimeouts`), rather than a timer task per message: validation is on every hop's
    /// path, and a task group per message cost more than the validation of a small report.
    ///
    /// The timeout counts from the message's arrival, queue wait included, so every verdict is
    /// at most `validationTimeout` old. A relay that accepted a report long after it arrived
    /// would forward it past its peers' validity thresholds, and they would penalize the relay
    /// as a stale replayer (a late joiner met thousands of such reports from a publisher 30 s
    /// behind in validation). What times out is fetched by range sync.
    private func startValidation(_ request: ValidationRequest) {
        guard let validator = self.validator else { return }
        validationsRunning += 1
        let task = Task {
            let answer = await validator(request)
            self.validated(request.id, answer)
        }
        inFlight[request.id] = (request, ContinuousClock.now, request.arrivedAt.advanced(by: validationTimeout), task)
    }

    /// Starts queued messages while validation slots are free; those that waited out their
    /// timeout in the queue get IGNORE unjudged (counted as timeouts).
    private func startQueued() {
        let now = ContinuousClock.now
        while validationsRunning < maxConcurrentValidations, let next = validationQueue.popFirst() {
            if expired(next, now: now) { expiredInQueue(next) } else { startValidation(next) }
        }
    }

    /// Whether `request` waited out its timeout (counted from arrival).
    private func expired(_ request: ValidationRequest, now: ContinuousClock.Instant) -> Bool {
        request.arrivedAt.advanced(by: validationTimeout) <= now
    }

    private func expiredInQueue(_ request: ValidationRequest) {
        stats.droppedTimeout += 1
        conclude(Outcome(request: request, verdict: .ignore, dropped: .timeout))
    }

    /// A verdict, or nil when the deadline passed (IGNORE, counted). A verdict arriving after its
    /// deadline is dropped: the message was already given IGNORE.
    private func validated(_ id: [UInt8], _ answer: ValidationAnswer?) {
        let verdict = answer?.verdict
        guard let entry = inFlight.removeValue(forKey: id) else { return }
        validationsRunning -= 1
        stats.validated += 1
        if verdict == nil {
            stats.droppedTimeout += 1
            entry.task.cancel()
        }
        conclude(Outcome(request: entry.request, verdict: verdict ?? .ignore, dropped: verdict == nil ? .timeout : nil, reason: answer?.reason,
                         elapsed: entry.started.duration(to: ContinuousClock.now)))
        startQueued()
    }

    /// Hands the outcome to the sink (the agent persists it), then to the router.
    private func conclude(_ outcome: Outcome) {
        guard let verdictSink else {
            perform(router.validationResult(outcome.request.id, outcome.verdict, now: Self.now()))
            return
        }
        Task {
            let verdict = await verdictSink(outcome)
            // The sink has the REJECT with its message: the router's penalty for it is not
            // repeated on `penalties`, which then carries only what the sink never sees.
            let actions = self.router.validationResult(outcome.request.id, verdict, now: Self.now())
            self.perform(actions.filter { if case .penalize = $0 { return false }; return true })
        }
    }

    /// Gives IGNORE to validations past their deadline.
    private func sweepTimeouts() {
        let now = ContinuousClock.now
        for (id, entry) in inFlight where entry.deadline <= now { validated(id, nil) }
        // The queue is in arrival order: what waited out its timeout is at the front.
        while let first = validationQueue.first, expired(first, now: now) {
            _ = validationQueue.popFirst()
            expiredInQueue(first)
        }
    }

}
