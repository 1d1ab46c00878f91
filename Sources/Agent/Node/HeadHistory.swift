import Core
import DON
import Store
import Synchronization

/// The node's `HeadTimeline` (Core), shared by the validations running at once and the log
/// writer's completions, stamped with the system clock.
final class HeadHistory: Sendable {
    private let timeline = Mutex(HeadTimeline())
    private let clock = SystemClock()

    func advanced(topic: String, don: String, from previous: UInt64?, to head: UInt64, at now: Instant? = nil) {
        let at = now ?? clock.now
        timeline.withLock { $0.advanced(topic: topic, don: don, from: previous, to: head, at: at) }
    }

    func advancedIfTracked(topic: String, don: String, to head: UInt64, at now: Instant? = nil) {
        let at = now ?? clock.now
        timeline.withLock { $0.advancedIfTracked(topic: topic, don: don, to: head, at: at) }
    }

    func head(topic: String, don: String, at instant: Instant) -> UInt64?? {
        timeline.withLock { $0.head(topic: topic, don: don, at: instant) }
    }
}

/// The store's sequence state with heads taken as of a message's arrival (see `HeadTimeline`).
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
