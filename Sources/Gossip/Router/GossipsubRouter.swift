import Foundation
import Wire

/// The gossipsub v1.1 router (with v1.2 IDONTWANT) as a state machine: RPCs, peer changes,
/// verdicts and heartbeats go in; RPCs to send, messages to validate and deliver, and penalties
/// come out. No I/O and no clock: `now` is passed in, randomness is seeded.
///
/// Signing policy (`config.signPolicy`): StrictNoSign (the Go p2pmq default) rejects messages with
/// author fields; StrictSign requires and checks them, and signs what this router publishes.
public struct GossipsubRouter: Sendable {
    public typealias RPC = P2pmq_Libp2p_Pubsub_RPC
    public typealias Message = P2pmq_Libp2p_Pubsub_Message

    public enum Action: Sendable {
        case send(to: String, RPC)
        /// Ask the validator; answer with `validationResult`.
        case validate(id: [UInt8], Message, from: String)
        /// An accepted message for local subscribers.
        case deliver(id: [UInt8], Message, from: String)
        /// The peer lost score; `reason` is for the penalty history.
        case penalize(peer: String, topic: String, reason: String)
        /// Peers offered by a PRUNE (peer exchange) worth dialing.
        case connect([PeerID])
    }

    public enum Verdict: Sendable { case accept, ignore, reject(reason: String) }

    struct PeerState {
        var proto: PubsubProtocol
        var outbound: Bool
        var topics: Set<String> = []
        var ihavesThisHeartbeat = 0
        var dontWant: Set<[UInt8]> = []
    }

    public let localPeer: String
    public let config: GossipsubConfig
    public private(set) var score: PeerScore
    private var peers: [String: PeerState] = [:]
    private var topicPeers: [String: Set<String>] = [:]
    public private(set) var subscriptions: Set<String> = []
    public private(set) var mesh: [String: Set<String>] = [:]
    private var fanout: [String: Set<String>] = [:]
    private var fanoutPublished: [String: Instant] = [:]
    private var seen: TimeCache<[UInt8]>
    private var firstSeen: [[UInt8]: Instant] = [:]
    private var mcache: MessageCache<Message>
    private var backoff = Backoff()
    private var pending: [[UInt8]: (message: Message, from: String)] = [:]
    private var rng: SeededGenerator
    private var heartbeats = 0
    /// Signs published messages under StrictSign.
    private let identity: PrivateKey?
    private var nextSeqno: UInt64

    public init(
        localPeer: String, config: GossipsubConfig = GossipsubConfig(), scoreParams: PeerScoreParams = PeerScoreParams(),
        seed: UInt64 = 1, identity: PrivateKey? = nil
    ) {
        self.localPeer = localPeer
        self.identity = identity
        // Seqnos start at a random point, as go-libp2p's do, so a restart does not reuse them.
        var seedRng = SeededGenerator(seed: seed ^ 0x5EED)
        self.nextSeqno = seedRng.next() >> 1
        self.config = config
        self.score = PeerScore(params: scoreParams)
        self.seen = TimeCache(ttl: config.seenTTL)
        self.mcache = MessageCache(historyLength: config.historyLength, gossipLength: config.historyGossip)
        self.rng = SeededGenerator(seed: seed)
    }

    public func peers(in topic: String) -> Set<String> { topicPeers[topic] ?? [] }

    // MARK: peers

    /// A pubsub stream to or from `peer` is up: tell it our subscriptions. Idempotent: the streams
    /// of both directions call it, and what is known of the peer is kept.
    public mutating func addPeer(_ peer: String, protocol proto: PubsubProtocol, outbound: Bool, ip: String? = nil) -> [Action] {
        if peers[peer] == nil {
            peers[peer] = PeerState(proto: proto, outbound: outbound)
            score.addPeer(peer, ip: ip)
        }
        var out = Outbox()
        for topic in subscriptions.sorted() { out.subscription(peer, topic: topic, subscribe: true) }
        return out.actions()
    }

    /// A protocol violation seen outside the router (an undecodable RPC): behaviour penalty (P7).
    public mutating func penalizeBehaviour(_ peer: String) { score.addPenalty(peer) }

    public mutating func removePeer(_ peer: String, now: Instant) {
        guard let state = peers.removeValue(forKey: peer) else { return }
        for topic in state.topics { topicPeers[topic]?.remove(peer) }
        for topic in Array(mesh.keys) where mesh[topic]!.remove(peer) != nil { score.prune(peer, topic: topic) }
        for topic in Array(fanout.keys) { fanout[topic]?.remove(peer) }
        score.removePeer(peer, now: now)
    }

