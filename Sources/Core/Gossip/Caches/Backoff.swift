/// PRUNE backoff: after a PRUNE, neither side may GRAFT the other on that topic until the backoff
/// expires (1 min by default, 10 s after an unsubscribe). A GRAFT during backoff is penalized.
public struct Backoff: Sendable {
    private var until: [String: [String: Instant]] = [:]

    public init() {}

    public mutating func set(topic: String, peer: String, for duration: Duration, now: Instant) {
        let expires = now.advanced(by: duration)
        // Never shorten a running backoff.
        if let current = until[topic]?[peer], current > expires { return }
        until[topic, default: [:]][peer] = expires
    }

    public func isBackedOff(topic: String, peer: String, now: Instant) -> Bool {
        guard let expires = until[topic]?[peer] else { return false }
        return now < expires
    }

    /// When the backoff for the pair ends (nil: none recorded).
    public func expiry(topic: String, peer: String) -> Instant? { until[topic]?[peer] }

    /// Drops expired entries (once per heartbeat).
    public mutating func sweep(_ now: Instant) {
        for (topic, peers) in until {
            let alive = peers.filter { now < $0.value }
            until[topic] = alive.isEmpty ? nil : alive
        }
    }
}
