/// IWANT follow-up (gossipsub v1.1 "promises"): when we ask a peer for messages it advertised in
/// IHAVE, it promises to deliver one of them within `followUp`. A promise kept by anyone (the
/// message arrived) is dropped; an expired one is a broken promise and costs the advertiser a
/// behaviour penalty (P7). Like go-libp2p-pubsub, one random id of each IWANT is tracked: that is
/// enough to catch peers that advertise what they do not have, and bounded in memory.
public struct GossipPromises: Sendable {
    public let followUp: Duration
    private var promises: [[UInt8]: [String: Instant]] = [:]

    public init(followUp: Duration = .seconds(3)) { self.followUp = followUp }

    public var count: Int { promises.values.reduce(0) { $0 + $1.count } }

    /// `peer` was asked for `id` at `now`. An earlier deadline for the same pair stands.
    public mutating func add(_ id: [UInt8], from peer: String, now: Instant) {
        if promises[id]?[peer] != nil { return }
        promises[id, default: [:]][peer] = now.advanced(by: followUp)
    }

    /// The message arrived (from anyone): every promise for it is kept.
    public mutating func fulfill(_ id: [UInt8]) { promises[id] = nil }

    /// `peer` is gone (disconnected, maybe crashed): its promises are dropped rather than
    /// counted as broken. A peer that stays connected and does not deliver is what promises
    /// catch; a crashed honest peer must not be penalized for it (the reliability suite's churn
    /// found that), and the message comes from others or range sync. A peer that disconnects to
    /// dodge the penalty pays a new connection each time, and IHAVE floods cost it anyway.
    public mutating func forget(peer: String) {
        for (id, byPeer) in promises where byPeer[peer] != nil {
            var left = byPeer
            left[peer] = nil
            promises[id] = left.isEmpty ? nil : left
        }
    }

    /// Removes the promises whose deadline passed and returns how many each peer broke.
    public mutating func broken(now: Instant) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (id, byPeer) in promises {
            var left = byPeer
            for (peer, deadline) in byPeer where deadline < now {
                counts[peer, default: 0] += 1
                left[peer] = nil
            }
            promises[id] = left.isEmpty ? nil : left
        }
        return counts
    }
}
