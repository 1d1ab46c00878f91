import Wire

/// The node's message policy as one state machine: `handle(event, at: now)` returns what to do.
/// It holds the gossipsub router (mesh, scoring, caches), the validation queue (bounded, deadlines
/// from arrival) and applies the verdict policy (what is forwarded, delivered and penalized once
/// the log has answered). No I/O, no clock, no tasks: the agent drives it over sockets, the tests
/// and the simulator over an in-memory network with a manual clock, and all three run this code.
///
/// A message's path: `.rpc` -> router (duplicates, policy) -> `.validate(m)` (or queued, or
/// dropped: IGNORE) -> `.verdict` -> `.append(judged)` -> `.appended(answer)` -> `VerdictPolicy`
/// -> router forwards (ACCEPT) or scores the sender (REJECT) -> `.deliver(m, offset)`. One
/// decoded `InboundMessage` travels the whole way.
public struct NodeCore: Sendable {
    public struct Options: Sendable {
        /// Counted from a message's arrival, queue wait included (see `ValidationQueue`).
        public var validationTimeout: Duration = .seconds(5)
        public var maxConcurrentValidations = 64
        public var validationQueueSize = 1024
        /// false: every message is accepted as it arrives, without validator or log (as
        /// go-libp2p-pubsub without a topic validator).
        public var validates = true
        /// false: verdicts are acted on at once, nothing is appended (a node without a store).
        public var keepsLog = true
        /// Hand out go-libp2p-pubsub's trace events as `.trace` actions.
        public var tracing = false
        /// Inbound validation work per forwarding peer and in all (see `InboundRateLimit`).
        public var rateLimits = InboundRateLimit.Limits()

        public init() {}
    }

    /// Counters for metrics and the Admin API.
    public struct Stats: Sendable, Equatable {
        public var validated = 0
        /// Messages given IGNORE because the validation queue was full.
        public var droppedQueueFull = 0
        /// Messages given IGNORE because the validator did not answer in time.
        public var droppedTimeout = 0
        /// Messages given IGNORE unjudged for being over a peer's or the node's inbound rate,
        /// and the behaviour penalties sustained excess cost their senders.
        public var droppedRateLimited = 0
        public var rateLimitPenalties = 0
        /// RPCs that were not a pubsub protobuf, or whose frame was over the size limit.
        public var malformedRPCs = 0
        public var oversizeRPCs = 0
        /// Times a peer was disconnected and refused for a score below graylist.
        public var refusedPeers = 0

        public init() {}
    }

    public let options: Options
    public private(set) var router: GossipsubRouter
    public private(set) var queue: ValidationQueue
    private var rateLimit: InboundRateLimit
    public private(set) var stats = Stats()
    /// Messages with the validator or waiting for it.
    private var judging: [[UInt8]: InboundMessage] = [:]
    /// Judged messages the log has not answered for yet (remote and local apart: our own
    /// publish of data a peer also sent has the same id).
    private var appending: [[UInt8]: JudgedMessage] = [:]
    private var appendingLocal: [[UInt8]: JudgedMessage] = [:]
    private var sweepArmed = false
    /// Local listeners and their topics (empty: every topic).
    public private(set) var listeners: [UInt64: Set<String>] = [:]
    /// Trace events of the event being handled that the router does not see (received RPCs,
    /// joins, publishes, verdicts); handed out after it with the router's and the sends'.
    private var traced: [TraceEvent] = []

    public init(localPeer: String, gossip: GossipsubConfig = GossipsubConfig(), scoreParams: PeerScoreParams = PeerScoreParams(),
                options: Options = Options(), seed: UInt64 = 1, identity: PrivateKey? = nil) {
        self.options = options
        router = GossipsubRouter(localPeer: localPeer, config: gossip, scoreParams: scoreParams, seed: seed, identity: identity)
        router.tracing = options.tracing
        queue = ValidationQueue(concurrency: options.maxConcurrentValidations, capacity: options.validationQueueSize,
                                timeout: options.validationTimeout)
        rateLimit = InboundRateLimit(options.rateLimits)
    }

