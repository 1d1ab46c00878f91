import Foundation

/// A point in time for the router's state machines, in nanoseconds of a monotonic clock. The
/// router never reads a clock: callers pass `now`, tests advance a manual clock.
public struct Instant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    public func advanced(by d: Duration) -> Instant {
        Instant(nanoseconds: nanoseconds &+ d.nanosecondsClamped)
    }

    /// Time from `earlier` to self (zero if `earlier` is later).
    public func since(_ earlier: Instant) -> Duration {
        .nanoseconds(Int64(clamping: nanoseconds > earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0))
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to 0...UInt64.max.
    public var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (ns, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns &+ UInt64(attoseconds / 1_000_000_000)
    }
}

/// A clock that moves only when told to, for tests of timers.
public struct ManualClock: Sendable {
    public private(set) var now: Instant

    public init(start: UInt64 = 1_000_000_000) { now = Instant(nanoseconds: start) }

    public mutating func advance(_ d: Duration) { now = now.advanced(by: d) }
}

/// Wall-clock time in nanoseconds since 1970 (CLOCK_REALTIME), full precision: delivery stamps
/// compared across processes on one machine (benchmark latencies).
public func wallClockNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
