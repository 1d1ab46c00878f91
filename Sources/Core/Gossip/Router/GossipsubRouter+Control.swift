import Foundation
import Wire

/// Control messages: IHAVE/IWANT (gossip, with per-heartbeat limits and IWANT promises),
/// GRAFT/PRUNE (mesh membership, backoff, peer exchange) and IDONTWANT (v1.2).
extension GossipsubRouter {
    mutating func handleControl(_ c: P2pmq_Libp2p_Pubsub_ControlMessage, from peer: String, now: Instant, out: inout Outbox) -> [Action] {
        let peerScore = score.score(peer, now: now)
        var actions: [Action] = []
        // Gossip to and from peers below the gossip threshold is ignored.
        if peerScore >= config.thresholds.gossipThreshold {
            actions += handleIHave(c.ihave, from: peer, now: now, out: &out)
            actions += handleIWant(c.iwant, from: peer, out: &out)
        }
        actions += handleGraft(c.graft, from: peer, score: peerScore, now: now, out: &out)
        actions += handlePrune(c.prune, from: peer, score: peerScore, now: now)
        for d in c.idontwant {
            for raw in d.messageIds where peers[peer]!.dontWant.count < config.maxIHaveLength {
                peers[peer]!.dontWant.insert(Array(raw))
            }
        }
        return actions
    }

    /// Asks for advertised messages we lack: at most `maxIHaveMessages` IHAVEs and
    /// `maxIHaveLength` ids per peer and heartbeat. One asked id becomes a promise (P7 if broken).
    private mutating func handleIHave(_ ihaves: [P2pmq_Libp2p_Pubsub_ControlIHave], from peer: String, now: Instant, out: inout Outbox) -> [Action] {
        var wanted: [[UInt8]] = []
        var wantedSet: Set<[UInt8]> = []
        var actions: [Action] = []
        for ihave in ihaves {
            peers[peer]!.ihaves += 1
            if peers[peer]!.ihaves > config.maxIHaveMessages {
                // Flooding with IHAVE: penalized once per heartbeat, the rest ignored.
                if peers[peer]!.ihaves == config.maxIHaveMessages + 1 {
                    score.addPenalty(peer)
                    actions.append(.penalize(peer: peer, topic: ihave.topicID,
                                             reason: "ihave_flood: more than \(config.maxIHaveMessages) IHAVE in one heartbeat"))
                }
                break
            }
            guard subscriptions.contains(ihave.topicID) else { continue }
            for raw in ihave.messageIds {
                guard peers[peer]!.iasked < config.maxIHaveLength else { break }
                let id = Array(raw)
                if !seen.contains(id, now: now), wantedSet.insert(id).inserted {
                    wanted.append(id)
                    peers[peer]!.iasked += 1
                }
            }
        }
        if !wanted.isEmpty {
            out.iwant(peer, ids: wanted)
            promises.add(wanted.randomElement(using: &rng)!, from: peer, now: now)
        }
        return actions
    }

    /// Serves IWANTs from the message cache: each message at most `gossipRetransmission` times
    /// to one peer, at most `maxIHaveLength` messages per peer and heartbeat. Asking beyond
    /// either limit is an IWANT flood: penalized once per RPC.
    private mutating func handleIWant(_ iwants: [P2pmq_Libp2p_Pubsub_ControlIWant], from peer: String, out: inout Outbox) -> [Action] {
        var flood = false
        outer: for iwant in iwants {
            for raw in iwant.messageIds {
                guard peers[peer]!.iwantServed < config.maxIHaveLength else {
                    flood = true
                    break outer
                }
                switch mcache.getForPeer(Array(raw), peer: peer, limit: config.gossipRetransmission) {
                case .found(let m, _):
                    peers[peer]!.iwantServed += 1
                    out.publish(peer, m)
                case .overLimit:
                    flood = true
                case .notFound:
                    continue
                }
            }
        }
        guard flood else { return [] }
        score.addPenalty(peer)
        return [.penalize(peer: peer, topic: "", reason: "iwant_flood: asked past the retransmission or per-heartbeat limit")]
    }

    private mutating func handleGraft(_ grafts: [P2pmq_Libp2p_Pubsub_ControlGraft], from peer: String, score peerScore: Double,
                                      now: Instant, out: inout Outbox) -> [Action] {
        var actions: [Action] = []
        for g in grafts {
            let topic = g.topicID
            guard subscriptions.contains(topic) else {
                // Ignored, and without PRUNE so as not to leak peers (go-libp2p-pubsub does the
                // same). A GRAFT for a topic we never announced, or left long ago, is misbehaviour.
                if left[topic].map({ now.since($0) < config.pruneBackoff }) != true {
                    score.addPenalty(peer)
                    actions.append(.penalize(peer: peer, topic: topic, reason: "graft_unknown_topic"))
                }
                continue
            }
            if mesh[topic]?.contains(peer) == true { continue }
            if isDirect(peer) {
                // Direct peers are never in the mesh; they should know (both sides configure it).
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: [])
                continue
            }
            if let expiry = backoff.expiry(topic: topic, peer: peer), now < expiry {
                score.addPenalty(peer)
                var reason = "graft_during_backoff"
                // Right after the PRUNE (within graftFloodThreshold): a GRAFT flood, penalized twice.
                if now.advanced(by: config.pruneBackoff) < expiry.advanced(by: config.graftFloodThreshold) {
                    score.addPenalty(peer)
                    reason = "graft_flood: GRAFT within \(config.graftFloodThreshold) of PRUNE"
                }
                actions.append(.penalize(peer: peer, topic: topic, reason: reason))
                backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: [])
                continue
            }
            if peerScore < 0 {
                // No peer exchange for a peer we do not trust.
                backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: [])
                continue
            }
            if (mesh[topic]?.count ?? 0) >= config.dHigh && !(peers[peer]?.outbound ?? false) {
                backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: peerExchange(topic, for: peer, now: now))
                continue
            }
            mesh[topic, default: []].insert(peer)
            grafted(peer, topic: topic, now: now)
        }
        return actions
    }

    private mutating func handlePrune(_ prunes: [P2pmq_Libp2p_Pubsub_ControlPrune], from peer: String, score peerScore: Double,
                                      now: Instant) -> [Action] {
        var actions: [Action] = []
        for p in prunes {
            let topic = p.topicID
            if mesh[topic]?.remove(peer) != nil { pruned(peer, topic: topic) }
            let seconds = p.hasBackoff ? Duration.seconds(Int64(clamping: p.backoff)) : config.pruneBackoff
            backoff.set(topic: topic, peer: peer, for: seconds, now: now)
            // Peer exchange only from peers with a good enough score (else it is an eclipse vector).
            guard !p.peers.isEmpty, peerScore >= config.thresholds.acceptPXThreshold else { continue }
            let offered = p.peers.prefix(config.maxPeersInPrune).compactMap { try? PeerID(bytes: Array($0.peerID)) }
                .filter { $0.description != localPeer && peers[$0.description] == nil && !blacklist.contains($0.description) }
            if !offered.isEmpty { actions.append(.connect(offered)) }
        }
        return actions
    }

    /// Peer exchange for a pruned peer: other mesh members with a non-negative score, as binary
    /// peer ids (router peers are named by their peer id text).
    func peerExchange(_ topic: String, for peer: String, now: Instant) -> [[UInt8]] {
        guard peers[peer]?.proto.supportsPX == true else { return [] }
        return (mesh[topic] ?? []).filter { $0 != peer && score.score($0, now: now) >= 0 }.sorted()
            .prefix(config.maxPeersInPrune).compactMap { try? PeerID($0).bytes }
    }
}
