import Core
import Foundation
import Wire

/// `NodeCore`s on a simulated network with a virtual clock: what one node sends another arrives
/// after the link's latency (seeded per link, in order per link, as over TCP); published messages
/// inside an RPC are lost with probability `loss` (a relay dropping under load; control and
/// subscriptions always arrive); the validator answers after `validationDelay` and the log after
/// `appendDelay`. No sockets, no threads, no sleeps: the same seed gives the same run, event for
/// event, which `traceDigest` shows.
public struct SimulatedNetwork {
    public struct Options: Sendable {
        public var seed: UInt64 = 1
        /// One-way latency of each link, drawn once per link from this range.
        public var latency: ClosedRange<Duration> = .milliseconds(5) ... .milliseconds(80)
        /// Chance that a message inside an RPC is dropped on the way.
        public var loss = 0.0
        public var validationDelay: Duration = .milliseconds(1)
        public var appendDelay: Duration = .milliseconds(1)
        public var gossip = GossipsubConfig()
        public var scoreParams = PeerScoreParams()
        public var node = NodeCore.Options()

        public init() {}
    }

    private enum Scheduled {
        case start(Int)
        case rpc(to: Int, from: Int, GossipsubRouter.RPC)
        case timer(Int, NodeTimer, generation: UInt64)
        case verdict(Int, id: [UInt8], GossipsubRouter.Verdict)
        case appended(Int, id: [UInt8], local: Bool, VerdictPolicy.LogAnswer, GossipsubRouter.Verdict)
        case publish(Int, topic: String, data: [UInt8])
    }

    public let options: Options
    public private(set) var clock = ManualClock()
    public private(set) var nodes: [NodeCore] = []
    public let names: [String]
    private let index: [String: Int]
    private var heap = EventHeap<Scheduled>()
    private var rng: SeededGenerator
    private var linkLatency: [Int: [Int: Duration]] = [:]
    /// When the last RPC on each directed link arrives (FIFO per link).
    private var linkBusyUntil: [Int: [Int: Instant]] = [:]
    private var timerGeneration: [Int: [NodeTimer: UInt64]] = [:]
    /// Each node's log: message ids per topic, in offset order, and what it holds.
    private var logs: [[String: [[UInt8]]]]
    private var held: [Set<[UInt8]>]
    /// Messages each node delivered to its listeners.
    public private(set) var delivered: [Set<[UInt8]>]
    /// Penalties each node recorded: (node, peer, reason).
    public private(set) var penalties: [(node: Int, peer: String, reason: String)] = []
    /// The validator's verdict for a message's data (default: ACCEPT).
    public var judge: @Sendable ([UInt8]) -> GossipsubRouter.Verdict = { _ in .accept }
    public private(set) var eventsHandled = 0
    public private(set) var messagesLost = 0
    public private(set) var rpcsSent = 0
    private var trace = FNV1a()

    public init(nodes count: Int, options: Options = Options()) {
        self.options = options
        rng = SeededGenerator(seed: options.seed)
        names = (0..<count).map { i in
            try! PrivateKey(seed: Array(repeating: UInt8(truncatingIfNeeded: i &+ 1), count: 30) + [UInt8(i >> 8 & 0xFF), 7]).peerID.description
        }
        index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        logs = Array(repeating: [:], count: count)
        held = Array(repeating: [], count: count)
        delivered = Array(repeating: [], count: count)
        for (i, name) in names.enumerated() {
            nodes.append(NodeCore(localPeer: name, gossip: options.gossip, scoreParams: options.scoreParams, options: options.node,
                                  seed: options.seed &* 1_000_003 &+ UInt64(i)))
            // Nodes start within the first second, so their heartbeats do not tick in lockstep.
            let offset = Duration.nanoseconds(Int64(rng.next() % 1_000_000_000))
            heap.push(.start(i), at: clock.now + offset)
        }
    }

    /// Connects every node to `degree` others chosen with the network's seed.
    public mutating func connectRandomly(degree: Int) {
        for a in nodes.indices {
            var others = Array(nodes.indices).filter { $0 != a }
            others.shuffle(using: &rng)
            for b in others.prefix(degree) { connect(a, b) }
        }
    }

    public mutating func connect(_ a: Int, _ b: Int) {
        guard a != b, linkLatency[a]?[b] == nil else { return }
        let span = options.latency.upperBound - options.latency.lowerBound
        let spanNs = max(1, span.nanosecondsClamped)
        let latency = options.latency.lowerBound + .nanoseconds(Int64(rng.next() % spanNs))
        linkLatency[a, default: [:]][b] = latency
        linkLatency[b, default: [:]][a] = latency
        apply(a, .peerUp(names[b], .meshsub12, outbound: true, ip: nil))
        apply(b, .peerUp(names[a], .meshsub12, outbound: false, ip: nil))
    }

    public mutating func subscribeAll(_ topic: String) {
        for i in nodes.indices { apply(i, .subscribe(topic)) }
    }

    /// Node `node` publishes `data` on `topic` at `at`.
    public mutating func schedulePublish(_ node: Int, topic: String, data: [UInt8], at: Instant) {
        heap.push(.publish(node, topic: topic, data: data), at: at)
    }

