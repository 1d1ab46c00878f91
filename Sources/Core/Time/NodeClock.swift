import Wire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a node's drivers read time. The state machines never do: a driver reads `now` once per
/// event and passes it in. The agent runs on `SystemClock`; tests and the simulator on
/// `ManualClock`, so a run is repeatable to the nanosecond.
public protocol NodeClock: Sendable {
    /// Monotonic time for timers and deadlines.
    var now: Instant { get }
    /// Wall time in nanoseconds since the Unix epoch, for stamps stored in the log.
    var wallNanoseconds: UInt64 { get }
}

/// The machine's clocks: CLOCK_MONOTONIC for `now`, CLOCK_REALTIME for stamps.
public struct SystemClock: NodeClock {
    public init() {}

    public var now: Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }

    public var wallNanoseconds: UInt64 { WallClock.nanoseconds() }
}

/// A clock that moves only when told to, for tests of timers and for the simulator. Its wall time
/// is its monotonic time plus a fixed epoch, so stamps are repeatable too.
public struct ManualClock: NodeClock {
    public private(set) var now: Instant
    /// Wall time at `now` = 0 (2026-01-01T00:00:00Z by default).
    public var epochNanoseconds: UInt64

    public init(start: UInt64 = 1_000_000_000, epochNanoseconds: UInt64 = 1_767_225_600_000_000_000) {
        now = Instant(nanoseconds: start)
        self.epochNanoseconds = epochNanoseconds
    }

    public var wallNanoseconds: UInt64 { epochNanoseconds &+ now.nanoseconds }

    public mutating func advance(_ d: Duration) { now = now.advanced(by: d) }

    /// Moves to `instant` (never backwards).
    public mutating func advance(to instant: Instant) { now = max(now, instant) }
}
