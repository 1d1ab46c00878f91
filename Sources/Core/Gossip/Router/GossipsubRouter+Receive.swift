import Foundation
import Wire

/// Incoming RPCs (subscriptions and messages) and validation verdicts.
extension GossipsubRouter {
    public mutating func handleRPC(from peer: String, _ rpc: RPC, now: Instant) -> [Action] {
        guard peers[peer] != nil, !blacklist.contains(peer) else {
            for m in rpc.publish where tracing && blacklist.contains(peer) {
                trace(TraceEvent(.rejectMessage, peer: peer, messageID: config.messageIDFunction(for: m.topic).id(m), topic: m.topic,
                                 reason: TraceEvent.RejectReason.blacklistedPeer))
            }
            return []
        }
        // Graylisted peers are not listened to at all; direct peers always are.
        guard isDirect(peer) || score.score(peer, now: now) >= config.thresholds.graylistThreshold else { return [] }
        if let spam = applySubscriptions(rpc.subscriptions, from: peer, now: now) {
            score.addPenalty(peer)
            return [.penalize(peer: peer, topic: "", reason: spam)]
        }
        var out = Outbox()
        var actions: [Action] = []
        for m in rpc.publish { actions += receive(m, from: peer, now: now, out: &out) }
        if rpc.hasControl { actions += handleControl(rpc.control, from: peer, now: now, out: &out) }
        return out.actions() + actions
    }

    /// Takes note of a peer's subscription changes through the subscription filter. Returns why
    /// the RPC is spam (and then changes nothing), or nil.
    private mutating func applySubscriptions(_ subs: [RPC.SubOpts], from peer: String, now: Instant) -> String? {
        guard !subs.isEmpty else { return nil }
        let filter = config.subscriptionFilter
        if subs.count > filter.maxSubscriptionsPerRPC {
            return "subscription_spam: \(subs.count) subscriptions in one RPC (limit \(filter.maxSubscriptionsPerRPC))"
        }
        let wanted = subs.filter { $0.hasTopicid && filter.allows($0.topicid) }
        let current = peers[peer]!.topics
        let added = Set(wanted.filter(\.subscribe).map(\.topicid)).subtracting(current)
        if current.count + added.count > filter.maxTopicsPerPeer {
            return "subscription_spam: more than \(filter.maxTopicsPerPeer) topics"
        }
        for sub in wanted {
            let topic = sub.topicid
            if sub.subscribe {
                peers[peer]!.topics.insert(topic)
                topicPeers[topic, default: []].insert(peer)
            } else {
                peers[peer]!.topics.remove(topic)
                topicPeers[topic]?.remove(peer)
                if mesh[topic]?.remove(peer) != nil { pruned(peer, topic: topic) }
                fanout[topic]?.remove(peer)
            }
        }
        return nil
    }

    private mutating func receive(_ m: Message, from peer: String, now: Instant, out: inout Outbox) -> [Action] {
        guard m.hasTopic, subscriptions.contains(m.topic) else { return [] }
        let id = config.messageIDFunction(for: m.topic).id(m)
        if !seen.insert(id, now: now) { return duplicate(id, topic: m.topic, from: peer, now: now) }
        arrivals[id] = Arrival(first: now)
        if let violation = config.signPolicy.violation(m) {
            trace(TraceEvent(.rejectMessage, peer: peer, messageID: id, topic: m.topic, reason: Self.traceReason(signing: m, config.signPolicy)))
            score.invalidDelivery(peer, topic: m.topic)
            return [.penalize(peer: peer, topic: m.topic, reason: violation)]
        }
        // Whoever brought it, the IWANT promises for this message are kept.
        promises.fulfill(id)
        if m.hasFrom, let author = try? PeerID(bytes: Array(m.from)), blacklist.contains(author.description) {
            trace(TraceEvent(.rejectMessage, peer: peer, messageID: id, topic: m.topic, reason: TraceEvent.RejectReason.blacklistedSource))
            return []
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

    /// A copy of a message already seen: counts for P3 if it came soon enough. An honest peer
    /// sends a message once and answers at most `gossipRetransmission` IWANTs for it, so more
    /// copies than that from one peer is a repeater: behaviour penalty for each extra copy.
    private mutating func duplicate(_ id: [UInt8], topic: String, from peer: String, now: Instant) -> [Action] {
        trace(TraceEvent(.duplicateMessage, peer: peer, messageID: id, topic: topic))
        guard var arrival = arrivals[id] else { return [] }
        score.duplicateDelivery(peer, topic: topic, sinceFirst: now.since(arrival.first))
        let copies = arrival.copies[peer, default: 0] + 1
        arrival.copies[peer] = copies
        arrivals[id] = arrival
        guard copies > config.gossipRetransmission + 1 else { return [] }
        score.addPenalty(peer)
        // One line in the penalty history per repeated message, at the first extra copy.
        guard copies == config.gossipRetransmission + 2 else { return [] }
        return [.penalize(peer: peer, topic: topic, reason: "repeated_message: the same message \(copies) times")]
    }

    /// go-libp2p-pubsub's reason for a message its signing policy refuses.
    static func traceReason(signing m: Message, _ policy: SignPolicy) -> String {
        switch policy {
        case .strictNoSign: m.hasSignature ? TraceEvent.RejectReason.unexpectedSignature : TraceEvent.RejectReason.unexpectedAuthInfo
        case .strictSign: m.hasSignature ? TraceEvent.RejectReason.invalidSignature : TraceEvent.RejectReason.missingSignature
        }
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
            let targets = (mesh[m.topic] ?? []).union(peers(in: m.topic).filter { peers[$0]?.proto == .floodsub || isDirect($0) })
            // Not back to whoever sent it, nor to its author.
            let author = m.hasFrom ? (try? PeerID(bytes: Array(m.from)))?.description : nil
            for peer in targets.sorted() where peer != from && peer != author && !(peers[peer]?.dontWant.contains(id) ?? false) {
                out.publish(peer, m)
            }
            return out.actions() + [.deliver(id: id, m, from: from)]
        }
    }
}
