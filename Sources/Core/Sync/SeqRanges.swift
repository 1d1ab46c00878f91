/// A set of sequence numbers kept as sorted, disjoint, non-adjacent closed ranges: what a joiner
/// still lacks, what a peer said it lacks, what nobody could provide.
public struct SeqRanges: Equatable, Sendable, CustomStringConvertible {
    public private(set) var ranges: [ClosedRange<UInt64>] = []

    public init(_ ranges: [ClosedRange<UInt64>] = []) {
        for r in ranges { insert(r) }
    }

    public var isEmpty: Bool { ranges.isEmpty }
    public var first: ClosedRange<UInt64>? { ranges.first }
    public var count: UInt64 { ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound + 1) } }
    public var description: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    public func contains(_ seq: UInt64) -> Bool { range(containing: seq) != nil }

    public func range(containing seq: UInt64) -> ClosedRange<UInt64>? {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(seq) ? ranges[lo] : nil
    }

    /// The smallest seq >= `seq` in the set.
    /// The members within `r`.
    public func clamped(to r: ClosedRange<UInt64>) -> SeqRanges {
        SeqRanges(ranges.compactMap { x in
            let lo = max(x.lowerBound, r.lowerBound), hi = min(x.upperBound, r.upperBound)
            return lo <= hi ? lo...hi : nil
        })
    }

    public func firstMember(atOrAfter seq: UInt64) -> UInt64? {
        ranges.first { $0.upperBound >= seq }.map { max($0.lowerBound, seq) }
    }

    public mutating func insert(_ r: ClosedRange<UInt64>) {
        var lower = r.lowerBound, upper = r.upperBound
        var kept: [ClosedRange<UInt64>] = []
        kept.reserveCapacity(ranges.count + 1)
        // Existing ranges are disjoint and non-adjacent, so one pass merges everything that
        // overlaps or touches `r`.
        for x in ranges {
            let before = x.upperBound < lower && lower - x.upperBound > 1
            let after = x.lowerBound > upper && x.lowerBound - upper > 1
            if before || after {
                kept.append(x)
            } else {
                lower = min(lower, x.lowerBound)
                upper = max(upper, x.upperBound)
            }
        }
        kept.append(lower...upper)
        ranges = kept.sorted { $0.lowerBound < $1.lowerBound }
    }

    public mutating func formUnion(_ other: SeqRanges) {
        for r in other.ranges { insert(r) }
    }

    public mutating func remove(_ r: ClosedRange<UInt64>) {
        var kept: [ClosedRange<UInt64>] = []
        for x in ranges {
            guard x.overlaps(r) else {
                kept.append(x)
                continue
            }
            if x.lowerBound < r.lowerBound { kept.append(x.lowerBound...(r.lowerBound - 1)) }
            if x.upperBound > r.upperBound { kept.append((r.upperBound + 1)...x.upperBound) }
        }
        ranges = kept
    }

    /// [low, high] without the given seqs (ascending; repeats allowed).
    public static func missing(low: UInt64, high: UInt64, held: some Sequence<UInt64>) -> SeqRanges {
        guard low <= high else { return SeqRanges() }
        var result = SeqRanges()
        var next = low
        for seq in held where seq >= next {
            if seq > high { break }
            if seq > next { result.ranges.append(next...(seq - 1)) }
            if seq == .max { return result }
            next = seq + 1
        }
        if next <= high { result.ranges.append(next...high) }
        return result
    }
}