    public var localPeer: String { router.localPeer }

    public mutating func handle(_ event: NodeEvent, at now: Instant) -> [NodeAction] {
        var out: [NodeAction] = []
        switch event {
        case .start:
            out.append(.setTimer(.heartbeat, at: now + router.config.heartbeatInterval))
        case .peerUp(let peer, let proto, let outbound, let ip):
            route(router.addPeer(peer, protocol: proto, outbound: outbound, ip: ip), now: now, into: &out)
        case .peerDown(let peer):
            router.removePeer(peer, now: now)
            rateLimit.remove(peer: peer)
        case .rpc(let peer, let rpc):
            if options.tracing { trace(TraceEvent(.recvRPC, peer: peer, rpc: .init(rpc, ids: router.config))) }
            route(router.handleRPC(from: peer, rpc, now: now), now: now, into: &out)
        case .badFrame(let peer, let problem):
            router.penalizeBehaviour(peer)
            switch problem {
            case .oversize(let detail):
                stats.oversizeRPCs += 1
                out.append(.penalize(peer: peer, topic: "", reason: "oversize_rpc: \(detail)"))
            case .malformed(let detail):
                stats.malformedRPCs += 1
                out.append(.penalize(peer: peer, topic: "", reason: "malformed_rpc: \(detail)"))
            case .notProtobuf:
                stats.malformedRPCs += 1
                out.append(.penalize(peer: peer, topic: "", reason: "malformed_rpc: not a pubsub RPC protobuf"))
            }
        case .timerFired(.heartbeat):
            route(router.heartbeat(now: now), now: now, into: &out)
            refuseGraylisted(now: now, into: &out)
            out.append(.setTimer(.heartbeat, at: now + router.config.heartbeatInterval))
        case .timerFired(.validationSweep):
            sweepArmed = false
            take(queue.sweep(now: now), now: now, into: &out)
        case .verdict(let id, let verdict, let reason, let report):
            let (elapsed, next) = queue.finish(id, now: now)
            // No longer running: it timed out and already has its IGNORE; the late verdict is void.
            if let elapsed, let m = judging.removeValue(forKey: id) {
                stats.validated += 1
                judged(JudgedMessage(message: m, verdict: verdict, reason: reason, elapsed: elapsed, report: report), now: now, into: &out)
            }
            take(next, now: now, into: &out)
        case .appended(let id, let local, let answer, let stored):
            let entry = local ? appendingLocal.removeValue(forKey: id) : appending.removeValue(forKey: id)
            guard let judged = entry else { break }
            conclude(judged, answer: answer, stored: stored, now: now, into: &out)
        case .publish(let topic, let data):
            publish(topic, data: data, now: now, into: &out)
        case .subscribe(let topic):
            if !router.subscriptions.contains(topic) { trace(TraceEvent(.join, topic: topic)) }
            route(router.subscribe(topic, now: now), now: now, into: &out)
        case .unsubscribe(let topic):
            if router.subscriptions.contains(topic) { trace(TraceEvent(.leave, topic: topic)) }
            route(router.unsubscribe(topic, now: now), now: now, into: &out)
        case .applicationScore(let peer, let value):
            router.setApplicationScore(peer, value)
        case .blacklist(let peer):
            router.blacklist(peer, now: now)
        case .listenerAdded(let id, let topics):
            listeners[id] = topics
        case .listenerRemoved(let id):
            listeners[id] = nil
        case .historyAppended(let m, let offset):
            let to = listeners(of: m.topic)
            if !to.isEmpty { out.append(.deliver(m, offset: offset, listeners: to)) }
        }
        armSweep(now: now, into: &out)
        if options.tracing { handOutTrace(&out) }
        return out
    }

    // MARK: trace

    /// Keeps `event` while tracing (callers guard events that cost to build with `options.tracing`).
    private mutating func trace(_ event: TraceEvent) {
        if options.tracing { traced.append(event) }
    }

