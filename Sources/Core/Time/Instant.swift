/// A point in time for the node's state machines, in nanoseconds of a monotonic clock. State
/// machines never read a clock: callers pass `now` (from a `NodeClock`), tests and the simulator
/// advance a `ManualClock`. The one time type of the core; `Swift.Duration` measures spans.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    public func advanced(by d: Duration) -> Instant {
        Instant(nanoseconds: nanoseconds &+ d.nanosecondsClamped)
    }

    public static func + (a: Instant, d: Duration) -> Instant { a.advanced(by: d) }

    /// `d` earlier (not before 0).
    public static func - (a: Instant, d: Duration) -> Instant {
        let n = d.nanosecondsClamped
        return Instant(nanoseconds: a.nanoseconds > n ? a.nanoseconds - n : 0)
    }

    /// Time from `earlier` to self (zero if `earlier` is later).
    public func since(_ earlier: Instant) -> Duration {
        .nanoseconds(Int64(clamping: nanoseconds > earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0))
    }

    public var description: String { "\(Double(nanoseconds) / 1e9) s" }
}

extension Duration {
    /// Whole nanoseconds, clamped to 0...UInt64.max.
    public var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (ns, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// The span in seconds, as a Double (for logs and rates).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