    // MARK: local API

    public mutating func subscribe(_ topic: String, now: Instant) -> [Action] {
        guard subscriptions.insert(topic).inserted else { return [] }
        var out = Outbox()
        for peer in peers.keys.sorted() { out.subscription(peer, topic: topic, subscribe: true) }
        // Join: fanout peers first, then others, up to D.
        var members = fanout.removeValue(forKey: topic) ?? []
        fanoutPublished[topic] = nil
        members = members.filter { score.score($0, now: now) >= 0 }
        let more = candidates(topic, now: now, excluding: members).prefix(max(0, config.d - members.count))
        members.formUnion(more)
        mesh[topic] = members
        for peer in members.sorted() {
            score.graft(peer, topic: topic, now: now)
            out.graft(peer, topic: topic)
        }
        return out.actions()
    }

    public mutating func unsubscribe(_ topic: String, now: Instant) -> [Action] {
        guard subscriptions.remove(topic) != nil else { return [] }
        var out = Outbox()
        for peer in peers.keys.sorted() { out.subscription(peer, topic: topic, subscribe: false) }
        for peer in (mesh.removeValue(forKey: topic) ?? []).sorted() {
            score.prune(peer, topic: topic)
            backoff.set(topic: topic, peer: peer, for: config.unsubscribeBackoff, now: now)
            out.prune(peer, topic: topic, backoff: config.unsubscribeBackoff, px: [])
        }
        return out.actions()
    }

    /// Publishes `data` on `topic`. Returns the message id and what to send.
    public mutating func publish(_ topic: String, data: [UInt8], now: Instant) -> (id: [UInt8], actions: [Action]) {
        var m = Message()
        m.topic = topic
        m.data = Data(data)
        if config.signPolicy == .strictSign, let identity {
            nextSeqno &+= 1
            m.seqno = Data(withUnsafeBytes(of: nextSeqno.bigEndian, Array.init))
            MessageSigning.sign(&m, with: identity)
        }
        let id = config.messageIDFunction.id(m)
        guard seen.insert(id, now: now) else { return (id, []) }
        firstSeen[id] = now
        mcache.put(id: id, topic: topic, m)
        var targets: Set<String>
        if config.floodPublish {
            targets = peers(in: topic).filter { score.score($0, now: now) >= config.thresholds.publishThreshold }
        } else if let members = mesh[topic] {
            targets = members
        } else {
            var members = fanout[topic] ?? []
            if members.count < config.d {
                members.formUnion(candidates(topic, now: now, excluding: members, minScore: config.thresholds.publishThreshold)
                    .prefix(config.d - members.count))
            }
            fanout[topic] = members
            targets = members
        }
        if !config.floodPublish || mesh[topic] == nil { fanoutPublished[topic] = now }
        var out = Outbox()
        for peer in targets.sorted() { out.publish(peer, m) }
        var actions = out.actions()
        if subscriptions.contains(topic) { actions.append(.deliver(id: id, m, from: localPeer)) }
        return (id, actions)
    }

    // MARK: input

    public mutating func handleRPC(from peer: String, _ rpc: RPC, now: Instant) -> [Action] {
        guard peers[peer] != nil else { return [] }
        // Graylisted peers are not listened to at all.
        guard score.score(peer, now: now) >= config.thresholds.graylistThreshold else { return [] }
        var out = Outbox()
        var actions: [Action] = []
        for sub in rpc.subscriptions where sub.hasTopicid {
            let topic = sub.topicid
            if sub.subscribe {
                peers[peer]!.topics.insert(topic)
                topicPeers[topic, default: []].insert(peer)
            } else {
                peers[peer]!.topics.remove(topic)
                topicPeers[topic]?.remove(peer)
                if mesh[topic]?.remove(peer) != nil { score.prune(peer, topic: topic) }
                fanout[topic]?.remove(peer)
            }
        }
        for m in rpc.publish { actions += receive(m, from: peer, now: now, out: &out) }
        if rpc.hasControl { actions += handleControl(rpc.control, from: peer, now: now, out: &out) }
        return out.actions() + actions
    }