    /// Appends the event's trace: ours, the router's, then one per RPC sent and message delivered.
    private mutating func handOutTrace(_ out: inout [NodeAction]) {
        var events = traced + router.takeTrace()
        traced.removeAll(keepingCapacity: true)
        for action in out {
            switch action {
            case .send(let to, let rpc):
                events.append(TraceEvent(.sendRPC, peer: to, rpc: .init(rpc, ids: router.config)))
            case .deliver(let m, _, _):
                events.append(TraceEvent(.deliverMessage, peer: m.from == "local" ? localPeer : m.from, messageID: m.id, topic: m.topic))
            default:
                continue
            }
        }
        out += events.map(NodeAction.trace)
    }

    // MARK: router actions

    /// Carries the router's actions over into the node's: validation goes through the queue.
    private mutating func route(_ actions: [GossipsubRouter.Action], now: Instant, into out: inout [NodeAction]) {
        for action in actions {
            switch action {
            case .send(let to, let rpc): out.append(.send(to: to, rpc))
            case .validate(let id, let m, let from):
                let inbound = InboundMessage(id: id, m, from: from, arrivedAt: now)
                guard options.validates else {
                    route(router.validationResult(id, .accept, now: now), now: now, into: &out)
                    continue
                }
                if let limited = rateLimited(inbound, now: now, into: &out) {
                    judged(JudgedMessage(message: inbound, verdict: .ignore, dropped: limited), now: now, into: &out)
                    continue
                }
                judging[id] = inbound
                take([queue.admit(id, arrivedAt: now, now: now)], now: now, into: &out)
            case .deliver(let id, let m, let from):
                out.append(.deliver(InboundMessage(id: id, m, from: from, arrivedAt: now), offset: nil, listeners: listeners(of: m.topic)))
            case .penalize(let peer, let topic, let reason):
                out.append(.penalize(peer: peer, topic: topic, reason: reason))
            case .connect(let peers):
                out.append(.dial(peers))
            }
        }
    }

    /// nil when the message is within the inbound rates; else it is dropped (and its sender
    /// penalized when its excess is sustained).
    private mutating func rateLimited(_ m: InboundMessage, now: Instant, into out: inout [NodeAction]) -> ValidationQueue.Drop? {
        switch rateLimit.admit(peer: m.from, now: now) {
        case .pass:
            return nil
        case .overPeer(let penalize):
            stats.droppedRateLimited += 1
            if penalize {
                stats.rateLimitPenalties += 1
                router.penalizeBehaviour(m.from)
                let l = options.rateLimits
                out.append(.penalize(peer: m.from, topic: m.topic,
                                     reason: "rate_limited: \(l.penaltyEvery) more messages over \(Int(l.peerRate))/s (burst \(Int(l.peerBurst))) dropped unjudged"))
            }
            return .rateLimited
        case .overGlobal:
            stats.droppedRateLimited += 1
            return .rateLimited
        }
    }

    /// Acts on the queue's decisions.
    private mutating func take(_ steps: [ValidationQueue.Step], now: Instant, into out: inout [NodeAction]) {
        for step in steps {
            switch step {
            case .start(let job):
                if let m = judging[job.id] { out.append(.validate(m)) }
            case .wait:
                break
            case .expired(let job):
                guard let m = judging.removeValue(forKey: job.id) else { continue }
                stats.validated += 1
                stats.droppedTimeout += 1
                judged(JudgedMessage(message: m, verdict: .ignore, dropped: .timeout, elapsed: now.since(job.arrivedAt)), now: now, into: &out)
            case .drop(let job, let why):
                guard let m = judging.removeValue(forKey: job.id) else { continue }
                switch why {
                case .queueFull: stats.droppedQueueFull += 1
                case .timeout: stats.droppedTimeout += 1
                case .rateLimited: stats.droppedRateLimited += 1
                }
                judged(JudgedMessage(message: m, verdict: .ignore, dropped: why), now: now, into: &out)
            }
        }
    }

