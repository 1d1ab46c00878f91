/// Sequence state held in memory: what the store would answer, for tools that decide verdicts
/// before anything is written (log generation, dry-run verification).
public struct MemorySequenceState: SequenceState, Sendable {
    private struct Key: Hashable {
        var topic: String
        var don: String
        var seq: UInt64
    }

    private var heads: [String: UInt64] = [:]
    private var digests: [Key: [[UInt8]]] = [:]

    public init() {}

    public func headSeq(topic: String, don: String) -> UInt64? { heads[topic + "\u{0}" + don] }

    public func storedDigests(topic: String, don: String, seq: UInt64) -> [[UInt8]] {
        digests[Key(topic: topic, don: don, seq: seq)] ?? []
    }

    /// Applies a decision the way the store does on append.
    public mutating func record(_ d: ReportDecision, topic: String) {
        guard let digest = d.reportDigest, !d.don.isEmpty else { return }
        if d.indexBySeq { digests[Key(topic: topic, don: d.don, seq: d.seq), default: []].append(digest) }
        if d.verdict == .accept {
            let key = topic + "\u{0}" + d.don
            heads[key] = max(heads[key] ?? d.seq, d.seq)
        }
    }
}
