/// Who may be served a range now and how fast, as a value: at most `maxConcurrent` range
/// requests per peer at once (more get BUSY), and records paced by a token bucket per peer (sync
/// shares the connection with gossip, so a joiner may not take all of it).
public struct SyncAdmission: Sendable {
    public let maxConcurrent: Int
    public let rate: Double
    public let burst: Double
    private var serving: [String: Int] = [:]
    private var buckets: [String: TokenBucket] = [:]

    public init(maxConcurrent: Int, rate: Double, burst: Double) {
        self.maxConcurrent = maxConcurrent
        self.rate = rate
        self.burst = burst
    }

    /// Takes a serving slot for `peer`, or says BUSY (false).
    public mutating func admit(_ peer: String) -> Bool {
        guard serving[peer, default: 0] < maxConcurrent else { return false }
        serving[peer, default: 0] += 1
        return true
    }

    public mutating func release(_ peer: String) {
        serving[peer, default: 1] -= 1
        if serving[peer] == 0 { serving[peer] = nil }
    }

    /// How long to wait before sending `records` more records to `peer`.
    public mutating func reserve(_ peer: String, records: Int, now: Instant) -> Duration {
        let seconds = Double(now.nanoseconds) / 1e9
        var bucket = buckets[peer] ?? TokenBucket(rate: rate, burst: burst, now: seconds)
        let wait = bucket.take(Double(records), now: seconds)
        buckets[peer] = bucket
        return .nanoseconds(Int64(wait * 1e9))
    }

    /// Requests being served to `peer` now.
    public func serving(_ peer: String) -> Int { serving[peer, default: 0] }
}
