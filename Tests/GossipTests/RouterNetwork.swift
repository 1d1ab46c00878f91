import Foundation
import Gossip
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
    var penalties: [(peer: String, reason: String)] = []
    var queue: [(from: String, to: String, rpc: GossipsubRouter.RPC)] = []
    var sentMessages = 0

    init(count: Int, config: GossipsubConfig = GossipsubConfig(), scoreParams: PeerScoreParams = RouterNetwork.defaultScore) {
        for i in 0..<count {
            let name = try! PrivateKey(seed: [UInt8](repeating: UInt8(i + 1), count: 32)).peerID.description
            names.append(name)
            routers[name] = GossipsubRouter(localPeer: name, config: config, scoreParams: scoreParams, seed: UInt64(i + 1))
        }
    }

    static var defaultScore: PeerScoreParams {
        var p = PeerScoreParams()
        p.topics["t"] = TopicScoreParams()
        return p
    }

    mutating func connect(_ a: String, _ b: String) {
        guard a != b, !links.contains([a, b].sorted()) else { return }
        links.insert([a, b].sorted())
        handle(a, routers[a]!.addPeer(b, protocol: .meshsub12, outbound: true))
        handle(b, routers[b]!.addPeer(a, protocol: .meshsub12, outbound: false))
    }

    /// Each router dials `degree` others chosen with a seeded generator.
    mutating func connectRandomly(degree: Int, seed: UInt64 = 7) {
        var rng = SeededGenerator(seed: seed)
        for a in names {
            for b in names.shuffled(using: &rng).prefix(degree) { connect(a, b) }
        }
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

    mutating func heartbeat(_ times: Int = 1) {
        for _ in 0..<times {
            clock.advance(.seconds(1))
            for n in names { handle(n, routers[n]!.heartbeat(now: clock.now)) }
            run()
        }
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
                if links.contains([node, to].sorted()) { queue.append((node, to, rpc)) }
            case .validate(let id, let m, _):
                let verdict: GossipsubRouter.Verdict = m.data.starts(with: Array("bad".utf8)) ? .reject(reason: "bad_signature") : .accept
                handle(node, routers[node]!.validationResult(id, verdict, now: clock.now))
            case .deliver(let id, _, _):
                delivered[node, default: []].append(id)
            case .penalize(let peer, _, let reason):
                penalties.append((peer, reason))
            case .connect:
                break
            }
        }
    }

    func received(_ id: [UInt8]) -> [String] { names.filter { delivered[$0]?.contains(id) == true } }
}
