#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time in nanoseconds since the Unix epoch (CLOCK_REALTIME, full precision): the unit
/// of every stored timestamp and of latencies compared across processes on one machine. Monotonic
/// time for timers and deadlines is `Core.Instant`; this is only for stamps people and other
/// processes read.
public enum WallClock {
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