    private mutating func armSweep(now: Instant, into out: inout [NodeAction]) {
        guard !sweepArmed, queue.backlog > 0 else { return }
        sweepArmed = true
        // Deadlines are checked a few times per timeout period (at most every 100 ms).
        out.append(.setTimer(.validationSweep, at: now + min(options.validationTimeout / 4, .milliseconds(100))))
    }

    // MARK: verdicts

    /// A verdict (or a drop) is in: to the log first, or straight to the router without one.
    private mutating func judged(_ j: JudgedMessage, now: Instant, into out: inout [NodeAction]) {
        guard options.keepsLog else {
            return conclude(j, answer: .notKept, stored: j.verdict, now: now, into: &out)
        }
        if j.local { appendingLocal[j.message.id] = j } else { appending[j.message.id] = j }
        out.append(.append(j))
    }

    /// The log answered: the verdict policy says what the router and the listeners get.
    private mutating func conclude(_ j: JudgedMessage, answer: VerdictPolicy.LogAnswer, stored: GossipsubRouter.Verdict,
                                   now: Instant, into out: inout [NodeAction]) {
        let effect = VerdictPolicy.decide(stored, log: answer)
        if j.local {
            if effect.deliver, router.subscriptions.contains(j.message.topic) {
                out.append(.deliver(j.message, offset: effect.offset, listeners: listeners(of: j.message.topic)))
            }
            return
        }
        switch effect.verdict {
        case .accept: break
        case .reject: trace(TraceEvent(.rejectMessage, peer: j.message.from, messageID: j.message.id, topic: j.message.topic,
                                       reason: TraceEvent.RejectReason.validationFailed))
        case .ignore: trace(TraceEvent(.rejectMessage, peer: j.message.from, messageID: j.message.id, topic: j.message.topic,
                                       reason: j.dropped == .queueFull ? TraceEvent.RejectReason.validationQueueFull : TraceEvent.RejectReason.validationIgnored))
        }
        for action in router.validationResult(j.message.id, effect.verdict, now: now) {
            switch action {
            case .deliver:
                if effect.deliver { out.append(.deliver(j.message, offset: effect.offset, listeners: listeners(of: j.message.topic))) }
            case .penalize where effect.penaltyRecorded:
                continue
            default:
                route([action], now: now, into: &out)
            }
        }
    }

    /// The listeners that want `topic`, in id order.
    private func listeners(of topic: String) -> [UInt64] {
        listeners.filter { $0.value.isEmpty || $0.value.contains(topic) }.keys.sorted()
    }

    // MARK: publish

    private mutating func publish(_ topic: String, data: [UInt8], now: Instant, into out: inout [NodeAction]) {
        let (id, actions) = router.publish(topic, data: data, now: now)
        out.append(.published(id: id, topic: topic))
        trace(TraceEvent(.publishMessage, messageID: id, topic: topic))
        let mine = InboundMessage(id: id, topic: topic, data: data, from: "local", arrivedAt: now)
        guard options.keepsLog else {
            // No log: our own message reaches local listeners as the router delivers it.
            return route(actions, now: now, into: &out)
        }
        route(actions.filter { if case .deliver = $0 { return false }; return true }, now: now, into: &out)
        // Own messages reach listeners once stored, so they carry their offset.
        judged(JudgedMessage(message: mine, verdict: .accept, reason: .published, local: true), now: now, into: &out)
    }

    // MARK: graylist

    /// Peers below graylist are disconnected and refused when `graylistRefusal` is set (direct
    /// peers are never scored out).
    private mutating func refuseGraylisted(now: Instant, into out: inout [NodeAction]) {
        guard let duration = router.config.graylistRefusal else { return }
        let threshold = router.config.thresholds.graylistThreshold
        for peer in router.connectedPeers where !router.isDirect(peer) {
            let score = router.score.score(peer, now: now)
            guard score < threshold else { continue }
            stats.refusedPeers += 1
            out.append(.refuse(peer: peer, score: score, for: duration))
        }
    }
}
