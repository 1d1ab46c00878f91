/// A token bucket: `rate` tokens a second up to `burst`. Taking tokens never fails; it says how
/// long to wait until they are earned, so a server slows a greedy peer down instead of refusing.
/// Time is passed in (seconds on any monotonic clock), so tests drive it without sleeping.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updated: Double

    public init(rate: Double, burst: Double, now: Double) {
        self.rate = rate
        self.burst = max(burst, 1)
        self.tokens = self.burst
        self.updated = now
    }

    /// Takes `n` tokens (the balance may go negative) and returns the seconds to wait before
    /// using them. A rate of 0 means no limit.
    public mutating func take(_ n: Double, now: Double) -> Double {
        guard rate > 0 else { return 0 }
        tokens = min(burst, tokens + max(0, now - updated) * rate)
        updated = max(updated, now)
        tokens -= n
        return tokens >= 0 ? 0 : -tokens / rate
    }
}
