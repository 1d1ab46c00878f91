/// Recent head advances per (topic, DON), so a live report is judged against the head as it was
/// when the report arrived, not when a validation slot freed up. Without it a validation
/// backlog lets our own publishes and other accepted reports move the head on, and a report that
/// was on time when it arrived would be REJECTed as stale, penalizing an honest peer.
/// A value: the agent shares one behind a lock; tests and the simulator own theirs.
public struct HeadTimeline: Sendable {
    private struct Advance: Sendable {
        var at: Instant
        var previous: UInt64?
        var head: UInt64
    }

    private struct Stream: Hashable, Sendable {
        var topic: String
        var don: String
    }

    /// How far back arrivals are looked up; older ones use the current head. Arrivals are at most
    /// a validation timeout old, well inside it.
    public static let window: Duration = .seconds(120)
    public static let maxPerStream = 8192
    private var advances: [Stream: [Advance]] = [:]

    public init() {}

    /// The head of (topic, DON) moved from `previous` to `head` at `now`.
    public mutating func advanced(topic: String, don: String, from previous: UInt64?, to head: UInt64, at now: Instant) {
        let key = Stream(topic: topic, don: don)
        var list = advances[key, default: []]
        list.append(Advance(at: now, previous: previous, head: head))
        let cutoff = now - Self.window
        if let keepFrom = list.firstIndex(where: { $0.at >= cutoff }), keepFrom > 0 { list.removeFirst(keepFrom) }
        if list.count > Self.maxPerStream { list.removeFirst(list.count - Self.maxPerStream) }
        advances[key] = list
    }

    /// The head moved on to `head` by a path that does not know the previous head (range sync):
    /// recorded only for streams already tracked, continuing from their last known head.
    public mutating func advancedIfTracked(topic: String, don: String, to head: UInt64, at now: Instant) {
        guard let last = advances[Stream(topic: topic, don: don)]?.last?.head, head > last else { return }
        advanced(topic: topic, don: don, from: last, to: head, at: now)
    }

    /// The head at `instant` when the timeline has advances of this stream; nil to use the current
    /// head. (`.some(nil)`: there was no head yet then.)
    public func head(topic: String, don: String, at instant: Instant) -> UInt64?? {
        guard let list = advances[Stream(topic: topic, don: don)], let first = list.first else { return nil }
        // The last advance at or before the instant; before the first one, its previous head.
        guard let i = list.lastIndex(where: { $0.at <= instant }) else { return .some(first.previous) }
        return .some(list[i].head)
    }
}
