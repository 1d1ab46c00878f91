/// Which heads that peers report in sync Status to believe. A peer that accepted (or made up) a
/// report far ahead of the real stream, e.g. one signed by a compromised DON with an unrealistic
/// seq, reports that head; fetching up to it would bring the report in as history (history skips
/// the sequence rules) and move this node's head out of reach of the honest stream. So a reported
/// head counts only up to `maxSeqGap` past a reference: the local head, or, for a node without
/// one, the lower median of the reported heads (honest peers being the majority). Likewise a peer
/// that claims history below what the majority holds (a first seq under their median) is asked
/// only from that median on: otherwise a compromised DON's stale reports, rejected live, would come
/// in as history through the one peer that kept them.
public enum CredibleHeads {
    /// The lower median of a non-empty list: what most peers report at least.
    public static func lowerMedian(_ values: [UInt64]) -> UInt64 {
        let sorted = values.sorted()
        return sorted[(sorted.count - 1) / 2]
    }

    /// The holders with each incredible head lowered to the highest credible one (such a peer may
    /// still serve the seqs below it), that highest credible head, and the limit.
    /// `followMajority`: when most peers are past the limit, fetch up to it from them (set when no
    /// live report waits for validation: moving the head past a queued one would make it stale);
    /// `followsMajority` in the result says it did, so the caller chains another round.
    public static func cap(_ holders: [CatchUpPlan.Holder], local: UInt64?, maxSeqGap: UInt64?, followMajority: Bool = true)
        -> (holders: [CatchUpPlan.Holder], best: UInt64?, limit: UInt64?, followsMajority: Bool) {
        let top = holders.map(\.head).max()
        guard let gap = maxSeqGap, !holders.isEmpty else { return (holders, top, nil, false) }
        let median = lowerMedian(holders.map(\.head))
        let reference = local ?? median
        let (limit, overflow) = reference.addingReportingOverflow(gap)
        guard !overflow else { return (holders, top, nil, false) }
        var best = holders.map(\.head).filter { $0 <= limit }.max() ?? local ?? reference
        // Most peers are further ahead than that: fetch up to the limit from them now (the next
        // round's limit starts from there). Otherwise a node far behind fetched nothing at all.
        let followsMajority = followMajority && median > limit
        if followsMajority { best = max(best, limit) }
        let firsts = holders.map(\.first).sorted()
        let lowest = firsts[firsts.count / 2]
        let capped = holders.compactMap { h -> CatchUpPlan.Holder? in
            var c = h
            c.head = min(h.head, best)
            c.first = max(h.first, lowest)
            return c.first <= c.head ? c : nil
        }
        return (capped, best, limit, followsMajority)
    }
}
