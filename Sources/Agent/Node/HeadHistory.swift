import Core
import DON
import NIOConcurrencyHelpers
import Store

/// Recent head advances per (topic, DON), so a live report is judged against the head as it was
/// when the report arrived, not when a validation slot freed up. Without it, a validation
/// backlog lets our own publishes and other accepted reports move the head on, and a report
/// that was on time when it arrived would be REJECTed as stale, penalizing an honest peer.
final class HeadHistory: Sendable {
    private struct Advance {
        var at: Instant
        var previous: UInt64?
        var head: UInt64
    }

    /// How far back arrivals are looked up; older ones use the current head.
    static let window: Duration = .seconds(120)
    static let maxPerStream = 8192
    private let advances = NIOLockedValueBox<[String: [Advance]]>([:])

    private static func key(_ topic: String, _ don: String) -> String { topic + "\u{0}" + don }

    /// The head of (topic, DON) moved from `previous` to `head` now.
    func advanced(topic: String, don: String, from previous: UInt64?, to head: UInt64, at now: Instant = SystemClock().now) {
        advances.withLockedValue { all in
            var list = all[Self.key(topic, don), default: []]
            list.append(Advance(at: now, previous: previous, head: head))
            let cutoff = now - Self.window
            if let keepFrom = list.firstIndex(where: { $0.at >= cutoff }), keepFrom > 0 { list.removeFirst(keepFrom) }
            if list.count > Self.maxPerStream { list.removeFirst(list.count - Self.maxPerStream) }
            all[Self.key(topic, don)] = list
        }
    }

    /// The head moved on to `head` by a path that does not know the previous head (range sync):
    /// recorded only for streams already tracked, continuing from their last known head.
    func advancedIfTracked(topic: String, don: String, to head: UInt64, at now: Instant = SystemClock().now) {
        let last = advances.withLockedValue { $0[Self.key(topic, don)]?.last?.head }
        guard let last, head > last else { return }
        advanced(topic: topic, don: don, from: last, to: head, at: now)
    }

    /// The head at `instant`, when the history has advances of this stream; nil to use the current
    /// head. (`.some(nil)`: there was no head yet then.) Arrivals are at most a validation
    /// timeout old, well inside the `window` kept.
    func head(topic: String, don: String, at instant: Instant) -> UInt64?? {
        advances.withLockedValue { all in
            guard let list = all[Self.key(topic, don)], let first = list.first else { return nil }
            // The last advance at or before the instant; before the first one, its previous head.
            guard let i = list.lastIndex(where: { $0.at <= instant }) else { return .some(first.previous) }
            return .some(list[i].head)
        }
    }
}

/// The store's sequence state with heads taken as of a message's arrival (see `HeadHistory`).
struct ArrivalSequenceState: SequenceState {
    let store: ReportStore
    let history: HeadHistory
    let arrivedAt: Instant

    func headSeq(topic: String, don: String) throws -> UInt64? {
        if let then = history.head(topic: topic, don: don, at: arrivedAt) { return then }
        return try store.headSeq(topic: topic, don: don)
    }

    func storedDigests(topic: String, don: String, seq: UInt64) throws -> [[UInt8]] {
        try store.storedDigests(topic: topic, don: don, seq: seq)
    }
}
