/// Gossipsub v1.1 peer scoring as a pure value: events in (graft, prune, deliveries, invalid
/// messages, penalties), scores out. Time comes from the caller; `decay(now:)` runs every
/// `decayInterval`. Scores are kept for `retainScore` after a peer disconnects.
public struct PeerScore: Sendable {
    public let params: PeerScoreParams

    struct TopicStats: Sendable {
        var inMesh = false
        var graftTime = Instant(nanoseconds: 0)
        var meshTime: Duration = .zero
        var firstMessageDeliveries = 0.0
        var meshMessageDeliveries = 0.0
        var meshMessageDeliveriesActive = false
        var meshFailurePenalty = 0.0
        var invalidMessageDeliveries = 0.0
    }

    struct PeerStats: Sendable {
        var connected = true
        var expires: Instant?
        var topics: [String: TopicStats] = [:]
        var ips: Set<String> = []
        var behaviourPenalty = 0.0
        var appScore = 0.0
    }

    private var peers: [String: PeerStats] = [:]
    private var peersByIP: [String: Set<String>] = [:]

    public init(params: PeerScoreParams) { self.params = params }

    // MARK: lifecycle

    public mutating func addPeer(_ peer: String, ip: String? = nil) {
        var stats = peers[peer] ?? PeerStats()
        stats.connected = true
        stats.expires = nil
        if let ip {
            stats.ips.insert(ip)
            peersByIP[ip, default: []].insert(peer)
        }
        peers[peer] = stats
    }

    public mutating func removePeer(_ peer: String, now: Instant) {
        guard var stats = peers[peer] else { return }
        // Leaving the mesh with a delivery deficit is a mesh failure (P3b).
        for (topic, var t) in stats.topics where t.inMesh {
            applyMeshFailure(&t, topic)
            t.inMesh = false
            stats.topics[topic] = t
        }
        stats.connected = false
        stats.expires = now.advanced(by: params.retainScore)
        for ip in stats.ips { peersByIP[ip]?.remove(peer) }
        peers[peer] = stats
    }

    // MARK: mesh

    public mutating func graft(_ peer: String, topic: String, now: Instant) {
        update(peer, topic) { t in
            t.inMesh = true
            t.graftTime = now
            t.meshTime = .zero
            t.meshMessageDeliveriesActive = false
        }
    }

    public mutating func prune(_ peer: String, topic: String) {
        guard var stats = peers[peer], var t = stats.topics[topic] else { return }
        applyMeshFailure(&t, topic)
        t.inMesh = false
        stats.topics[topic] = t
        peers[peer] = stats
    }

    private func applyMeshFailure(_ t: inout TopicStats, _ topic: String) {
        guard let p = params.topicParams(topic), t.meshMessageDeliveriesActive,
              t.meshMessageDeliveries < p.meshMessageDeliveriesThreshold else { return }
        let deficit = p.meshMessageDeliveriesThreshold - t.meshMessageDeliveries
        t.meshFailurePenalty += deficit * deficit
    }

    // MARK: messages

    /// `peer` was the first to deliver a valid message.
    public mutating func firstDelivery(_ peer: String, topic: String) {
        guard let p = params.topicParams(topic) else { return }
        update(peer, topic) { t in
            t.firstMessageDeliveries = min(t.firstMessageDeliveries + 1, p.firstMessageDeliveriesCap)
            if t.inMesh { t.meshMessageDeliveries = min(t.meshMessageDeliveries + 1, p.meshMessageDeliveriesCap) }
        }
    }

    /// `peer` delivered a message we already had, `sinceFirst` after the first copy.
    public mutating func duplicateDelivery(_ peer: String, topic: String, sinceFirst: Duration) {
        guard let p = params.topicParams(topic), sinceFirst <= p.meshMessageDeliveriesWindow else { return }
        update(peer, topic) { t in
            if t.inMesh { t.meshMessageDeliveries = min(t.meshMessageDeliveries + 1, p.meshMessageDeliveriesCap) }
        }
    }

    /// `peer` delivered a message the validator rejected (P4).
    public mutating func invalidDelivery(_ peer: String, topic: String) {
        update(peer, topic) { $0.invalidMessageDeliveries += 1 }
    }

    /// Protocol misbehaviour: GRAFT during backoff, broken IWANT promises, ... (P7).
    public mutating func addPenalty(_ peer: String, _ count: Double = 1) {
        peers[peer, default: PeerStats()].behaviourPenalty += count
    }