    private mutating func receive(_ m: Message, from peer: String, now: Instant, out: inout Outbox) -> [Action] {
        guard m.hasTopic, subscriptions.contains(m.topic) else { return [] }
        let id = config.messageIDFunction.id(m)
        if !seen.insert(id, now: now) {
            score.duplicateDelivery(peer, topic: m.topic, sinceFirst: now.since(firstSeen[id] ?? now))
            return []
        }
        firstSeen[id] = now
        if let violation = config.signPolicy.violation(m) {
            score.invalidDelivery(peer, topic: m.topic)
            return [.penalize(peer: peer, topic: m.topic, reason: violation)]
        }
        // v1.2: tell mesh peers not to send us a large message we already have.
        if m.data.count >= config.idontwantThreshold {
            for other in (mesh[m.topic] ?? []).sorted() where other != peer && peers[other]?.proto.supportsIDontWant == true {
                out.idontwant(other, ids: [id])
            }
        }
        pending[id] = (m, peer)
        return [.validate(id: id, m, from: peer)]
    }

    /// The validator's answer for a message handed out with `.validate`.
    public mutating func validationResult(_ id: [UInt8], _ verdict: Verdict, now: Instant) -> [Action] {
        guard let (m, from) = pending.removeValue(forKey: id) else { return [] }
        switch verdict {
        case .ignore:
            return []
        case .reject(let reason):
            score.invalidDelivery(from, topic: m.topic)
            return [.penalize(peer: from, topic: m.topic, reason: reason)]
        case .accept:
            score.firstDelivery(from, topic: m.topic)
            mcache.put(id: id, topic: m.topic, m)
            var out = Outbox()
            let targets = (mesh[m.topic] ?? []).union(peers(in: m.topic).filter { peers[$0]?.proto == .floodsub })
            for peer in targets.sorted() where peer != from && !(peers[peer]?.dontWant.contains(id) ?? false) {
                out.publish(peer, m)
            }
            return out.actions() + [.deliver(id: id, m, from: from)]
        }
    }