    /// Handles events until `time` (or until nothing is left to do).
    public mutating func run(until time: Instant) {
        while let next = heap.nextTime, next <= time, let (at, event) = heap.pop() {
            clock.advance(to: at)
            dispatch(event)
        }
        clock.advance(to: time)
    }

    public mutating func run(for span: Duration) { run(until: clock.now + span) }

    /// A digest of every event handled (time, node, kind, message id): equal for equal runs.
    public var traceDigest: UInt64 { trace.value }

    /// Messages held in `node`'s log for `topic`, in offset order.
    public func log(_ node: Int, _ topic: String) -> [[UInt8]] { logs[node][topic] ?? [] }

    public func mesh(_ node: Int, _ topic: String) -> Set<String> { nodes[node].router.mesh[topic] ?? [] }

    // MARK: events

    private mutating func dispatch(_ event: Scheduled) {
        switch event {
        case .start(let i):
            apply(i, .start)
        case .rpc(let to, let from, let rpc):
            apply(to, .rpc(from: names[from], rpc))
        case .timer(let i, let timer, let generation):
            // A timer replaced by a later `.setTimer` of its kind does not fire.
            guard timerGeneration[i]?[timer] == generation else { return }
            apply(i, .timerFired(timer))
        case .verdict(let i, let id, let verdict):
            apply(i, .verdict(id: id, verdict, reason: nil))
        case .appended(let i, let id, let local, let answer, let stored):
            apply(i, .appended(id: id, local: local, answer, stored: stored))
        case .publish(let i, let topic, let data):
            apply(i, .publish(topic: topic, data: data))
        }
    }

    private mutating func apply(_ i: Int, _ event: NodeEvent) {
        eventsHandled += 1
        trace.add(clock.now.nanoseconds)
        trace.add(UInt64(i))
        trace.add(Self.kind(event))
        let actions = nodes[i].handle(event, at: clock.now)
        for action in actions { perform(i, action) }
    }

    private mutating func perform(_ i: Int, _ action: NodeAction) {
        switch action {
        case .send(let to, var rpc):
            guard let j = index[to], let latency = linkLatency[i]?[j] else { return }
            rpcsSent += 1
            if options.loss > 0, !rpc.publish.isEmpty {
                let before = rpc.publish.count
                rpc.publish = rpc.publish.filter { _ in Double(rng.next() % 1_000_000) / 1_000_000 >= options.loss }
                messagesLost += before - rpc.publish.count
            }
            let arrival = max(clock.now + latency, linkBusyUntil[i]?[j] ?? clock.now)
            linkBusyUntil[i, default: [:]][j] = arrival
            heap.push(.rpc(to: j, from: i, rpc), at: arrival)
        case .validate(let m):
            trace.add(bytes: m.id)
            heap.push(.verdict(i, id: m.id, judge(m.data)), at: clock.now + options.validationDelay)
        case .append(let j):
            let answer: VerdictPolicy.LogAnswer
            if case .accept = j.verdict, held[i].contains(j.message.id) {
                answer = .alreadyHeld
            } else if case .accept = j.verdict {
                held[i].insert(j.message.id)
                logs[i][j.message.topic, default: []].append(j.message.id)
                answer = .appended(offset: UInt64(logs[i][j.message.topic]!.count - 1))
            } else {
                // Non-accepted records are not kept here; a REJECT's penalty is, as in the store.
                if case .reject(let reason) = j.verdict { penalties.append((i, j.message.from, reason)) }
                answer = .overQuota
            }
            heap.push(.appended(i, id: j.message.id, local: j.local, answer, j.verdict), at: clock.now + options.appendDelay)
        case .deliver(let m, _, _):
            trace.add(bytes: m.id)
            delivered[i].insert(m.id)
        case .penalize(let peer, _, let reason):
            penalties.append((i, peer, reason))
        case .dial(let peers):
            for p in peers { if let j = index[p.description] { connect(i, j) } }
        case .setTimer(let timer, let at):
            let generation = (timerGeneration[i]?[timer] ?? 0) + 1
            timerGeneration[i, default: [:]][timer] = generation
            heap.push(.timer(i, timer, generation: generation), at: at)
        case .refuse:
            break
        case .published(let id, _):
            trace.add(bytes: id)
        case .trace:
            break
        }
    }

    private static func kind(_ e: NodeEvent) -> UInt64 {
        switch e {
        case .start: 1
        case .peerUp: 2
        case .peerDown: 3
        case .rpc: 4
        case .badFrame: 5
        case .timerFired(.heartbeat): 6
        case .timerFired(.validationSweep): 7
        case .verdict: 8
        case .appended: 9
        case .publish: 10
        case .subscribe: 11
        case .unsubscribe: 12
        case .applicationScore: 13
        case .blacklist: 14
        case .listenerAdded: 15
        case .listenerRemoved: 16
        case .historyAppended: 17
        }
    }
}

/// FNV-1a over 64-bit words and bytes: a stable digest (Swift's `Hasher` is seeded per process).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ word: UInt64) {
        var w = word
        for _ in 0..<8 {
            value = (value ^ (w & 0xFF)) &* 0x100_0000_01b3
            w >>= 8
        }
    }

    mutating func add(bytes: [UInt8]) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
    }
}
