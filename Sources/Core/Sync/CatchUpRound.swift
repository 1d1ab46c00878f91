/// The decisions at the start of a catch-up round, pure: from the heads peers reported in Status
/// and what the local log holds, which heads to believe (`CredibleHeads`), which seqs this node
/// lacks, and the plans that fetch them (config updates on the registry topic first: reports
/// signed under a rotated config check against it). The sync service asks the peers and runs
/// the plans; the log is read through the two closures.
public struct CatchUpRound: Sendable {
    /// One peer's Status line for a stream.
    public struct Status: Sendable, Equatable {
        public var peer: String
        public var topic: String
        public var don: String
        public var first: UInt64
        public var head: UInt64

        public init(peer: String, topic: String, don: String, first: UInt64, head: UInt64) {
            (self.peer, self.topic, self.don, self.first, self.head) = (peer, topic, don, first, head)
        }
    }

    /// Something the operator should read in the log.
    public enum Note: Sendable, Equatable {
        /// Most peers are more than maxSeqGap ahead: fetching up to `best` now, the rest in the
        /// next rounds.
        case followingMajority(CatchUpPlan.Stream, limit: UInt64, best: UInt64)
        /// A peer's head is past the credible limit: not believed.
        case incredibleHead(CatchUpPlan.Stream, peer: String, head: UInt64, limit: UInt64, best: UInt64)
    }

    /// Plans to run one after the other (registry first), each possibly already done.
    public var plans: [CatchUpPlan] = []
    /// The head most peers report per stream (lower median of the credible heads), for the
    /// verifier's best known head.
    public var agreedHeads: [CatchUpPlan.Stream: UInt64] = [:]
    public var streams = 0
    public var missing: UInt64 = 0
    /// Most peers were past the credible limit: another round should follow if this one fetched
    /// anything.
    public var behindMajority = false
    public var notes: [Note] = []

    /// - Parameters:
    ///   - topics: the subscribed topics (Status lines of others are ignored).
    ///   - followMajority: whether the credible limit may follow the majority (not while live
    ///     reports wait for validation: a head moved past them makes them stale).
    ///   - localHead: the log's head of a stream.
    ///   - heldSeqs: the log's seqs of a stream from a seq on, ascending.
    public init(statuses: [Status], topics: Set<String>, registryTopic: String?, followMajority: Bool,
                maxSeqGap: (String) -> UInt64?, localHead: (CatchUpPlan.Stream) -> UInt64?,
                heldSeqs: (CatchUpPlan.Stream, _ from: UInt64, _ through: UInt64) -> [UInt64]) {
        var holders: [CatchUpPlan.Stream: [CatchUpPlan.Holder]] = [:]
        for s in statuses where topics.contains(s.topic) && !s.don.isEmpty && s.first <= s.head {
            holders[.init(topic: s.topic, don: s.don), default: []].append(.init(peer: s.peer, first: s.first, head: s.head))
        }
        for (stream, hs) in holders.sorted(by: { $0.key < $1.key }) {
            let capped = CredibleHeads.cap(hs, local: localHead(stream), maxSeqGap: maxSeqGap(stream.don), followMajority: followMajority)
            if capped.followsMajority {
                behindMajority = true
                notes.append(.followingMajority(stream, limit: capped.limit ?? 0, best: capped.best ?? 0))
            } else if let limit = capped.limit {
                for h in hs where h.head > limit {
                    notes.append(.incredibleHead(stream, peer: h.peer, head: h.head, limit: limit, best: capped.best ?? 0))
                }
            }
            holders[stream] = capped.holders.isEmpty ? nil : capped.holders
        }
        // The head live reports are judged against (when above the local one) is what most peers
        // report, their lower median: one peer claiming a little more than it has (still
        // credible) must not make the honest stream's next reports look too late.
        for (stream, hs) in holders where !hs.isEmpty { agreedHeads[stream] = CredibleHeads.lowerMedian(hs.map(\.head)) }
        var lacking: [CatchUpPlan.Stream: SeqRanges] = [:]
        for (stream, hs) in holders {
            let low = hs.map(\.first).min()!, high = hs.map(\.head).max()!
            lacking[stream] = SeqRanges.missing(low: low, high: high, held: heldSeqs(stream, low, high))
            missing += lacking[stream]!.count
        }
        streams = holders.count
        plans = [true, false].map { registryFirst in
            CatchUpPlan(missing: lacking.filter { ($0.key.topic == registryTopic) == registryFirst },
                        holders: holders.filter { ($0.key.topic == registryTopic) == registryFirst })
        }
    }

    public var isDone: Bool { plans.allSatisfy(\.isDone) }
}