    /// The application-specific score (P5), e.g. rebuilt from the persisted penalty history.
    public mutating func setAppScore(_ peer: String, _ score: Double) {
        peers[peer, default: PeerStats()].appScore = score
    }

    private mutating func update(_ peer: String, _ topic: String, _ body: (inout TopicStats) -> Void) {
        var stats = peers[peer] ?? PeerStats()
        var t = stats.topics[topic] ?? TopicStats()
        body(&t)
        stats.topics[topic] = t
        peers[peer] = stats
    }

    // MARK: time

    /// Decays counters and refreshes time in mesh; call every `decayInterval`.
    public mutating func decay(now: Instant) {
        for (peer, var stats) in peers {
            if let expires = stats.expires, now >= expires {
                peers[peer] = nil
                continue
            }
            for (topic, var t) in stats.topics {
                guard let p = params.topicParams(topic) else { continue }
                t.firstMessageDeliveries = decayed(t.firstMessageDeliveries, p.firstMessageDeliveriesDecay)
                t.meshMessageDeliveries = decayed(t.meshMessageDeliveries, p.meshMessageDeliveriesDecay)
                t.meshFailurePenalty = decayed(t.meshFailurePenalty, p.meshFailurePenaltyDecay)
                t.invalidMessageDeliveries = decayed(t.invalidMessageDeliveries, p.invalidMessageDeliveriesDecay)
                if t.inMesh {
                    t.meshTime = now.since(t.graftTime)
                    if t.meshTime > p.meshMessageDeliveriesActivation { t.meshMessageDeliveriesActive = true }
                }
                stats.topics[topic] = t
            }
            stats.behaviourPenalty = decayed(stats.behaviourPenalty, params.behaviourPenaltyDecay)
            peers[peer] = stats
        }
    }

    private func decayed(_ v: Double, _ factor: Double) -> Double {
        let d = v * factor
        return d < params.decayToZero ? 0 : d
    }

    // MARK: score

    /// The breakdown of a peer's score, for `p2pmq audit` and the Admin API.
    public struct Breakdown: Sendable, Equatable {
        public var topics: Double = 0
        public var appSpecific: Double = 0
        public var ipColocation: Double = 0
        public var behaviour: Double = 0
        public var total: Double { topics + appSpecific + ipColocation + behaviour }
    }

    public func breakdown(_ peer: String, now: Instant) -> Breakdown {
        guard let stats = peers[peer] else { return Breakdown() }
        var b = Breakdown()
        for (topic, t) in stats.topics {
            guard let p = params.topicParams(topic) else { continue }
            var s = 0.0
            if t.inMesh {
                let quanta = Double(now.since(t.graftTime).nanosecondsClamped) / Double(max(1, p.timeInMeshQuantum.nanosecondsClamped))
                s += p.timeInMeshWeight * min(quanta, p.timeInMeshCap)
            }
            s += p.firstMessageDeliveriesWeight * t.firstMessageDeliveries
            if t.inMesh, t.meshMessageDeliveriesActive, t.meshMessageDeliveries < p.meshMessageDeliveriesThreshold {
                let deficit = p.meshMessageDeliveriesThreshold - t.meshMessageDeliveries
                s += p.meshMessageDeliveriesWeight * deficit * deficit
            }
            s += p.meshFailurePenaltyWeight * t.meshFailurePenalty
            s += p.invalidMessageDeliveriesWeight * t.invalidMessageDeliveries * t.invalidMessageDeliveries
            b.topics += p.topicWeight * s
        }
        if params.topicScoreCap > 0 { b.topics = min(b.topics, params.topicScoreCap) }
        b.appSpecific = params.appSpecificWeight * stats.appScore
        for ip in stats.ips where !params.ipColocationWhitelist.contains(ip) {
            let n = Double(peersByIP[ip]?.count ?? 0)
            if n > params.ipColocationFactorThreshold {
                let surplus = n - params.ipColocationFactorThreshold
                b.ipColocation += params.ipColocationFactorWeight * surplus * surplus
            }
        }
        if stats.behaviourPenalty > params.behaviourPenaltyThreshold {
            let excess = stats.behaviourPenalty - params.behaviourPenaltyThreshold
            b.behaviour = params.behaviourPenaltyWeight * excess * excess
        }
        return b
    }

    public func score(_ peer: String, now: Instant) -> Double { breakdown(peer, now: now).total }

    public func knows(_ peer: String) -> Bool { peers[peer] != nil }

    /// Every peer with a score: connected ones and those retained after disconnecting.
    public var scoredPeers: [String] { Array(peers.keys) }
}
