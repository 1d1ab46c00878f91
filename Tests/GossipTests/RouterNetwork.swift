import Foundation
import Core
import Gossip
import TestSupport
import Wire

/// Routers wired together in memory with a manual clock: what one sends, the other receives on
/// the next `run()`. Validation answers ACCEPT, or REJECT for data starting with "bad".
struct RouterNetwork {
    var clock = ManualClock()
    var routers: [String: GossipsubRouter] = [:]
    var names: [String] = []
    var links: Set<[String]> = []
    var cut: Set<String> = []
    var delivered: [String: [[UInt8]]] = [:]
    var penalties: [(peer: String, by: String, reason: String)] = []
    /// Every RPC sent, in order (also those to unlinked or cut peers).
    var sent: [(from: String, to: String, rpc: GossipsubRouter.RPC)] = []
    /// Peers each router asked to dial (peer exchange, direct peers).
    var dialRequests: [String: [String]] = [:]
    var queue: [(from: String, to: String, rpc: GossipsubRouter.RPC)] = []
    var sentMessages = 0

    /// `configure` may tune each node's config (by index and the names of all nodes).
    init(count: Int, config: GossipsubConfig = GossipsubConfig(), scoreParams: PeerScoreParams = RouterNetwork.defaultScore,
         configure: (Int, [String], inout GossipsubConfig) -> Void = { _, _, _ in }) {
        names = (0..<count).map { RouterNetwork.name($0) }
        for (i, name) in names.enumerated() {
            var c = config
            configure(i, names, &c)
            routers[name] = GossipsubRouter(localPeer: name, config: c, scoreParams: scoreParams, seed: UInt64(i + 1))
        }
    }

    static func name(_ i: Int) -> String {
        try! PrivateKey(seed: [UInt8](repeating: UInt8(i + 1), count: 32)).peerID.description
    }

    /// Topic "t" scored with the defaults; behaviour penalties count from the first one.
    static var defaultScore: PeerScoreParams {
        var p = PeerScoreParams()
        p.topics["t"] = TopicScoreParams()
        p.behaviourPenaltyThreshold = 0
        return p
    }

    mutating func connect(_ a: String, _ b: String, ip: (String, String)? = nil) {
        guard a != b, !links.contains([a, b].sorted()) else { return }
        links.insert([a, b].sorted())
        handle(a, routers[a]!.addPeer(b, protocol: .meshsub12, outbound: true, ip: ip?.1))
        handle(b, routers[b]!.addPeer(a, protocol: .meshsub12, outbound: false, ip: ip?.0))
    }

    /// Each router dials `degree` others chosen with a seeded generator.
    mutating func connectRandomly(degree: Int, seed: UInt64 = 7) {
        var rng = SeededGenerator(seed: seed)
        for a in names {
            for b in names.shuffled(using: &rng).prefix(degree) { connect(a, b) }
        }
    }

    mutating func connectAll() {
        for a in names { for b in names { connect(a, b) } }
    }

    mutating func subscribeAll(_ topic: String) {
        for n in names { handle(n, routers[n]!.subscribe(topic, now: clock.now)) }
        run()
    }

    mutating func publish(_ from: String, _ topic: String, _ data: [UInt8]) -> [UInt8] {
        let (id, actions) = routers[from]!.publish(topic, data: data, now: clock.now)
        handle(from, actions)
        return id
    }

    mutating func heartbeat(_ times: Int = 1, every interval: Duration = .seconds(1)) {
        for _ in 0..<times {
            clock.advance(interval)
            for n in names { handle(n, routers[n]!.heartbeat(now: clock.now)) }
            run()
        }
    }

    /// `to` receives `rpc` as if `from` had sent it (a misbehaving or scripted peer).
    mutating func inject(_ rpc: GossipsubRouter.RPC, from: String, to: String) {
        handle(to, routers[to]!.handleRPC(from: from, rpc, now: clock.now))
    }

    /// Delivers queued RPCs until the network is quiet.
    mutating func run() {
        while !queue.isEmpty {
            let (from, to, rpc) = queue.removeFirst()
            guard !cut.contains(from), !cut.contains(to) else { continue }
            handle(to, routers[to]!.handleRPC(from: from, rpc, now: clock.now))
        }
    }

    mutating func handle(_ node: String, _ actions: [GossipsubRouter.Action]) {
        for action in actions {
            switch action {
            case .send(let to, let rpc):
                sentMessages += rpc.publish.count
                sent.append((node, to, rpc))
                if links.contains([node, to].sorted()) { queue.append((node, to, rpc)) }
            case .validate(let id, let m, _):
                let verdict: GossipsubRouter.Verdict = m.data.starts(with: Array("bad".utf8)) ? .reject(reason: "bad_signature") : .accept
                handle(node, routers[node]!.validationResult(id, verdict, now: clock.now))
            case .deliver(let id, _, _):
                delivered[node, default: []].append(id)
            case .penalize(let peer, _, let reason):
                penalties.append((peer, node, reason))
            case .connect(let peers):
                dialRequests[node, default: []] += peers.map(\.description)
            }
        }
    }

    func received(_ id: [UInt8]) -> [String] { names.filter { delivered[$0]?.contains(id) == true } }

    func score(of peer: String, at node: String) -> Double { routers[node]!.score.score(peer, now: clock.now) }

    func mesh(_ node: String, _ topic: String = "t") -> Set<String> { routers[node]!.mesh[topic] ?? [] }

    /// RPCs `from` sent `to` since index `since` of `sent`.
    func rpcs(from: String, to: String, since: Int = 0) -> [GossipsubRouter.RPC] {
        sent[since...].filter { $0.from == from && $0.to == to }.map(\.rpc)
    }

    func penalized(_ peer: String, by node: String, _ prefix: String) -> Bool {
        penalties.contains { $0.peer == peer && $0.by == node && $0.reason.hasPrefix(prefix) }
    }
}

extension GossipsubRouter.RPC {
    var grafts: [String] { control.graft.map(\.topicID) }
    var prunes: [String] { control.prune.map(\.topicID) }
}
