import Store

/// Where a replay starts or stops: an offset, a time, or a DON's report by seq.
public enum ReplayBound: Sendable, Equatable, CustomStringConvertible {
    case offset(UInt64)
    /// Nanoseconds since the epoch (of the records' receive time).
    case time(UInt64)
    case donSeq(don: String, seq: UInt64)

    /// `123` (offset), an RFC 3339 time (`2026-11-27T10:00:00Z`), or `DON:seq` (`don-a:42`).
    public init?(text: String) {
        if let n = UInt64(text) {
            self = .offset(n)
        } else if let t = RFC3339.parse(text) {
            self = .time(t)
        } else if let colon = text.lastIndex(of: ":"), colon > text.startIndex,
                  let seq = UInt64(text[text.index(after: colon)...]) {
            self = .donSeq(don: String(text[..<colon]), seq: seq)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .offset(let o): "offset \(o)"
        case .time(let t): RFC3339.format(t)
        case .donSeq(let don, let seq): "\(don):\(seq)"
        }
    }

    /// The first offset the bound names: the offset itself, the first record received at or
    /// after the time, or the accepted record of that DON and seq.
    public func firstOffset(in store: ReportStore, topic: String) throws -> UInt64 {
        switch self {
        case .offset(let o): return o
        case .time(let t):
            var found: UInt64?
            try store.scanViews(topic: topic) { offset, view in
                if view.receivedAt >= t { found = offset }
                return found == nil
            }
            if let found { return found }
            return try store.topic(topic)?.nextOffset ?? 0
        case .donSeq(let don, let seq):
            return try donSeqOffset(store, topic, don, seq)
        }
    }

    /// The last offset the bound names (inclusive): the offset, the last record received at or
    /// before the time, or the accepted record of that DON and seq. Nil: nothing is that early.
    public func lastOffset(in store: ReportStore, topic: String) throws -> UInt64? {
        switch self {
        case .offset(let o): return o
        case .time(let t):
            var last: UInt64?
            try store.scanViews(topic: topic) { offset, view in
                guard view.receivedAt <= t else { return false }
                last = offset
                return true
            }
            return last
        case .donSeq(let don, let seq):
            return try donSeqOffset(store, topic, don, seq)
        }
    }

    private func donSeqOffset(_ store: ReportStore, _ topic: String, _ don: String, _ seq: UInt64) throws -> UInt64 {
        let entries = try store.reports(topic: topic, don: don, seq: seq)
        guard let first = entries.map(\.offset).min() else {
            let head = try store.head(topic: topic, don: don)
            throw AgentError(.invalidArgument, head.map { "DON \(don) has no report with seq \(seq) on '\(topic)' (its head is \($0.seq))" }
                ?? "no reports of DON '\(don)' on '\(topic)'; `p2pmq heads --topic \(topic)` lists its DONs")
        }
        return first
    }
}
