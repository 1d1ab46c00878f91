import Foundation
import Wire

/// The heartbeat: score decay, broken IWANT promises, mesh maintenance (negative scores out,
/// Dlo/Dhi/Dscore/Dout, opportunistic grafting), fanout expiry, gossip emission, cache shifts.
extension GossipsubRouter {
    public mutating func heartbeat(now: Instant) -> [Action] {
        heartbeats += 1
        score.decay(now: now)
        var actions: [Action] = []
        for (peer, count) in promises.broken(now: now).sorted(by: { $0.key < $1.key }) where peers[peer] != nil {
            score.addPenalty(peer, Double(count))
            actions.append(.penalize(peer: peer, topic: "",
                                     reason: "broken_promise: \(count) IWANT not answered within \(config.iwantFollowupTime)"))
        }
        var out = Outbox()
        for topic in mesh.keys.sorted() { maintainMesh(topic, now: now, out: &out) }
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
            peers[peer]!.ihaves = 0
            peers[peer]!.iasked = 0
            peers[peer]!.iwantServed = 0
            peers[peer]!.dontWant.removeAll()
        }
        arrivals = arrivals.filter { now.since($0.value.first) < config.seenTTL }
        left = left.filter { now.since($0.value) < config.pruneBackoff }
        // Direct peers are kept connected: ask for the missing ones now and then.
        if heartbeats % config.directConnectTicks == 1 || config.directConnectTicks == 1 {
            let missing = config.directPeers.subtracting(peers.keys).sorted().compactMap { try? PeerID($0) }
            if !missing.isEmpty { actions.append(.connect(missing)) }
        }
        return out.actions() + actions
    }

    private mutating func maintainMesh(_ topic: String, now: Instant, out: inout Outbox) {
        var members = mesh[topic]!
        func graft(_ peer: String) {
            members.insert(peer)
            grafted(peer, topic: topic, now: now)
            out.graft(peer, topic: topic)
        }
        // Drop peers with a negative score.
        for peer in members.sorted() where score.score(peer, now: now) < 0 {
            members.remove(peer)
            pruned(peer, topic: topic)
            backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
            out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: [])
        }
        if members.count < config.dLow {
            for peer in candidates(topic, now: now, excluding: members).prefix(config.d - members.count) { graft(peer) }
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
                pruned(peer, topic: topic)
                backoff.set(topic: topic, peer: peer, for: config.pruneBackoff, now: now)
                out.prune(peer, topic: topic, backoff: config.pruneBackoff, px: peerExchange(topic, for: peer, now: now))
            }
            members = keep
        }
        // Enough peers but too few outbound ones (an inbound-only mesh can be eclipsed): graft
        // outbound peers up to Dout.
        if members.count >= config.dLow {
            let outbound = members.filter { peers[$0]?.outbound == true }.count
            if outbound < config.dOut {
                let more = candidates(topic, now: now, excluding: members).filter { peers[$0]?.outbound == true }
                for peer in more.prefix(config.dOut - outbound) { graft(peer) }
            }
        }
        // Opportunistic grafting: if the mesh's median score is low, bring in a few peers that
        // score better than the median (v1.1: recovers from meshes of poor, but positive, peers).
        if heartbeats % config.opportunisticGraftTicks == 0, members.count > 1 {
            let scores = members.map { score.score($0, now: now) }.sorted()
            let median = scores[scores.count / 2]
            if median < config.thresholds.opportunisticGraftThreshold {
                let better = candidates(topic, now: now, excluding: members).filter { score.score($0, now: now) > median }
                for peer in better.prefix(config.opportunisticGraftPeers) { graft(peer) }
            }
        }
        mesh[topic] = members
    }

    /// IHAVE to Dlazy (or gossipFactor of) the topic's peers outside the mesh.
    private mutating func emitGossip(now: Instant, out: inout Outbox) {
        for topic in Set(mesh.keys).union(fanout.keys).sorted() {
            var ids = mcache.gossipIDs(topic: topic)
            guard !ids.isEmpty else { continue }
            let inMesh = (mesh[topic] ?? []).union(fanout[topic] ?? [])
            var others = peers(in: topic).subtracting(inMesh)
                .filter {
                    !isDirect($0) && score.score($0, now: now) >= config.thresholds.gossipThreshold
                        && peers[$0]?.proto.supportsMesh == true
                }
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
}