    private mutating func handleControl(_ c: P2pmq_Libp2p_Pubsub_ControlMessage, from peer: String, now: Instant, out: inout Outbox) -> [Action] {
        var actions: [Action] = []
        let peerScore = score.score(peer, now: now)
        // IHAVE: ask for what we miss, within limits; ignored below the gossip threshold.
        if peerScore >= config.thresholds.gossipThreshold {
            var wanted: [[UInt8]] = []
            for ihave in c.ihave {
                guard peers[peer]!.ihavesThisHeartbeat < config.maxIHaveMessages else { break }
                peers[peer]!.ihavesThisHeartbeat += 1
                guard subscriptions.contains(ihave.topicID) else { continue }
                for raw in ihave.messageIds where wanted.count < config.maxIHaveLength {
                    let id = Array(raw)
                    if !seen.contains(id, now: now), !wanted.contains(id) { wanted.append(id) }
                }
            }
            if !wanted.isEmpty { out.iwant(peer, ids: wanted) }
            // IWANT: serve from the message cache, each message at most gossipRetransmission times.
            for iwant in c.iwant {
                for raw in iwant.messageIds.prefix(config.maxIHaveLength) {
                    if let (m, _) = mcache.getForPeer(Array(raw), peer: peer, limit: config.gossipRetransmission) {
                        out.publish(peer, m)
                    }
                }
            }
        }
        for g in c.graft {
            let topic = g.topicID
            guard subscriptions.contains(topic) else {
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: [])
                continue
            }
            if mesh[topic]?.contains(peer) == true { continue }
            if backoff.isBackedOff(topic: topic, peer: peer, now: now) {
                score.addPenalty(peer)
                actions.append(.penalize(peer: peer, topic: topic, reason: "graft_during_backoff"))
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: [])
                continue
            }
            if peerScore < 0 || (mesh[topic]?.count ?? 0) >= config.dHigh && !(peers[peer]?.outbound ?? false) {
                backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: peerExchange(topic, for: peer, now: now))
                continue
            }
            mesh[topic, default: []].insert(peer)
            score.graft(peer, topic: topic, now: now)
        }
        for p in c.prune {
            let topic = p.topicID
            if mesh[topic]?.remove(peer) != nil { score.prune(peer, topic: topic) }
            let seconds = p.hasBackoff ? Duration.seconds(Int64(clamping: p.backoff)) : config.pruneBackoff
            backoff.set(topic: topic, peer: peer, for: seconds, now: now)
            if !p.peers.isEmpty, peerScore >= config.thresholds.acceptPXThreshold {
                let offered = p.peers.prefix(config.maxPeersInPrune).compactMap { try? PeerID(bytes: Array($0.peerID)) }
                if !offered.isEmpty { actions.append(.connect(offered)) }
            }
        }
        for d in c.idontwant {
            for raw in d.messageIds.prefix(config.maxIHaveLength) { peers[peer]!.dontWant.insert(Array(raw)) }
        }
        return actions
    }

    // MARK: heartbeat

    public mutating func heartbeat(now: Instant) -> [Action] {
        heartbeats += 1
        score.decay(now: now)
        var out = Outbox()
        for topic in mesh.keys.sorted() {
            var members = mesh[topic]!
            // Drop peers with a negative score.
            for peer in members.sorted() where score.score(peer, now: now) < 0 {
                members.remove(peer)
                score.prune(peer, topic: topic)
                backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: [])
            }
            if members.count < config.dLow {
                for peer in candidates(topic, now: now, excluding: members).prefix(config.d - members.count) {
                    members.insert(peer)
                    score.graft(peer, topic: topic, now: now)
                    out.graft(peer, topic: topic)
                }
            }
            if members.count > config.dHigh {
                // Keep the Dscore best, then random others up to D, with at least Dout outbound.
                let byScore = members.sorted { score.score($0, now: now) > score.score($1, now: now) || ($0 < $1 && score.score($0, now: now) == score.score($1, now: now)) }
                var keep = Set(byScore.prefix(config.dScore))
                var rest = Array(byScore.dropFirst(config.dScore))
                rest.shuffle(using: &rng)
                keep.formUnion(rest.prefix(config.d - keep.count))
                let outbound = keep.filter { peers[$0]?.outbound == true }.count
                if outbound < config.dOut {
                    let extra = members.subtracting(keep).filter { peers[$0]?.outbound == true }.sorted().prefix(config.dOut - outbound)
                    let removable = keep.filter { peers[$0]?.outbound != true }.sorted().prefix(extra.count)
                    keep.subtract(removable)
                    keep.formUnion(extra)
                }
                for peer in members.subtracting(keep).sorted() {
                    score.prune(peer, topic: topic)
                    backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
                    out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: peerExchange(topic, for: peer, now: now))
                }
                members = keep
            }
            mesh[topic] = members
        }
        // Fanout: forget topics not published to for fanoutTTL.
        for topic in fanout.keys.sorted() {
            if let last = fanoutPublished[topic], now.since(last) > config.fanoutTTL {
                fanout[topic] = nil
                fanoutPublished[topic] = nil
            }
        }
        emitGossip(now: now, out: &out)
        mcache.shift()
        backoff.sweep(now)
        for peer in peers.keys {
            peers[peer]!.ihavesThisHeartbeat = 0
            peers[peer]!.dontWant.removeAll()
        }
        firstSeen = firstSeen.filter { now.since($0.value) < config.seenTTL }
        return out.actions()
    }

    /// IHAVE to Dlazy (or gossipFactor of) the topic's peers outside the mesh.
    private mutating func emitGossip(now: Instant, out: inout Outbox) {
        for topic in Set(mesh.keys).union(fanout.keys).sorted() {
            var ids = mcache.gossipIDs(topic: topic)
            guard !ids.isEmpty else { continue }
            let inMesh = (mesh[topic] ?? []).union(fanout[topic] ?? [])
            var others = peers(in: topic).subtracting(inMesh)
                .filter { score.score($0, now: now) >= config.thresholds.gossipThreshold && peers[$0]?.proto.supportsMesh == true }
                .sorted()
            others.shuffle(using: &rng)
            let count = max(config.dLazy, Int(config.gossipFactor * Double(others.count)))
            if ids.count > config.maxIHaveLength {
                ids.shuffle(using: &rng)
                ids = Array(ids.prefix(config.maxIHaveLength))
            }
            for peer in others.prefix(count) { out.ihave(peer, topic: topic, ids: ids) }
        }
    }

    /// Peers of `topic` with a non-negative score that could join the mesh, shuffled.
    private mutating func candidates(_ topic: String, now: Instant, excluding: Set<String>, minScore: Double = 0) -> [String] {
        var list = peers(in: topic).subtracting(excluding).filter { peer in
            peers[peer]?.proto.supportsMesh == true && !backoff.isBackedOff(topic: topic, peer: peer, now: now)
                && score.score(peer, now: now) >= minScore
        }.sorted()
        list.shuffle(using: &rng)
        return list
    }

    /// Peer exchange for a pruned peer: other mesh members with a non-negative score, as binary
    /// peer ids (router peers are named by their peer id text).
    private func peerExchange(_ topic: String, for peer: String, now: Instant) -> [[UInt8]] {
        guard peers[peer]?.proto.supportsPX == true else { return [] }
        return (mesh[topic] ?? []).filter { $0 != peer && score.score($0, now: now) >= 0 }.sorted()
            .prefix(config.maxPeersInPrune).compactMap { try? PeerID($0).bytes }
    }
}

/// A small seeded random generator (SplitMix64), so that router runs, demo logs and tests are
/// reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
