/// The sequence rules for live gossip of one (topic, DON), applied to a report that already passed
/// the quorum check. Pure: the caller supplies the head and what is stored at the report's seq.
public enum SequencePolicy {
    /// - Parameters:
    ///   - head: the best known head (local, or higher as reported by peers); nil for none yet.
    ///   - stored: digests of the reports already stored for `seq`.
    public static func decide(
        seq: UInt64, digest: [UInt8], head: UInt64?, stored: [[UInt8]], thresholds t: SequenceThresholds
    ) -> (ReportReason, String) {
        if !stored.isEmpty {
            return stored.contains(digest)
                ? (.duplicate, "report for seq \(seq) is already stored")
                : (.equivocation, "a different report for seq \(seq) is already stored: the DON signed two reports for one seq")
        }
        guard let head else { return (.firstReport, "first report seen for this DON on this topic") }
        if seq > head {
            let ahead = seq - head
            return ahead <= t.maxSeqGap
                ? (.newHead, "seq \(seq) advances the head from \(head)")
                : (.seqGapTooLarge, "seq \(seq) is \(ahead) ahead of head \(head); at most \(t.maxSeqGap) is realistic")
        }
        let behind = head - seq
        if behind <= t.skip { return (.lateFill, "seq \(seq) fills a gap \(behind) behind head \(head)") }
        if behind <= t.validity { return (.tooLate, "seq \(seq) is \(behind) behind head \(head): too late to matter") }
        return (.staleSeq, "seq \(seq) is \(behind) behind head \(head), past the validity threshold \(t.validity): a stale replay")
    }
}
