import Foundation
import Wire

/// The gossipsub v1.1 router (with v1.2 IDONTWANT) as a state machine: RPCs, peer changes,
/// verdicts and heartbeats go in; RPCs to send, messages to validate and deliver, and penalties
/// come out. No I/O and no clock: `now` is passed in, randomness is seeded.
///
/// The type is split by concern: this file holds the state, peers and the local API (subscribe,
/// publish); `+Receive` incoming RPCs and verdicts; `+Control` IHAVE/IWANT/GRAFT/PRUNE/IDONTWANT;
/// `+Heartbeat` mesh maintenance and gossip emission.
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
        /// Peers offered by a PRUNE (peer exchange), or direct peers that are not connected:
        /// worth dialing.
        case connect([PeerID])
    }

    public enum Verdict: Sendable, Equatable { case accept, ignore, reject(reason: String) }

    struct PeerState {
        var proto: PubsubProtocol
        var outbound: Bool
        var topics: Set<String> = []
        /// IHAVE messages taken from the peer this heartbeat, and ids asked of it (limits).
        var ihaves = 0
        var iasked = 0
        /// IWANT ids served to the peer this heartbeat (limit).
        var iwantServed = 0
        var dontWant: Set<[UInt8]> = []
    }

    /// When a message id was first seen and how many copies each peer sent (to catch repeaters).
    struct Arrival {
        var first: Instant
        var copies: [String: Int] = [:]
    }

    public let localPeer: String
    public let config: GossipsubConfig
    public internal(set) var score: PeerScore
    var peers: [String: PeerState] = [:]
    var topicPeers: [String: Set<String>] = [:]
    public internal(set) var subscriptions: Set<String> = []
    public internal(set) var mesh: [String: Set<String>] = [:]
    /// Keep trace events (`takeTrace`) for go-libp2p-pubsub's tracer format.
    public var tracing = false
    var traceLog: [TraceEvent] = []
    var fanout: [String: Set<String>] = [:]
    var fanoutPublished: [String: Instant] = [:]
    /// Topics we left, and when: a GRAFT for them shortly after is a race, not misbehaviour.
    var left: [String: Instant] = [:]
    var seen: TimeCache<[UInt8]>
    var arrivals: [[UInt8]: Arrival] = [:]
    var mcache: MessageCache<Message>
    var backoff = Backoff()
    var promises: GossipPromises
    var pending: [[UInt8]: (message: Message, from: String)] = [:]
    public internal(set) var blacklist: Set<String> = []
    var rng: SeededGenerator
    var heartbeats = 0
    /// Signs published messages under StrictSign.
    let identity: PrivateKey?
    var nextSeqno: UInt64

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
        self.promises = GossipPromises(followUp: config.iwantFollowupTime)
        self.rng = SeededGenerator(seed: seed)
    }

    public func peers(in topic: String) -> Set<String> { topicPeers[topic] ?? [] }

    func isDirect(_ peer: String) -> Bool { config.directPeers.contains(peer) }

    /// Peers with a pubsub stream up, in a stable order.
    public var connectedPeers: [String] { peers.keys.sorted() }

    /// Outstanding IWANT promises (for tests and metrics).
    public var openPromises: Int { promises.count }

    // MARK: peers

    /// A pubsub stream to or from `peer` is up: tell it our subscriptions. Idempotent: the streams
    /// of both directions call it, and what is known of the peer is kept. `ip` feeds P6.
    public mutating func addPeer(_ peer: String, protocol proto: PubsubProtocol, outbound: Bool, ip: String? = nil) -> [Action] {
        guard !blacklist.contains(peer) else { return [] }
        if peers[peer] == nil {
            peers[peer] = PeerState(proto: proto, outbound: outbound)
            score.addPeer(peer, ip: ip)
            trace(TraceEvent(.addPeer, peer: peer, proto: proto.rawValue))
        }
        var out = Outbox()
        for topic in subscriptions.sorted() { out.subscription(peer, topic: topic, subscribe: true) }
        return out.actions()
    }

    /// A protocol violation seen outside the router (an undecodable RPC): behaviour penalty (P7).
    public mutating func penalizeBehaviour(_ peer: String) { score.addPenalty(peer) }

    /// The application-specific score (P5): the agent sets it from the persisted penalty
    /// history, so a restart does not whitewash a peer.
    public mutating func setApplicationScore(_ peer: String, _ value: Double) { score.setAppScore(peer, value) }

    public mutating func removePeer(_ peer: String, now: Instant) {
        guard let state = peers.removeValue(forKey: peer) else { return }
        trace(TraceEvent(.removePeer, peer: peer))
        for topic in state.topics { topicPeers[topic]?.remove(peer) }
        for topic in Array(mesh.keys) where mesh[topic]!.remove(peer) != nil { score.prune(peer, topic: topic) }
        for topic in Array(fanout.keys) { fanout[topic]?.remove(peer) }
        promises.forget(peer: peer)
        score.removePeer(peer, now: now)
    }

    /// Stops talking to `peer` for good: it is forgotten now, its RPCs and the messages it
    /// authored are dropped from here on.
    public mutating func blacklist(_ peer: String, now: Instant) {
        blacklist.insert(peer)
        removePeer(peer, now: now)
    }

    // MARK: local API

    public mutating func subscribe(_ topic: String, now: Instant) -> [Action] {
        guard subscriptions.insert(topic).inserted else { return [] }
        left[topic] = nil
        var out = Outbox()
        for peer in peers.keys.sorted() { out.subscription(peer, topic: topic, subscribe: true) }
        // Join: fanout peers first, then others, up to D.
        var members = fanout.removeValue(forKey: topic) ?? []
        fanoutPublished[topic] = nil
        members = members.filter { score.score($0, now: now) >= 0 && !isDirect($0) }
        let more = candidates(topic, now: now, excluding: members).prefix(max(0, config.d - members.count))
        members.formUnion(more)
        mesh[topic] = members
        for peer in members.sorted() {
            grafted(peer, topic: topic, now: now)
            out.graft(peer, topic: topic)
        }
        return out.actions()
    }

    public mutating func unsubscribe(_ topic: String, now: Instant) -> [Action] {
        guard subscriptions.remove(topic) != nil else { return [] }
        left[topic] = now
        var out = Outbox()
        for peer in peers.keys.sorted() { out.subscription(peer, topic: topic, subscribe: false) }
        for peer in (mesh.removeValue(forKey: topic) ?? []).sorted() {
            pruned(peer, topic: topic)
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
        let id = config.messageIDFunction(for: m.topic).id(m)
        guard seen.insert(id, now: now) else { return (id, []) }
        arrivals[id] = Arrival(first: now)
        mcache.put(id: id, topic: topic, m)
        let direct = peers(in: topic).filter(isDirect)
        var targets: Set<String>
        if config.floodPublish {
            // Flood publishing: every known subscriber above the publish threshold, so a new
            // message does not depend on the mesh (and an eclipse of it) to get out.
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
        targets.formUnion(direct)
        if mesh[topic] == nil { fanoutPublished[topic] = now }
        var out = Outbox()
        for peer in targets.sorted() { out.publish(peer, m) }
        var actions = out.actions()
        if subscriptions.contains(topic) { actions.append(.deliver(id: id, m, from: localPeer)) }
        return (id, actions)
    }

    /// Peers of `topic` that could join the mesh: speaking a mesh protocol, not direct, not
    /// backed off, with at least `minScore`; shuffled.
    mutating func candidates(_ topic: String, now: Instant, excluding: Set<String>, minScore: Double = 0) -> [String] {
        var list = peers(in: topic).subtracting(excluding).filter { peer in
            peers[peer]?.proto.supportsMesh == true && !isDirect(peer) && !backoff.isBackedOff(topic: topic, peer: peer, now: now)
                && score.score(peer, now: now) >= minScore
        }.sorted()
        list.shuffle(using: &rng)
        return list
    }
}
